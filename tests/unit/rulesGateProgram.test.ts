/**
 * The promotion rules in the program's gate under mocks (docs/rules.md#the-gate): a promotion
 * whose evidence fails `promotion:rules` is refused before anything is declared, naming each failed
 * rule, what was measured and what it needs; an `overrideRules` reason in the stack file lets it
 * through and becomes the record's reason; rollbacks and unchanged tags are not checked. The rules
 * here read CI's reports from the project (coverage, scan), so no network is needed; the metric
 * rules against a real Prometheus are in tests/integration/evidence.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { PromotionRecord } from "../../rules/record";
import { SEED } from "../fixtures";
import { runIn, type ProgramRun, type RunOptions } from "../../harness/program";
import { runFailure } from "../support/refusal";
import {
  appsOutput,
  removeTempProjects,
  tempProject,
  type StackFiles,
} from "../support/promotionProject";

const EVIDENCE = path.join(__dirname, "..", "fixtures", "evidence");
/** The tag the seed fixture's stage and dev pin, and the report's coverage (coverage.xml). */
const TAG = SEED.tags.stage;
const COVERAGE = "85.36%";

const ran = (tag: string): PromotionRecord => ({
  tag,
  from: "stage",
  at: "2026-01-01T00:00:00.000Z",
  by: "someone",
  kind: "promotion",
});

/** stage runs TAG; prod ran sha-11111111, so prod pinning TAG is a promotion. */
const promotion: RunOptions["stackOutputs"] = {
  stage: { apps: appsOutput("stage", TAG) },
  prod: {
    apps: appsOutput("prod", "sha-11111111", "dex"),
    promotionRecords: { dex: [ran("sha-11111111")] },
  },
};

/** The seed project with prod pinning TAG under rules, and CI's reports for TAG in evidence/dex/TAG. */
function project(prod: (config: Record<string, any>) => void, reports = true): string {
  const dir = tempProject((stacks: StackFiles) => {
    stacks.prod["promotion:apps"].dex.tag = TAG;
    stacks.prod["promotion:rules"] = { coverage: 90, security: { maxHigh: 0, maxCritical: 0 } };
    prod(stacks.prod);
  });
  if (reports) {
    const where = path.join(dir, "evidence", "dex", TAG);
    fs.mkdirSync(where, { recursive: true });
    fs.copyFileSync(path.join(EVIDENCE, "coverage.xml"), path.join(where, "coverage.xml"));
    fs.copyFileSync(path.join(EVIDENCE, "trivy-clean.json"), path.join(where, "trivy.json"));
  }
  return dir;
}

const newest = (run: ProgramRun): PromotionRecord =>
  (run.outputs.promotionRecords as Record<string, PromotionRecord[]>).dex[0];

