/**
 * The promotion gate through the real engine on a file backend: stack references to the upstream
 * and to the stack itself, refusals that fail preview and up without touching the state, records
 * carried from one up to the next, a rollback, a hotfix and a promotion dev -> stage -> prod. Runs
 * a copy of the seed fixture (tests/fixtures/seed), so the tags it names are the seed's, whatever
 * the live stack files pin. The tests are one story on one backend, told in order.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { listStacks } from "../../config/stackFiles";
import type { PromotionRecord } from "../../rules/record";
import { SEED } from "../fixtures";
import { copyProject, engineStack, toolchainBin, type EngineProject } from "../../harness/engine";

/** The seed's stack files without GitHub governance, which is not what this test is about. */
function stackFilesWithoutGovernance(): Record<string, string> {
  return Object.fromEntries(
    listStacks(SEED.dir).map((stack) => {
      const file = `Pulumi.${stack}.yaml`;
      const doc = parse(fs.readFileSync(path.join(SEED.dir, file), "utf8"));
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
    project = copyProject(stackFilesWithoutGovernance(), SEED.dir);
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

  it("brings a fresh backend up in chain order: a stack without state is gated like a promotion", async () => {
    const [dev, stage, prod] = await Promise.all(
      SEED.environments.map((name) => engineStack(project, name)),
    );
    assert.equal((await dev.up()).summary.result, "succeeded");
    const [first] = await records("dev");
    assert.deepEqual([first.kind, first.from, first.by], ["initial", "dev", "integration-actor"]);
    // stage pins the tag dev runs: its first deployment is a promotion from dev.
    assert.equal((await stage.up()).summary.result, "succeeded");
    const [toStage, ...rest] = await records("stage");
    assert.deepEqual(rest, []);
    assert.deepEqual([toStage.kind, toStage.from], ["promotion", "dev"]);
    // prod pins a tag stage does not run: refused, state untouched, until a reviewed initial bypass.
    const refusal = new RegExp(
      `prod cannot take ${SEED.tags.prod}: stage runs ${SEED.tags.stage} \\(first deployment of prod`,
    );
    await assert.rejects(prod.preview(), refusal);
    await assert.rejects(prod.up(), refusal);
    editProd(
      (dex) => (dex.bypass = { kind: "initial", tag: SEED.tags.prod, reason: "a fresh backend" }),
    );
    assert.equal((await prod.up()).summary.result, "succeeded");
    const [initial, ...none] = await records("prod");
    assert.deepEqual(none, []);
    assert.deepEqual(
      [initial.kind, initial.from, initial.reason],
      ["initial", "prod", "a fresh backend"],
    );
    // The next change removes the bypass, as the CLI's next promotion does.
    editProd((dex) => delete dex.bypass);
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
    const refusal = new RegExp(
      `prod cannot take sha-def67890: stage runs ${SEED.tags.stage}; accepted: the tag stage runs \\(${SEED.tags.stage}\\), or promote to stage first`,
    );
    await assert.rejects(stack.preview(), refusal);
    await assert.rejects(stack.up(), refusal);
    assert.equal(JSON.stringify((await stack.exportStack()).deployment.resources), state);
  });

  it("promotes the tag stage runs and records where it came from", async () => {
    editProd((dex) => (dex.tag = SEED.tags.stage));
    const stack = await engineStack(project, "prod");
    assert.equal((await stack.up()).summary.result, "succeeded");
    const [record, previous] = await records("prod");
    assert.equal(record.kind, "promotion");
    assert.equal(record.from, "stage");
    assert.equal(record.tag, SEED.tags.stage);
    assert.match(record.checks ?? "", /^not checked: prod renders manifests/);
    assert.equal(previous.kind, "initial");
    editProd((dex) => delete dex.bypass);
  });

  it("rolls back, with a reason, only to a tag prod ran", async () => {
    const stack = await engineStack(project, "prod");
    editProd((dex) => {
      dex.tag = "sha-77777777";
      dex.bypass = { kind: "rollback", tag: "sha-77777777", reason: "the new build breaks logins" };
    });
    await assert.rejects(
      stack.preview(),
      /prod cannot roll back to sha-77777777: prod never ran it/,
    );
    // Back to the tag the seed's prod was first deployed with.
    editProd((dex) => {
      dex.tag = SEED.tags.prod;
      dex.bypass.tag = SEED.tags.prod;
    });
    assert.equal((await stack.up()).summary.result, "succeeded");
    const [record] = await records("prod");
    assert.equal(record.kind, "rollback");
    assert.equal(record.tag, SEED.tags.prod);
    assert.equal(record.reason, "the new build breaks logins");
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
      new RegExp(
        `prod cannot take sha-1234abcd: stage runs ${SEED.tags.stage}; accepted: the tag stage runs \\(${SEED.tags.stage}\\), or promote to stage first`,
      ),
    );
  });

  it("takes a hotfix of any immutable tag, recorded with its reason", async () => {
    editProd((dex) => {
      dex.tag = "sha-feedf00d";
      dex.bypass = {
        kind: "hotfix",
        tag: "sha-feedf00d",
        reason: "CVE-2026-1234 in the login handler",
      };
    });
    const stack = await engineStack(project, "prod");
    assert.equal((await stack.up()).summary.result, "succeeded");
    const [record, rollback] = await records("prod");
    assert.equal(record.kind, "hotfix");
    assert.equal(record.tag, "sha-feedf00d");
    assert.equal(record.reason, "CVE-2026-1234 in the login handler");
    assert.equal(rollback.kind, "rollback");
  });

  it("carries dev's new build to stage, then to prod, each a promotion from its upstream", async () => {
    // dev runs sha-1234abcd since the refused skip above.
    editStack("stage", (dex) => (dex.tag = "sha-1234abcd"));
    assert.equal((await (await engineStack(project, "stage")).up()).summary.result, "succeeded");
    const [toStage] = await records("stage");
    assert.deepEqual(
      [toStage.kind, toStage.from, toStage.tag],
      ["promotion", "dev", "sha-1234abcd"],
    );
    editProd((dex) => {
      dex.tag = "sha-1234abcd";
      delete dex.bypass;
    });
    assert.equal((await (await engineStack(project, "prod")).up()).summary.result, "succeeded");
    const [toProd, hotfix] = await records("prod");
    assert.deepEqual(
      [toProd.kind, toProd.from, toProd.tag],
      ["promotion", "stage", "sha-1234abcd"],
    );
    assert.equal(hotfix.kind, "hotfix");
  });
});
