/** How `npm run ci` runs the engine: with the project's policy pack, never quietly without it. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findPolicyPack, stackShArgs, stackShEngine } from "../../ci/engine";

describe("ci engine: the policy pack", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-engine-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const pack = (installed: boolean) => {
    fs.mkdirSync(path.join(dir, "policy"));
    fs.writeFileSync(path.join(dir, "policy", "PulumiPolicy.yaml"), "runtime: nodejs\n");
    if (installed) {
      fs.mkdirSync(path.join(dir, "policy", "node_modules", "@pulumi", "policy"), {
        recursive: true,
      });
    }
  };

  it("finds no pack in a project without policy/PulumiPolicy.yaml", () => {
    assert.equal(findPolicyPack(dir), undefined);
    assert.deepEqual(stackShArgs("up", "dev"), ["up", "dev"]);
  });

  it("runs previews and ups with an installed pack, and says so", () => {
    pack(true);
    assert.deepEqual(findPolicyPack(dir), { dir: "policy" });
    const engine = stackShEngine(dir, {}, () => undefined);
    assert.equal(
      engine.describe("preview", "stage"),
      "PULUMI_DEBUG_COMMANDS=true scripts/stack.sh preview stage --json --policy-pack policy --event-log <temporary file>",
    );
    assert.equal(engine.describe("up", "prod"), "scripts/stack.sh up prod --policy-pack policy");
    assert.equal(engine.describe("output", "prod"), "scripts/stack.sh output prod");
  });

  it("refuses to run the engine when the pack is there but not installed", async () => {
    pack(false);
    let echoed = "";
    const engine = stackShEngine(dir, {}, (chunk) => (echoed += chunk));
    for (const op of ["preview", "up"] as const) {
      const result = await engine.run(op, "stage");
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /the policy pack policy\/ is not installed/);
      assert.match(result.stderr, /npm ci --prefix policy/);
    }
    // Nothing ran: scripts/stack.sh does not even exist in this directory.
    assert.equal(echoed, "");
  });
});