describe("promotion rules in the program's gate", () => {
  after(removeTempProjects);

  it("refuses a promotion whose evidence fails a rule, naming the rule, the measurement and the threshold", async () => {
    const dir = project(() => undefined);
    const failure = await runFailure(runIn(dir, "prod", {}, { stackOutputs: promotion }));
    assert.equal(
      failure.message,
      [
        'Stack "prod": the promotion gate refused 1 change; nothing was changed:',
        `  - stack "prod": promotion:apps.dex.tag = "${TAG}"; refused: prod cannot take ${TAG} from stage: a promotion rule fails: coverage ${COVERAGE} (needs ≥ 90%; evidence/dex/${TAG}/coverage.xml); accepted: a tag whose evidence passes promotion:rules of prod (see \`npm run promote -- check --from stage --to prod\`), or promotion:apps.dex.overrideRules with the reason to promote anyway (\`promote --override-rules "<reason>"\` writes it)`,
      ].join("\n"),
    );
    assert.deepEqual(
      failure.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name),
      [],
      "nothing is declared",
    );
  });

  it("fails closed when CI published no report: the rules cannot pass on missing evidence", async () => {
    const dir = project((prod) => (prod["promotion:rules"].coverage = 80), false);
    const failure = await runFailure(runIn(dir, "prod", {}, { stackOutputs: promotion }));
    assert.match(
      failure.message,
      /3 promotion rules fail: coverage unavailable \(needs ≥ 80%; evidence\/dex\/sha-[0-9a-f]+: no coverage report: /,
    );
    assert.match(failure.message, /security: critical findings unavailable/);
  });

  it("lets the promotion through on the stack file's overrideRules reason, recorded as the reason", async () => {
    const dir = project((prod) => {
      prod["promotion:apps"].dex.overrideRules = {
        tag: TAG,
        reason: "coverage tool miscounts generated code (QA-17)",
      };
    });
    const run = await runIn(dir, "prod", {}, { stackOutputs: promotion });
    const record = newest(run);
    assert.equal(record.kind, "promotion");
    assert.equal(record.tag, TAG);
    assert.equal(
      record.reason,
      "promotion rules overridden: coverage tool miscounts generated code (QA-17)",
    );
    assert.match(
      record.checks ?? "",
      /; promotion rules: 2 passed, 1 failed, overridden \(coverage\)$/,
    );
  });

  it("records the rules as checked when they pass", async () => {
    const dir = project((prod) => (prod["promotion:rules"].coverage = 80));
    const record = newest(await runIn(dir, "prod", {}, { stackOutputs: promotion }));
    assert.equal(record.reason, undefined);
    assert.match(record.checks ?? "", /; promotion rules: 3 passed$/);
  });

  it("does not check a tag prod already runs, nor a rollback", async () => {
    const dir = project(() => undefined, false);
    const deployed = await runIn(
      dir,
      "prod",
      {},
      {
        stackOutputs: {
          stage: { apps: appsOutput("stage", TAG) },
          prod: { apps: appsOutput("prod", TAG, "dex"), promotionRecords: { dex: [ran(TAG)] } },
        },
      },
    );
    assert.deepEqual(newest(deployed), ran(TAG));

    const rollback = project((prod) => {
      prod["promotion:apps"].dex.tag = "sha-22222222";
      prod["promotion:apps"].dex.bypass = {
        kind: "rollback",
        tag: "sha-22222222",
        reason: "logins fail",
      };
    }, false);
    const outputs = {
      prod: {
        apps: appsOutput("prod", TAG, "dex"),
        promotionRecords: { dex: [ran(TAG), ran("sha-22222222")] },
      },
      stage: { apps: appsOutput("stage", TAG) },
    };
    assert.equal(
      newest(await runIn(rollback, "prod", {}, { stackOutputs: outputs })).kind,
      "rollback",
    );
  });

  it("checks the first environment's new builds from CI, without pointing at promote", async () => {
    const dir = tempProject((stacks: StackFiles) => {
      stacks.dev["promotion:rules"] = { coverage: 90 };
    });
    const where = path.join(dir, "evidence", "dex", SEED.tags.dev);
    fs.mkdirSync(where, { recursive: true });
    fs.copyFileSync(path.join(EVIDENCE, "coverage.xml"), path.join(where, "coverage.xml"));
    const failure = await runFailure(
      runIn(
        dir,
        "dev",
        {},
        {
          stackOutputs: {
            dev: {
              apps: appsOutput("dev", "sha-11111111"),
              promotionRecords: { dex: [{ ...ran("sha-11111111"), from: "ci" }] },
            },
          },
        },
      ),
    );
    assert.match(
      failure.message,
      new RegExp(
        `refused: dev cannot take ${SEED.tags.dev} from ci: a promotion rule fails: coverage ${COVERAGE} .*; accepted: a tag whose evidence passes promotion:rules of dev, or promotion:apps\\.dex\\.overrideRules with the reason to promote anyway$`,
      ),
    );
  });

  it("refuses a blank overrideRules reason with what it accepts", async () => {
    const dir = project(
      (prod) => (prod["promotion:apps"].dex.overrideRules = { tag: TAG, reason: "  " }),
    );
    const failure = await runFailure(runIn(dir, "prod", {}, { stackOutputs: promotion }));
    assert.match(
      failure.message,
      /promotion:apps\.dex\.overrideRules\.reason = " {2}"; accepted: a non-empty reason: why this promotion goes ahead although its promotion rules fail/,
    );
  });

  it("refuses an overrideRules left for another tag (issue #20: it let a later tag through)", async () => {
    const dir = project(
      (prod) =>
        (prod["promotion:apps"].dex.overrideRules = { tag: "sha-11111111", reason: "flaky" }),
    );
    const failure = await runFailure(runIn(dir, "prod", {}, { stackOutputs: promotion }));
    assert.match(
      failure.message,
      new RegExp(`promotion:apps\\.dex\\.overrideRules\\.tag = "sha-11111111"; accepted: ${TAG}`),
    );
  });
});
