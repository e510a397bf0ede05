/**
 * Promotion rules with evidence: the report formats CI tools write, the rules' verdicts (fail
 * closed), CI checks through @octokit/rest against a stand-in answering as GitHub's documented API,
 * and the gathering of exactly what the rules ask for. Prometheus is tested for real in
 * tests/integration/evidence.test.ts.
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gatherEvidence } from "../../adapters/evidence/gather";
import { decodeConfigValues } from "../../config/decode";
import { engineConfig } from "../../config/stackFiles";
import { validateStackConfig } from "../../config/validate";
import { readChecks } from "../../adapters/evidence/github";
import { readCoverage, readFindings } from "../../adapters/evidence/reports";
import { GitHubChecksStandIn } from "../../harness/githubChecksStandIn";
import type { PromotionRules } from "../../model/environment";
import { buildRef } from "../../rules/evidence/commit";
import {
  budgetConsumed,
  evaluateRules,
  rulesPass,
  rulesTable,
  type Evidence,
} from "../../rules/evidence/evaluate";
import { coberturaCoverage, lcovCoverage, trivyFindings } from "../../rules/evidence/reports";
import { sloBreach } from "../../rules/evidence/verify";

const FIXTURES = path.join(__dirname, "..", "fixtures", "evidence");
const read = (file: string) => fs.readFileSync(path.join(FIXTURES, file), "utf8");

const NO_RULES: PromotionRules = { checks: [], noCriticalAlerts: false, approvals: [] };
const SHA = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f";

describe("evidence: report formats", () => {
  it("reads line coverage from coverage.py's Cobertura XML and from an lcov tracefile", () => {
    assert.deepEqual(coberturaCoverage(read("coverage.xml")), { value: 85.36 });
    assert.deepEqual(lcovCoverage(read("lcov.info")), { value: 76 }); // (31 + 45) / (40 + 60)
  });

  it("counts Trivy's findings by severity across every result", () => {
    assert.deepEqual(trivyFindings(read("trivy.json")), {
      value: { critical: 1, high: 2, medium: 1, low: 1, unknown: 0 },
    });
  });

  it("says why a report cannot be read", () => {
    assert.match(
      (coberturaCoverage("<html/>") as { unreadable: string }).unreadable,
      /not a Cobertura/,
    );
    assert.match(
      (coberturaCoverage('<coverage line-rate="1.7">') as { unreadable: string }).unreadable,
      /not a fraction/,
    );
    assert.match(
      (lcovCoverage("LF:0\nend_of_record\n") as { unreadable: string }).unreadable,
      /no lines/,
    );
    assert.match((trivyFindings("{}") as { unreadable: string }).unreadable, /not a Trivy/);
    assert.match((trivyFindings("nope") as { unreadable: string }).unreadable, /not JSON/);
  });

  it("finds the commit of each tag form, and none for a digest", () => {
    assert.deepEqual(buildRef("sha-5e6f7a8b"), { ref: "5e6f7a8b" });
    assert.deepEqual(buildRef("v20260128-abc1234"), { ref: "abc1234" });
    assert.deepEqual(buildRef("v1.4.2"), { ref: "v1.4.2" });
    assert.ok("none" in buildRef(`@sha256:${"a".repeat(64)}`));
  });
});

describe("evidence: rules against measurements", () => {
  const SEED_STAGING: PromotionRules = {
    checks: ["unit-tests", "integration-tests"],
    coverage: 70,
    security: { maxHigh: 5, maxCritical: 0 },
    slo: { availability: 99, errorRate: 1, window: "1h", windowSeconds: 3600 },
    errorBudget: 50,
    noCriticalAlerts: true,
    approvals: [],
  };
  const src = "test";

  it("passes seed 002's dev -> staging rules on good evidence and prints the table", () => {
    const evidence: Evidence = {
      checks: { value: { "unit-tests": "success", "integration-tests": "success" }, source: src },
      coverage: { value: 85.36, source: src },
      security: { value: { critical: 0, high: 2, medium: 1, low: 1, unknown: 0 }, source: src },
      availability: { value: 99.7, source: src },
      errorRate: { value: 0.3, source: src },
      budgetAvailability: { value: 99.8, source: src },
      criticalAlerts: { value: [], source: src },
    };
    const results = evaluateRules(SEED_STAGING, evidence);
    assert.ok(rulesPass(results), rulesTable(results));
    assert.equal(results.length, 9);
    const table = rulesTable(results);
    assert.match(table, /^RULE +MEASURED +THRESHOLD +RESULT +SOURCE$/m);
    assert.match(table, /^coverage +85\.36% +≥ 70% +pass +test$/m);
    assert.match(table, /^error budget consumed \(30d\) +20% +< 50% +pass/m);
  });

  it("fails each rule on its own bad measurement, and on evidence that could not be fetched", () => {
    const results = evaluateRules(SEED_STAGING, {
      checks: { value: { "unit-tests": "success", "integration-tests": "pending" }, source: src },
      coverage: { unavailable: "no coverage report", source: "evidence/dex/sha-1" },
      security: { value: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 }, source: src },
      availability: { value: 98.5, source: src },
      errorRate: { value: 1.5, source: src },
      // budgetAvailability and criticalAlerts were never gathered
    });
    const failed = results.filter((r) => r.verdict === "fail").map((r) => r.rule);
    assert.deepEqual(failed, [
      "check integration-tests",
      "coverage",
      "security: critical findings",
      "availability over 1h",
      "error rate over 1h",
      "error budget consumed (30d)",
      "critical alerts firing",
    ]);
    assert.equal(
      results.find((r) => r.rule === "coverage")?.source,
      "evidence/dex/sha-1: no coverage report",
    );
  });

  it("reports approvals as enforced at review, never as failing or passing", () => {
    const results = evaluateRules({ ...NO_RULES, approvals: ["@org/sre", "@org/qa"] }, {});
    assert.deepEqual(
      results.map((r) => [r.rule, r.verdict, r.threshold]),
      [["approvals", "review", "@org/sre, @org/qa"]],
    );
    assert.ok(rulesPass(results));
  });

  it("property: a threshold rule passes exactly when the measurement meets it; unavailable never passes", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (min, value) => {
          const rules = { ...NO_RULES, coverage: min };
          const measured = evaluateRules(rules, { coverage: { value, source: src } });
          const missing = evaluateRules(rules, { coverage: { unavailable: "down", source: src } });
          return rulesPass(measured) === value >= min && !rulesPass(missing);
        },
      ),
    );
  });

  it("property: error budget consumed grows as availability falls, 100% at the SLO", () => {
    fc.assert(
      fc.property(fc.double({ min: 90, max: 99.99, noNaN: true }), (target) => {
        return (
          Math.abs(budgetConsumed(target, target) - 100) < 1e-6 && budgetConsumed(100, target) === 0
        );
      }),
    );
  });
});

describe("evidence: sources", () => {
  let github: GitHubChecksStandIn;
  let api: string;
  const repo = { owner: "data-literate", repo: "dex" };

  before(async () => {
    github = new GitHubChecksStandIn(
      repo,
      [
        {
          sha: SHA,
          checkRuns: [
            {
              name: "unit-tests",
              status: "completed",
              conclusion: "failure",
              startedAt: "2026-01-28T10:00:00Z",
            },
            {
              name: "unit-tests",
              status: "completed",
              conclusion: "success",
              startedAt: "2026-01-28T10:20:00Z",
            },
            { name: "e2e", status: "in_progress", startedAt: "2026-01-28T10:21:00Z" },
          ],
          statuses: [{ context: "security-scan", state: "success" }],
        },
      ],
      "ghp_standin",
    );
    api = await github.start();
  });
  after(() => github.stop());

  it("reads check runs (the newest of a re-run) and commit statuses of the image's commit", async () => {
    const measured = await readChecks({ ...repo, baseUrl: api, token: "ghp_standin" }, "5e6f7a8b", [
      "unit-tests",
      "e2e",
      "security-scan",
      "performance",
    ]);
    assert.deepEqual(measured, {
      value: {
        "unit-tests": "success",
        e2e: "pending",
        "security-scan": "success",
        performance: "missing",
      },
      source: "GitHub checks of data-literate/dex@5e6f7a8b",
    });
    assert.equal(github.requests.at(-1)?.authorization, "token ghp_standin");
  });

  it("is unavailable, with GitHub's answer, for an unknown commit or a bad token", async () => {
    const unknown = await readChecks({ ...repo, baseUrl: api, token: "ghp_standin" }, "0badc0de", [
      "unit-tests",
    ]);
    assert.match(
      (unknown as { unavailable: string }).unavailable,
      /GitHub answered 422: No commit found for SHA: 0badc0de/,
    );
    const badToken = await readChecks({ ...repo, baseUrl: api, token: "ghp_wrong" }, "5e6f7a8b", [
      "unit-tests",
    ]);
    assert.match(
      (badToken as { unavailable: string }).unavailable,
      /GitHub answered 401: Bad credentials/,
    );
  });

  it("reads the reports CI published for the image, or says which file is missing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "evidence-"));
    try {
      fs.mkdirSync(path.join(dir, "evidence", "dex", "sha-5e6f7a8b"), { recursive: true });
      for (const file of ["lcov.info", "trivy.json"]) {
        fs.copyFileSync(
          path.join(FIXTURES, file),
          path.join(dir, "evidence", "dex", "sha-5e6f7a8b", file),
        );
      }
      assert.deepEqual(await readCoverage("evidence/dex/sha-5e6f7a8b", dir), {
        value: 76,
        source: "evidence/dex/sha-5e6f7a8b/lcov.info",
      });
      assert.equal(
        ((await readFindings("evidence/dex/sha-5e6f7a8b", dir)) as { value: { critical: number } })
          .value.critical,
        1,
      );
      const missing = await readCoverage("evidence/dex/sha-0badc0de", dir);
      assert.match(
        (missing as { unavailable: string }).unavailable,
        /no coverage report: evidence\/dex\/sha-0badc0de\/coverage.xml does not exist, evidence\/dex\/sha-0badc0de\/lcov.info does not exist/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gathers only what the rules ask for, and fails closed on a source that is not configured", async () => {
    const rules: PromotionRules = {
      ...NO_RULES,
      checks: ["unit-tests"],
      slo: { availability: 99, errorRate: 1, window: "1h", windowSeconds: 3600 },
      canary: { traffic: 10, duration: "24h", durationSeconds: 86400, successRate: 99 },
    };
    const evidence = await gatherEvidence({
      rules,
      app: "dex",
      tag: "sha-5e6f7a8b",
      reports: "evidence/{app}/{tag}",
      projectDir: os.tmpdir(),
      github: { ...repo, baseUrl: api, token: "ghp_standin" },
      upstream: {
        environment: "canary",
        namespace: "dex-canary",
        evidence: { reports: "evidence/{app}/{tag}", queries: {} },
        since: "2026-01-27T10:00:00Z",
      },
      now: new Date("2026-01-28T16:00:00Z"),
    });
    assert.deepEqual(Object.keys(evidence).sort(), [
      "availability",
      "canaryDuration",
      "canarySuccessRate",
      "canaryTraffic",
      "checks",
      "errorRate",
    ]);
    assert.deepEqual(evidence.canaryDuration, {
      value: 30 * 3600,
      source: "canary's promotion record of sha-5e6f7a8b",
    });
    assert.match(
      (evidence.availability as { unavailable: string }).unavailable,
      /canary has no Prometheus: set promotion:evidence.prometheus in Pulumi.canary.yaml/,
    );
    const results = evaluateRules(rules, evidence);
    assert.equal(rulesPass(results), false);
    assert.equal(results.find((r) => r.rule === "canary duration")?.verdict, "pass");
  });
});

describe("evidence: bad promotion:rules are refused like every other key", () => {
  const RULES_DIR = path.join(__dirname, "..", "fixtures", "rules");
  const refusal = (stack: string, change: (raw: Record<string, unknown>) => void): string => {
    const raw = decodeConfigValues(engineConfig(RULES_DIR, stack));
    change(raw);
    try {
      validateStackConfig(stack, raw);
    } catch (error) {
      return (error as Error).message;
    }
    return "accepted";
  };
  const rulesOf = (raw: Record<string, unknown>) => raw.rules as Record<string, unknown>;

  it("accepts the fixture's rules as they are (seed 002's numbers)", () => {
    for (const stack of ["dev", "staging", "canary", "production"])
      assert.equal(
        refusal(stack, () => {}),
        "accepted",
      );
  });

  it("refuses a percentage of 140, an unknown rule, a negative count, a zero window", () => {
    const message = refusal("staging", (raw) => {
      rulesOf(raw).coverage = 140;
      rulesOf(raw).coverge = 70;
      rulesOf(raw).security = { maxHigh: -1, maxCritical: 0 };
      rulesOf(raw).slo = { availability: 99, errorRate: 1, window: "0" };
    });
    assert.match(message, /Stack "staging"/);
    assert.match(
      message,
      /promotion:rules\.coverage = 140; accepted: minimum line coverage: a percentage from 0 to 100/,
    );
    assert.match(
      message,
      /promotion:rules(\.coverge)? .*one of the keys checks, coverage, security, slo, errorBudget, noCriticalAlerts, canary, approvals/,
    );
    assert.match(
      message,
      /promotion:rules\.security\.maxHigh = -1; accepted: maxHigh: a whole number of findings/,
    );
    assert.match(message, /promotion:rules\.slo\.window = "0"; accepted: a duration such as 24h/);
  });

  it("refuses approvals the governance does not enforce, and upstream metrics on the first environment", () => {
    assert.match(
      refusal(
        "canary",
        (raw) => (rulesOf(raw).approvals = ["@data-literate/sre", "@data-literate/marketing"]),
      ),
      /promotion:rules\.approvals\[1\] = "@data-literate\/marketing"; accepted: one of promotion:governance\.approvers \(@data-literate\/sre, @data-literate\/qa\)/,
    );
    assert.match(
      refusal("dev", (raw) => (raw.rules = { noCriticalAlerts: true })),
      /promotion:rules\.noCriticalAlerts = true; accepted: not set on the first environment/,
    );
  });
  it("refuses verification's error budget without its SLO, and a bad SLO window", () => {
    assert.match(
      refusal("staging", (raw) => (raw.verification = { watch: "10m", errorBudget: 20 })),
      /promotion:verification\.errorBudget = 20; accepted: set together with promotion:verification\.slo/,
    );
    assert.match(
      refusal(
        "staging",
        (raw) =>
          (raw.verification = { slo: { availability: 99.5, errorRate: 0.5, window: "soon" } }),
      ),
      /promotion:verification\.slo\.window = "soon"; accepted: a duration such as 24h/,
    );
  });
});

describe("evidence: verification's SLO watch verdict", () => {
  const slo = { availability: 99.5, errorRate: 0.5, window: "1h" };
  const measured = { app: "dex", availability: 99.9, errorRate: 0.1, criticalAlerts: [] };

  it("holds when every measurement is within the SLO, budget and alerts", () => {
    assert.equal(sloBreach({ ...measured, budgetAvailability: 99.9 }, slo, 30), undefined);
    assert.equal(sloBreach(measured, slo, undefined), undefined);
  });

  it("says which limit broke: availability, error rate, budget, a critical alert", () => {
    assert.equal(
      sloBreach({ ...measured, availability: 99.4 }, slo, undefined),
      "dex: availability 99.4% over 1h < 99.5% (SLO violated)",
    );
    assert.equal(
      sloBreach({ ...measured, errorRate: 0.75 }, slo, undefined),
      "dex: error rate 0.75% over 1h > 0.5% (SLO violated)",
    );
    // 99.9% over 30 days against 99.5%: 0.1 of the 0.5 points of budget, 20% consumed.
    assert.equal(
      sloBreach({ ...measured, budgetAvailability: 99.9 }, slo, 10),
      "dex: error budget breached: 20% of the 30d budget consumed > 10%",
    );
    assert.equal(
      sloBreach({ ...measured, criticalAlerts: ["DexDown", "DexQueueBacklog"] }, slo, undefined),
      "dex: critical alert firing: DexDown, DexQueueBacklog",
    );
  });

  it("law: a breach exactly when a limit is crossed", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 90, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 90, max: 100, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
        fc.boolean(),
        (availability, errorRate, budgetAvailability, errorBudget, alert) => {
          const breach = sloBreach(
            {
              app: "dex",
              availability,
              errorRate,
              budgetAvailability,
              criticalAlerts: alert ? ["DexDown"] : [],
            },
            slo,
            errorBudget,
          );
          const crossed =
            availability < slo.availability ||
            errorRate > slo.errorRate ||
            (errorBudget !== undefined &&
              budgetConsumed(budgetAvailability, slo.availability) > errorBudget) ||
            alert;
          assert.equal(breach !== undefined, crossed);
        },
      ),
    );
  });
});
