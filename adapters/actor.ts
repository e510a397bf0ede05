/** Who is running the promotion, from the places that can tell: CI variables, git, the OS. */
import { execFileSync } from "child_process";
import * as os from "os";
import { stackFileName } from "../rules/names";
import { resolveActor } from "../rules/record";

/** The git author of the last commit that touched the stack file, if git can tell. */
function gitAuthor(projectDir: string, stack: string): string | undefined {
  try {
    return execFileSync("git", ["log", "-1", "--format=%an <%ae>", "--", stackFileName(stack)], {
      cwd: projectDir,
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

function osUser(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}

/** The CI actor, else the git author of the stack file's last commit, else the OS user. */
export function currentActor(projectDir: string, stack: string): string {
  return resolveActor({
    env: process.env,
    gitAuthor: gitAuthor(projectDir, stack),
    osUser: osUser(),
  });
}
