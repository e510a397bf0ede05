/** Loading the project's stack files into what the commands work from. */
import * as fs from "fs";
import * as path from "path";
import { listStacks, loadStackFile } from "../config/stackFiles";
import { Refused } from "./errors";
import { chainOrder } from "./plan/chain";
import { stackFileName, type StackState } from "./plan/state";
import { readApps } from "./stackText";

/** Every stack file, validated the way the program validates it; throws on the first problem. */
export function loadStates(projectDir: string): StackState[] {
  if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new Refused(
      `no Pulumi.yaml in ${projectDir}; run the command from the project directory`,
    );
  }
  const stacks = listStacks(projectDir);
  if (stacks.length === 0) throw new Refused(`no Pulumi.<env>.yaml stack file in ${projectDir}`);
  return stacks.map((stack) => {
    const file = stackFileName(stack);
    return {
      config: loadStackFile(projectDir, stack),
      file,
      apps: readApps(fs.readFileSync(path.join(projectDir, file), "utf8")),
    };
  });
}

/** The environments in chain order; throws Refused when the chain is not one line. */
export function orderedEnvironments(states: StackState[]): string[] {
  const order = chainOrder(states);
  if (!Array.isArray(order)) throw new Refused(order.refused);
  return order;
}
