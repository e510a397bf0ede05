/**
 * Without a GitHub token, a preview treats GitHub exactly as the `up` before it did: a stack that
 * has never managed GitHub declares no GitHub object in either, so a preview right after an
 * offline `up` with the same inputs shows no change (it used to show `+ 3 to create` and
 * `githubAccess: "none" => "anonymous"`).
 */
import { strict as assert } from "assert";
import * as path from "path";
import { runProgram, withDeployed } from "../../harness/program";
import { withoutGitHubToken } from "../support/githubToken";

const SEED = path.resolve(__dirname, "..", "fixtures", "seed");

describe("GitHub access without a token", () => {
  withoutGitHubToken();

  it("previews a stack that never managed GitHub as its offline up left it: nothing on GitHub", async () => {
    const run = await runProgram("prod", {}, undefined, { projectDir: SEED });
    const declared = run.resources.filter(
      (r) => r.type.startsWith("github:") || r.type === "pulumi:providers:github",
    );
    assert.deepEqual(declared, []);
    const governance = run.outputs.governance as { githubAccess: string; repository: string };
    assert.equal(governance.githubAccess, "none");
    // The summary still tells a reviewer what a run with a token would declare.
    assert.equal(governance.repository, "data-literate/dex");
  });

  it("previews a stack that manages GitHub with its objects, offline", async () => {
    const run = await runProgram("prod", {}, undefined, {
      projectDir: SEED,
      stackOutputs: withDeployed(SEED, { prod: { governance: { githubAccess: "token" } } }),
    });
    assert.ok(run.resources.some((r) => r.type === "pulumi:providers:github"));
    assert.equal((run.outputs.governance as { githubAccess: string }).githubAccess, "anonymous");
  });
});
