/**
 * The temporary repositories the CLI tests run in are copies of a frozen fixture project, never
 * of the live root stack files: a promotion, a CI tag bump or a new canary changes those.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { listStacks } from "../../config/stackFiles";
import { fixtureDir, tempProject } from "../support/gitRepo";
import { PROJECT_DIR } from "../../harness/program";

describe("cli tests: temporary projects", () => {
  it("copy the seed fixture by default, with Pulumi.yaml's content (not the symlink)", () => {
    const project = tempProject({ origin: false });
    try {
      const seed = fixtureDir("seed");
      assert.deepEqual(listStacks(project.dir), listStacks(seed));
      for (const stack of listStacks(seed)) {
        const file = `Pulumi.${stack}.yaml`;
        assert.equal(project.read(file), fs.readFileSync(path.join(seed, file), "utf8"), file);
      }
      assert.ok(!fs.lstatSync(path.join(project.dir, "Pulumi.yaml")).isSymbolicLink());
      assert.equal(
        project.read("Pulumi.yaml"),
        fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"),
      );
    } finally {
      project.cleanup();
    }
  });

  it("copy the fixture they are given: the canary chain, or any project directory", () => {
    const canary = tempProject({ origin: false, fixture: "canary" });
    try {
      assert.deepEqual(listStacks(canary.dir), ["canary", "dev", "prod", "stage"]);
    } finally {
      canary.cleanup();
    }
    // A fixture whose dev pins a tag no live stack file pins: the copy has it.
    const custom = fs.mkdtempSync(path.join(os.tmpdir(), "fixture-"));
    const project = (() => {
      for (const file of fs.readdirSync(fixtureDir("seed"))) {
        fs.writeFileSync(
          path.join(custom, file),
          fs
            .readFileSync(path.join(fixtureDir("seed"), file), "utf8")
            .replace(/sha-5eed0a1b/g, "sha-0123abcd"),
        );
      }
      return tempProject({ origin: false, fixture: custom });
    })();
    try {
      assert.match(project.read("Pulumi.dev.yaml"), /tag: sha-0123abcd\n/);
    } finally {
      project.cleanup();
      fs.rmSync(custom, { recursive: true, force: true });
    }
  });
});
