/** rules/ci/affected.ts: which stacks a change affects, on examples. */
import { strict as assert } from "assert";
import {
  affectedStacks,
  classifyPath,
  ENGINE_PATHS,
  PROGRAM_FILES,
  PROGRAM_FOLDERS,
} from "../../rules/ci/affected";
import { CANARY, SEED } from "../fixtures";
import { PROGRAM_ENTRIES } from "../../harness/engine";

const CHAIN = SEED.environments;

describe("ci: the stacks a change affects", () => {
  it("a changed stack file affects its own stack only", () => {
    const affected = affectedStacks(["Pulumi.stage.yaml"], CHAIN);
    assert.deepEqual(affected.stacks, ["stage"]);
    assert.equal(affected.all, false);
    assert.deepEqual(affected.reason.stackFiles, ["Pulumi.stage.yaml"]);
    assert.equal(affected.reason.summary, "Pulumi.stage.yaml changed: stage");
  });

  it("lists several stacks in chain order, not in the order of the files", () => {
    const affected = affectedStacks(
      ["Pulumi.prod.yaml", "Pulumi.canary.yaml", "Pulumi.dev.yaml"],
      CANARY.environments,
    );
    assert.deepEqual(affected.stacks, ["dev", "canary", "prod"]);
  });

  for (const file of [
    "index.ts",
    "rules/gate.ts",
    "Pulumi.yaml",
    "package-lock.json",
    "components/environment.ts",
  ]) {
    it(`program code (${file}) affects every stack, in chain order`, () => {
      const affected = affectedStacks([file, "docs/ci.md"], CANARY.environments);
      assert.deepEqual(affected.stacks, CANARY.environments);
      assert.equal(affected.all, true);
      assert.deepEqual(affected.reason.program, [file]);
      assert.match(affected.reason.summary, /^program code changed \(.*\): every stack/);
    });
  }

  it("the engine's scripts affect every stack too", () => {
    const affected = affectedStacks(["scripts/stack.sh"], CHAIN);
    assert.deepEqual(affected.stacks, CHAIN);
    assert.equal(affected.all, true);
    assert.deepEqual(affected.reason.engine, ["scripts/stack.sh"]);
  });

  it("docs, tests, the CLI, CI and fixture stack files affect no stack", () => {
    const files = [
      "README.md",
      "docs/ci.md",
      "tests/unit/ciAffected.test.ts",
      "tests/fixtures/seed/Pulumi.dev.yaml",
      "cli/main.ts",
      "ci/main.ts",
      ".github/workflows/preview.yml",
      "scripts/testbed.sh",
    ];
    const affected = affectedStacks(files, CHAIN);
    assert.deepEqual(affected.stacks, []);
    assert.equal(affected.all, false);
    assert.deepEqual(affected.reason.ignored, [...files].sort());
    assert.match(affected.reason.summary, /^no stack: only files that no stack runs changed/);
  });

  it("a deleted stack file names the stack it removed, which is not previewed", () => {
    const affected = affectedStacks(["Pulumi.canary.yaml", "Pulumi.prod.yaml"], CHAIN);
    assert.deepEqual(affected.stacks, ["prod"]);
    assert.deepEqual(affected.reason.removed, ["canary"]);
    assert.match(affected.reason.summary, /Pulumi\.canary\.yaml deleted/);
  });

  it("no changed file: no stack", () => {
    const affected = affectedStacks([], CHAIN);
    assert.deepEqual(affected, {
      stacks: [],
      all: false,
      reason: {
        summary: "no stack: no file changed",
        program: [],
        engine: [],
        stackFiles: [],
        removed: [],
        ignored: [],
        governance: [],
      },
    });
  });

  it("classifies paths relative to the project directory", () => {
    assert.deepEqual(classifyPath("Pulumi.prod.yaml"), { kind: "stack", stack: "prod" });
    assert.deepEqual(classifyPath("Pulumi.yaml"), { kind: "program" });
    assert.deepEqual(classifyPath("Pulumi.prod.yml"), { kind: "other" });
    assert.deepEqual(classifyPath("modelling/x.ts"), { kind: "other" });
    assert.deepEqual(classifyPath("model/environment.ts"), { kind: "program" });
    assert.deepEqual(classifyPath("toolchain/pulumi/go.mod"), { kind: "engine" });
  });

  it("counts as program everything the engine copies into a project copy (harness/engine.ts)", () => {
    for (const entry of PROGRAM_ENTRIES) {
      const file = PROGRAM_FOLDERS.includes(`${entry}/`) ? `${entry}/any.ts` : entry;
      assert.deepEqual(classifyPath(file), { kind: "program" }, `${entry} is program code`);
    }
    assert.ok(PROGRAM_FILES.includes("package-lock.json"));
    assert.ok(ENGINE_PATHS.includes("scripts/stack.sh"));
  });
});
