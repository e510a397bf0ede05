/**
 * The promotion gate through the real engine on a file backend: stack references to the upstream
 * and to the stack itself, refusals that fail preview and up without touching the state, records
 * carried from one up to the next, and a rollback.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { listStacks } from "../../config/stackFiles";
import type { PromotionRecord } from "../../rules/record";
import { PROJECT_DIR } from "../../harness/program";
import { copyProject, engineStack, toolchainBin, type EngineProject } from "../../harness/engine";

/** The real stack files without GitHub governance, which is not what this test is about. */
function stackFilesWithoutGovernance(): Record<string, string> {
  return Object.fromEntries(
    listStacks(PROJECT_DIR).map((stack) => {
      const file = `Pulumi.${stack}.yaml`;
      const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"));
      delete doc.config["promotion:governance"];
      return [file, stringify(doc)];
    }),
  );
}

describe("the promotion gate with the real engine", function () {
  this.timeout(15 * 60_000);
  let project: EngineProject;

  before(() => {
    toolchainBin();
    project = copyProject(stackFilesWithoutGovernance());
    project.envVars.GITHUB_ACTOR = "integration-actor";
  });
  after(() => project?.cleanup());

  /** Rewrites the dex app of a stack file of the copy. */
  function editStack(stackName: string, change: (dex: Record<string, any>) => void): void {
    const file = path.join(project.dir, `Pulumi.${stackName}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8"));
    change(doc.config["promotion:apps"].dex);
    fs.writeFileSync(file, stringify(doc));
  }
  const editProd = (change: (dex: Record<string, any>) => void) => editStack("prod", change);

  async function records(stackName: string): Promise<PromotionRecord[]> {
    const stack = await engineStack(project, stackName);
    const outputs = await stack.outputs();
    return (outputs.promotionRecords.value as Record<string, PromotionRecord[]>).dex;
  }

  it("brings a fresh backend up in chain order, each first deployment recorded as initial", async () => {
    for (const stackName of ["dev", "stage", "prod"]) {
      const stack = await engineStack(project, stackName);
      assert.equal((await stack.up()).summary.result, "succeeded");
      const [record, ...rest] = await records(stackName);
      assert.deepEqual(rest, []);
      assert.equal(record.kind, "initial");
      assert.equal(record.from, stackName);
      assert.equal(record.by, "integration-actor");
    }
  });

  it("reads its own previous outputs: a second up changes nothing, records included", async () => {
    const before = await records("prod");
    const stack = await engineStack(project, "prod");
    // Pulumi's own "no changes" (--expect-no-changes): only reads (stack references re-read the
    // outputs the previous up changed) and unchanged resources.
    const result = await stack.up({ expectNoChanges: true });
    const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(
      ([op]) => op !== "same" && op !== "read",
    );
    assert.deepEqual(changes, []);
    assert.deepEqual(await records("prod"), before);
  });

  it("fails preview and up of a tag the upstream does not run, touching nothing", async () => {
    const stack = await engineStack(project, "prod");
    const state = JSON.stringify((await stack.exportStack()).deployment.resources);
    editProd((dex) => (dex.tag = "sha-def67890"));
    const refusal =
      /prod cannot take sha-def67890: stage runs sha-abc12345; accepted: the tag stage runs \(sha-abc12345\), or promote to stage first/;
    await assert.rejects(stack.preview(), refusal);
    await assert.rejects(stack.up(), refusal);
    assert.equal(JSON.stringify((await stack.exportStack()).deployment.resources), state);
  });

  it("promotes the tag stage runs and records where it came from", async () => {
    editProd((dex) => (dex.tag = "sha-abc12345"));
    const stack = await engineStack(project, "prod");
    assert.equal((await stack.up()).summary.result, "succeeded");
    const [record, previous] = await records("prod");
    assert.equal(record.kind, "promotion");
    assert.equal(record.from, "stage");
    assert.equal(record.tag, "sha-abc12345");
    assert.match(record.checks ?? "", /^not checked: prod renders manifests/);
    assert.equal(previous.kind, "initial");
  });

  it("rolls back, with a reason, only to a tag prod ran", async () => {
    const stack = await engineStack(project, "prod");
    editProd((dex) => {
      dex.tag = "sha-77777777";
      dex.bypass = { kind: "rollback", reason: "sha-abc12345 breaks logins" };
    });
    await assert.rejects(
      stack.preview(),
      /prod cannot roll back to sha-77777777: prod never ran it/,
    );
    editProd((dex) => (dex.tag = "sha-0f1e2d3c"));
    assert.equal((await stack.up()).summary.result, "succeeded");
    const [record] = await records("prod");
    assert.equal(record.kind, "rollback");
    assert.equal(record.reason, "sha-abc12345 breaks logins");
  });

  it("refuses a skip: prod cannot take dev's new build before stage runs it", async () => {
    editStack("dev", (dex) => (dex.tag = "sha-1234abcd"));
    assert.equal((await (await engineStack(project, "dev")).up()).summary.result, "succeeded");
    editProd((dex) => {
      dex.tag = "sha-1234abcd";
      delete dex.bypass;
    });
    await assert.rejects(
      (await engineStack(project, "prod")).preview(),
      /prod cannot take sha-1234abcd: stage runs sha-abc12345; accepted: the tag stage runs \(sha-abc12345\), or promote to stage first/,
    );
  });

  it("takes a hotfix of any immutable tag, recorded with its reason", async () => {
    editProd((dex) => {
      dex.tag = "sha-feedf00d";
      dex.bypass = { kind: "hotfix", reason: "CVE-2026-1234 in the login handler" };
    });
    const stack = await engineStack(project, "prod");
    assert.equal((await stack.up()).summary.result, "succeeded");
    const [record, rollback] = await records("prod");
    assert.equal(record.kind, "hotfix");
    assert.equal(record.tag, "sha-feedf00d");
    assert.equal(record.reason, "CVE-2026-1234 in the login handler");
    assert.equal(rollback.kind, "rollback");
  });
});
