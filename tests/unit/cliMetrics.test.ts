/**
 * `metrics` on a scripted history: a temporary copy of the seed fixture whose stack files get CI
 * builds, promotions, a promotion replaced before it was deployed, one deployed over failed rules
 * and a rollback, with the records
 * each `up` would have written; every number is worked out by hand below.
 */
import { strict as assert } from "assert";
import type { DeployedState } from "../../cli/deployed";
import type { EnvironmentMetrics } from "../../cli/metrics";
import { editStackText } from "../../cli/stackText";
import type { PromotionRecord } from "../../rules/record";
import { tempProject, type TempProject } from "../support/gitRepo";

const rec = (
  tag: string,
  at: string,
  kind: PromotionRecord["kind"],
  from: string,
): PromotionRecord => ({
  tag,
  at,
  kind,
  from,
  by: "alice",
  ...(kind === "rollback" ? { reason: "login broken" } : {}),
});

/** Newest first, as the program writes them. */
const RECORDS: Record<string, DeployedState> = {
  dev: {
    tags: { dex: "sha-3333cccc" },
    records: {
      dex: [
        rec("sha-3333cccc", "2026-01-03T00:00:00Z", "promotion", "ci"),
        rec("sha-2222bbbb", "2026-01-02T00:00:00Z", "promotion", "ci"),
        rec("sha-1111aaaa", "2026-01-01T00:00:00Z", "promotion", "ci"),
        rec("sha-5eed0a1b", "2025-12-01T00:00:00Z", "initial", "dev"),
      ],
    },
  },
  stage: {
    tags: { dex: "sha-3333cccc" },
    records: {
      dex: [
        rec("sha-3333cccc", "2026-01-03T06:00:00Z", "promotion", "dev"), // 6 h after dev
        rec("sha-1111aaaa", "2026-01-01T12:00:00Z", "promotion", "dev"), // 12 h after dev
        rec("sha-5eed0a1b", "2025-12-01T00:00:00Z", "initial", "stage"),
      ],
    },
  },
  prod: {
    tags: { dex: "sha-5eed0c3d" },
    records: {
      dex: [
        rec("sha-5eed0c3d", "2026-01-02T13:00:00Z", "rollback", "prod"), // 1 h after the promotion
        {
          // 36 h after dev, deployed although two of prod's promotion rules failed
          ...rec("sha-1111aaaa", "2026-01-02T12:00:00Z", "promotion", "stage"),
          checks:
            "not checked: prod renders manifests; promotion rules: 6 passed, 2 failed, 1 at review, overridden (availability over 1h, error budget consumed (30d))",
          reason: "promotion rules overridden: INC-7 load test",
        },
        rec("sha-5eed0c3d", "2025-12-01T00:00:00Z", "initial", "prod"),
      ],
    },
  },
};

describe("cli: metrics from the records and the git history", () => {
  let project: TempProject;
  const records = (stack: string) => RECORDS[stack];

  before(() => {
    project = tempProject({ origin: false });
    project.commitTag("dev", "dex", "sha-1111aaaa"); // attempt (dev)
    project.commitTag("stage", "dex", "sha-1111aaaa", "chore: promote sha-1111aaaa to stage"); // attempt
    project.commitTag("dev", "dex", "sha-2222bbbb"); // attempt (dev)
    project.commitTag("stage", "dex", "sha-2222bbbb", "chore: promote sha-2222bbbb to stage"); // never deployed
    project.commitTag("dev", "dex", "sha-3333cccc"); // attempt (dev)
    project.commitTag("stage", "dex", "sha-3333cccc", "chore: promote sha-3333cccc to stage"); // attempt
    project.commitTag("prod", "dex", "sha-1111aaaa", "chore: promote sha-1111aaaa to prod"); // attempt
    const file = "Pulumi.prod.yaml";
    project.write(
      file,
      editStackText(project.read(file), file, [
        {
          app: "dex",
          tag: "sha-5eed0c3d",
          bypass: { kind: "rollback", tag: "sha-5eed0c3d", reason: "login broken" },
        },
      ]),
    );
    project.git("commit", "--quiet", "-am", "rollback prod to sha-5eed0c3d"); // not an attempt
  });
  after(() => project.cleanup());

  it("counts attempts, successes, failures by reason, rollbacks, lead times and recovery as JSON", async () => {
    const result = await project.cliAsync(["metrics", "--format", "json"], { records });
    assert.equal(result.code, 0, result.stderr);
    const metrics = JSON.parse(result.stdout) as EnvironmentMetrics[];
    const by = Object.fromEntries(metrics.map((m) => [m.environment, m]));
    assert.deepEqual(
      metrics.map((m) => [
        m.environment,
        m.attempts,
        m.successes,
        m.failures.rolledBack,
        m.failures.neverDeployed,
        m.rollbacks,
      ]),
      [
        ["dev", 3, 3, 0, 0, 0],
        ["stage", 3, 2, 0, 1, 0],
        ["prod", 1, 1, 1, 0, 1],
      ],
    );
    assert.deepEqual(
      by.stage.leadTimes.map((l) => [l.tag, l.seconds]),
      [
        ["sha-3333cccc", 6 * 3600],
        ["sha-1111aaaa", 12 * 3600],
      ],
    );
    assert.deepEqual(
      by.prod.leadTimes.map((l) => l.seconds),
      [36 * 3600],
    );
    assert.deepEqual(by.prod.recoveries, [
      { app: "dex", from: "sha-1111aaaa", to: "sha-5eed0c3d", seconds: 3600 },
    ]);
    assert.deepEqual(by.dev.leadTimes, [], "the first environment has no lead time");
    assert.deepEqual(by.prod.ruleOverrides, {
      "availability over 1h": 1,
      "error budget consumed (30d)": 1,
    });
    assert.deepEqual(by.stage.ruleOverrides, {});
  });

  it("prints the same in Prometheus's text format", async () => {
    const result = await project.cliAsync(["metrics"], { records });
    assert.equal(result.code, 0, result.stderr);
    const text = result.stdout;
    for (const line of [
      "# TYPE promotion_attempts_total counter",
      'promotion_attempts_total{environment="stage"} 3',
      'promotion_successes_total{environment="prod"} 1',
      'promotion_failures_total{environment="stage",reason="never deployed"} 1',
      'promotion_failures_total{environment="prod",reason="rolled back"} 1',
      'promotion_rollbacks_total{environment="prod"} 1',
      'promotion_rule_overrides_total{environment="prod",rule="error budget consumed (30d)"} 1',
      'promotion_lead_time_seconds_sum{environment="stage"} 64800',
      'promotion_lead_time_seconds_count{environment="prod"} 1',
      'promotion_mean_time_to_recovery_seconds{environment="prod"} 3600',
    ]) {
      assert.ok(text.split("\n").includes(line), `missing: ${line}\n${text}`);
    }
  });

  it("refuses an unknown format, naming what is accepted", async () => {
    const result = await project.cliAsync(["metrics", "--format", "csv"], { records });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--format "csv"; accepted: prometheus, json/);
  });
});
