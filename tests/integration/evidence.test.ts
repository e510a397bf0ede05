/**
 * Promotion rules against real evidence sources: a real Prometheus (Debian's package, its TSDB
 * backfilled by promtool with a month of request counters, alerting rules evaluated) for the
 * upstream's SLO, error budget, critical alerts and canary; the GitHub checks stand-in for CI
 * results; the reports CI published in the repository. The project is seed 002's chain
 * (tests/fixtures/rules: dev -> staging -> canary -> production with exactly its numbers), run
 * through the CLI in-process: `check` for each transition, and `promote` refused by the rules, then
 * overridden with a recorded reason; and through the real engine: the gate of `pulumi preview` and
 * `up` checks the same rules, refuses without touching the state, and takes the override the
 * stack file carries as the record's reason.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { DeployedState } from "../../cli/deployed";
import { GitHubChecksStandIn } from "../../harness/githubChecksStandIn";
import { countersText, gaugeText, Prometheus } from "../../harness/prometheus";
import { parse, stringify } from "yaml";
import { copyProject, engineStack, toolchainBin, type EngineProject } from "../../harness/engine";
import type { UpstreamApplication } from "../../rules/gate";
import type { PromotionRecord } from "../../rules/record";
import { readApps } from "../../cli/stackText";
import { tempProject, type TempProject } from "../support/gitRepo";

const EVIDENCE = path.join(__dirname, "..", "fixtures", "evidence");
const TAG = "sha-5eed0a1b";
const COMMIT = "5eed0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b";
const CHECKS = ["unit-tests", "integration-tests", "e2e-tests", "performance-tests"];

/** dev: 0.2% errors and a critical backlog alert; staging: 0.1%; canary: 0.33% on 12% of traffic. */
function metrics(now: number): string {
  // Only the traffic production serves carries a track: "canary" (the canary's slice) or "stable".
  const requests = (namespace: string, track: string, code: number, perSecond: number) => ({
    sample: `http_requests_total{namespace="${namespace}",app="dex",${track ? `track="${track}",` : ""}code="${code}"}`,
    perSecond,
  });
  return [
    countersText(
      "http_requests",
      [
        requests("dex-dev", "", 200, 99.8),
        requests("dex-dev", "", 500, 0.2),
        requests("dex-staging", "", 200, 99.9),
        requests("dex-staging", "", 500, 0.1),
        requests("dex-canary", "canary", 200, 11.96),
        requests("dex-canary", "canary", 500, 0.04),
        requests("dex-production", "stable", 200, 88),
      ],
      now,
    ),
    gaugeText(
      "dex_queue_backlog",
      [{ sample: 'dex_queue_backlog{namespace="dex-dev",app="dex"}', value: 500 }],
      now,
    ),
  ].join("\n");
}

const ALERTS = `groups:
  - name: dex
    rules:
      - alert: DexQueueBacklog
        expr: dex_queue_backlog > 100
        labels:
          severity: critical
      - alert: DexSlowStartup
        expr: vector(1)
        labels:
          severity: warning
`;

describe("promotion rules with real evidence: Prometheus, GitHub checks, CI reports", function () {
  this.timeout(10 * 60_000);
  let prometheus: Prometheus;
  let github: GitHubChecksStandIn;
  let project: TempProject;
  let env: Record<string, string>;
  // Taken when the CLI asks, not when the suite starts: Prometheus' start-up and backfill take
  // minutes on a loaded machine, and the canary duration is measured against the CLI's clock.
  // Half a minute more than 30 h: the CLI takes its clock a moment before it reads the record.
  const canarySince = () => new Date(Date.now() - 30 * 3600_000 - 30_000).toISOString();
  const records = (stack: string): DeployedState =>
    stack === "canary"
      ? {
          tags: { dex: TAG },
          records: {
            dex: [{ tag: TAG, from: "staging", at: canarySince(), by: "alice", kind: "promotion" }],
          },
        }
      : { tags: { dex: stack === "production" ? "sha-5eed0c3d" : TAG }, records: {} };

  before(async () => {
    prometheus = await Prometheus.start(metrics(Math.floor(Date.now() / 1000)), ALERTS);
    github = new GitHubChecksStandIn(
      { owner: "data-literate", repo: "dex" },
      [
        {
          sha: COMMIT,
          checkRuns: CHECKS.map((name) => ({
            name,
            status: "completed",
            conclusion: "success",
            startedAt: "2026-01-28T10:00:00Z",
          })),
          statuses: [],
        },
      ],
      "ghp_evidence",
    );
    env = { GITHUB_API_URL: await github.start(), GITHUB_TOKEN: "ghp_evidence" };
    project = tempProject({ fixture: "rules" });
    for (const file of project
      .git("ls-files")
      .trim()
      .split("\n")
      .filter((f) => f.endsWith(".yaml"))) {
      project.write(
        file,
        project.read(file).replace("http://prometheus.monitoring.svc:9090", prometheus.url),
      );
    }
    const reports = path.join(project.dir, "evidence", "dex", TAG);
    fs.mkdirSync(reports, { recursive: true });
    fs.copyFileSync(path.join(EVIDENCE, "coverage.xml"), path.join(reports, "coverage.xml"));
    fs.copyFileSync(path.join(EVIDENCE, "trivy-clean.json"), path.join(reports, "trivy.json"));
    project.git("add", ".");
    project.git("commit", "--quiet", "-m", "evidence and this test's Prometheus");
    project.git("push", "--quiet", "origin", "main");
    // Alerting rules are evaluated every second: wait for the critical one to fire.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
        data: { alerts: { state: string }[] };
      };
      if (body.data.alerts.some((a) => a.state === "firing")) break;
      if (Date.now() > deadline)
        throw new Error(`no alert fired in 30 s: ${prometheus.log().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });

  after(async function () {
    const failed = this.test?.parent?.tests.some((t) => t.state === "failed");
    if (failed) console.error(prometheus?.log().slice(-3000));
    await prometheus?.stop();
    await github?.stop();
    project?.cleanup();
  });

  it("check staging -> canary: every rule passes on staging's metrics and the image's evidence", async () => {
    const result = await project.cliAsync(["check", "--from", "staging", "--to", "canary"], {
      env,
      records,
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const out = result.stdout;
    assert.match(out, /^dex sha-5eed0a1b, staging -> canary: the rules pass$/m);
    for (const check of CHECKS)
      assert.match(
        out,
        new RegExp(
          `^check ${check} +success +succeeded +pass +GitHub checks of data-literate/dex@5eed0a1b$`,
          "m",
        ),
      );
    assert.match(
      out,
      /^coverage +85\.36% +≥ 80% +pass +evidence\/dex\/sha-5eed0a1b\/coverage\.xml$/m,
    );
    assert.match(out, /^security: critical findings +0 +≤ 0 +pass/m);
    assert.match(
      out,
      /^availability over 1h +99\.9% +≥ 99\.5% +pass +Prometheus http:\/\/127\.0\.0\.1:\d+: 100 \* \(1 - /m,
    );
    assert.match(out, /^error rate over 1h +0\.1% +≤ 0\.5% +pass/m);
    assert.match(out, /^error budget consumed \(30d\) +20% +< 30% +pass/m);
    assert.match(out, /^approvals +at review +@data-literate\/sre, @data-literate\/qa +at review/m);
    assert.match(out, /Promotion rules of canary: every rule passes\./);
  });

  it("check dev -> staging: refused while a critical alert fires for dev, everything else passing", async () => {
    const result = await project.cliAsync(["check", "--from", "dev", "--to", "staging"], {
      env,
      records,
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /^critical alerts firing +DexQueueBacklog +none +FAIL +Prometheus http:\/\/127\.0\.0\.1:\d+: firing critical alerts$/m,
    );
    assert.match(
      result.stdout,
      /Promotion rules of staging: 1 failed \(dex: critical alerts firing\)\./,
    );
    assert.doesNotMatch(result.stdout, /DexSlowStartup/, "a warning alert is not critical");
  });

  it("check canary -> production: the canary's SLO and error budget fail; its traffic, duration and success rate pass", async () => {
    const result = await project.cliAsync(
      ["check", "--from", "canary", "--to", "production", "--json"],
      { env, records },
    );
    assert.equal(result.code, 1);
    const check = JSON.parse(result.stdout) as {
      reports: { results: { rule: string; verdict: string; measured: string }[] }[];
    };
    const verdicts = Object.fromEntries(
      check.reports[0].results.map((r) => [r.rule, `${r.verdict} ${r.measured}`]),
    );
    assert.equal(verdicts["availability over 1h"], "fail 99.667%");
    assert.equal(verdicts["error rate over 1h"], "fail 0.333%");
    assert.equal(verdicts["error budget consumed (30d)"], "fail 333.333%");
    assert.equal(verdicts["canary traffic"], "pass 12%");
    assert.equal(verdicts["canary duration"], "pass 30h");
    assert.equal(verdicts["canary success rate"], "pass 99.667%");
    assert.equal(verdicts["coverage"], "pass 85.36%");
  });

  it("promote canary -> production is refused by the rules and changes nothing; with --override-rules it opens the PR saying so", async () => {
    const before = project.git("rev-parse", "HEAD").trim();
    const refused = await project.cliAsync(["promote", "--from", "canary", "--to", "production"], {
      env,
      records,
      gh: true,
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /REFUSED by the rules/);
    assert.match(refused.stderr, /--override-rules "<reason>"/);
    assert.equal(project.git("rev-parse", "HEAD").trim(), before);
    assert.equal(project.git("status", "--porcelain"), "");
    assert.equal(project.ghCalls.length, 0);

    const overridden = await project.cliAsync(
      [
        "promote",
        "--from",
        "canary",
        "--to",
        "production",
        "--override-rules",
        "incident INC-42: the errors are the load test's",
      ],
      { env, records, gh: true },
    );
    assert.equal(overridden.code, 0, overridden.stderr);
    const body = project.ghCalls.map((c) => c.input ?? c.args.join(" ")).join("\n");
    assert.match(body, /Promotion rules overridden with `--override-rules`/);
    assert.match(body, /\*\*Reason given:\*\* incident INC-42: the errors are the load test's/);
    assert.match(body, /availability over 1h +99\.667%/);
    const message = project.git("log", "-1", "--format=%B", "promote-production-sha-5eed0a1b");
    assert.match(message, /Promotion rules overridden: incident INC-42/);
    // Written next to the tag, where preview and up find it (the engine tests below).
    const file = project.git("show", "promote-production-sha-5eed0a1b:Pulumi.production.yaml");
    assert.deepEqual(readApps(file).dex, {
      tag: TAG,
      overrideRules: "incident INC-42: the errors are the load test's",
      bypass: undefined,
    });
  });

  describe("the gate of preview and up, through the real engine on a file backend", () => {
    let engine: EngineProject;
    /** The test's copy of the fixture (this suite's Prometheus URL in it), one stack file changed. */
    const editApp = (stack: string, change: (dex: Record<string, any>) => void) => {
      const file = path.join(engine.dir, `Pulumi.${stack}.yaml`);
      const doc = parse(fs.readFileSync(file, "utf8"));
      change(doc.config["promotion:apps"].dex);
      fs.writeFileSync(file, stringify(doc));
    };
    const newestRecord = async (stack: string): Promise<PromotionRecord> => {
      const outputs = await (await engineStack(engine, stack)).outputs();
      return (outputs.promotionRecords.value as Record<string, PromotionRecord[]>).dex[0];
    };

    before(async () => {
      toolchainBin();
      engine = copyProject({}, project.dir);
      fs.cpSync(path.join(project.dir, "evidence"), path.join(engine.dir, "evidence"), {
        recursive: true,
      });
      // GH_TOKEN reads the checks; without github:token or GITHUB_TOKEN the governance of the
      // fixture stays offline, so no GitHub but the checks stand-in is needed.
      Object.assign(engine.envVars, {
        GH_TOKEN: "ghp_evidence",
        GITHUB_API_URL: env.GITHUB_API_URL,
        GITHUB_ACTOR: "rules-actor",
      });
      // dev and staging run TAG, canary and production an older build: a fresh backend, each
      // first up after dev a reviewed initial bypass (a stack without state is gated, issue #20),
      // removed afterwards as the next promotion does.
      editApp("canary", (dex) => (dex.tag = "sha-5eed0c3d"));
      for (const stack of ["dev", "staging", "canary", "production"]) {
        if (stack !== "dev") {
          editApp(stack, (dex) => {
            dex.bypass = { kind: "initial", tag: dex.tag, reason: "a fresh backend" };
          });
        }
        assert.equal((await (await engineStack(engine, stack)).up()).summary.result, "succeeded");
        editApp(stack, (dex) => delete dex.bypass);
      }
    });
    after(() => engine?.cleanup());

    it("staging -> canary: every rule passes, and the record says so", async () => {
      editApp("canary", (dex) => (dex.tag = TAG));
      const canary = await engineStack(engine, "canary");
      assert.equal((await canary.up()).summary.result, "succeeded");
      const record = await newestRecord("canary");
      assert.equal(record.kind, "promotion");
      assert.equal(record.from, "staging");
      assert.equal(record.reason, undefined);
      assert.match(record.checks ?? "", /; promotion rules: 10 passed, 1 at review$/);
    });

    it("canary -> production: preview and up refuse, naming each failed rule, and the state is untouched", async () => {
      const production = await engineStack(engine, "production");
      // What production manages; its stack references are reads the engine refreshes on any run.
      const managed = async () =>
        JSON.stringify(
          ((await production.exportStack()).deployment.resources as { type: string }[]).filter(
            (r) => r.type !== "pulumi:pulumi:StackReference",
          ),
        );
      const state = await managed();
      editApp("production", (dex) => (dex.tag = TAG));
      const refusal = new RegExp(
        [
          `promotion:apps\\.dex\\.tag = "${TAG}"; refused: production cannot take ${TAG} from canary: 4 promotion rules fail: `,
          `availability over 1h 99\\.667% \\(needs ≥ 99\\.9%; Prometheus http://127\\.0\\.0\\.1:\\d+: .*`,
          `error budget consumed \\(30d\\) 333\\.333% .*`,
          `canary duration \\d+m\\d+s \\(needs ≥ 24h; canary's promotion record of ${TAG}\\); .*`,
          `accepted: a tag whose evidence passes promotion:rules of production .*or promotion:apps\\.dex\\.overrideRules`,
        ].join(""),
      );
      await assert.rejects(production.preview(), refusal);
      await assert.rejects(production.up(), refusal);
      assert.equal(await managed(), state);
    });

    it("canary -> production with the stack file's overrideRules: up goes ahead, the reason on record", async () => {
      editApp("production", (dex) => {
        dex.overrideRules = { tag: TAG, reason: "incident INC-42: load test errors" };
      });
      const production = await engineStack(engine, "production");
      const result = await production.up();
      assert.equal(result.summary.result, "succeeded");
      assert.match(
        result.stdout,
        /production takes sha-5eed0a1b for dex although 4 promotion rules fail/,
      );
      const record = await newestRecord("production");
      assert.equal(record.kind, "promotion");
      assert.equal(record.tag, TAG);
      assert.equal(record.by, "rules-actor");
      assert.equal(record.reason, "promotion rules overridden: incident INC-42: load test errors");
      assert.match(
        record.checks ?? "",
        /promotion rules: \d+ passed, 4 failed, \d+ at review, overridden \(availability over 1h, error rate over 1h, error budget consumed \(30d\), canary duration\)$/,
      );
    });
  });

  describe("verification's SLO watch on the real Prometheus (promote verify --no-rollback)", () => {
    /** The stack's dex Application, Synced and Healthy on TAG: the deployment part passes. */
    const healthy = (stack: string) => () =>
      Promise.resolve(
        new Map([
          [
            `${stack}/dex`,
            {
              readable: true as const,
              name: `dex-${stack}`,
              desiredImages: [`ghcr.io/data-literate/dex:${TAG}`],
              status: {
                sync: {
                  status: "Synced",
                  comparedTo: {
                    source: { kustomize: { images: [`ghcr.io/data-literate/dex:${TAG}`] } },
                  },
                },
                health: { status: "Healthy" },
                summary: { images: [`ghcr.io/data-literate/dex:${TAG}`] },
              },
            } as UpstreamApplication,
          ],
        ]),
      );
    /** Runs verify on `env` with its stack file set to a cluster and this verification. */
    async function verify(stack: string, verification: string) {
      const file = `Pulumi.${stack}.yaml`;
      const original = project.read(file);
      project.write(
        file,
        original.replace(
          /^config:\n/m,
          `config:\n  promotion:kubeconfig: /nonexistent/kubeconfig\n  promotion:verification: ${verification}\n`,
        ),
      );
      try {
        return await project.cliAsync(
          ["verify", "--env", stack, "--interval", "1s", "--no-rollback"],
          { env, live: healthy(stack) },
        );
      } finally {
        project.write(file, original);
      }
    }

    it("holds staging's SLO and error budget for the watch: verified", async () => {
      const result = await verify(
        "staging",
        "{ watch: 2s, slo: { availability: 99.5, errorRate: 0.5, window: 1h }, errorBudget: 30 }",
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /^staging verified: dex sha-5eed0a1b Synced and Healthy, SLO held for 2s\.$/m,
      );
    });

    it("fails on an SLO violated: availability 99.9% under a 99.95% target", async () => {
      const result = await verify(
        "staging",
        "{ watch: 2s, slo: { availability: 99.95, errorRate: 0.5, window: 1h } }",
      );
      assert.equal(result.code, 1);
      assert.match(result.stderr, /dex: availability 99\.9% over 1h < 99\.95% \(SLO violated\)/);
    });

    it("fails on an error budget breached: 20% of staging's 30-day budget consumed, at most 10% allowed", async () => {
      const result = await verify(
        "staging",
        "{ watch: 2s, slo: { availability: 99.5, errorRate: 0.5, window: 1h }, errorBudget: 10 }",
      );
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /dex: error budget breached: 20% of the 30d budget consumed > 10%/,
      );
    });

    it("fails on a critical alert firing in dev, whose SLO itself holds", async () => {
      const result = await verify(
        "dev",
        "{ watch: 2s, slo: { availability: 99.5, errorRate: 0.5, window: 1h } }",
      );
      assert.equal(result.code, 1);
      assert.match(result.stderr, /dex: critical alert firing: DexQueueBacklog/);
    });
  });

  // Last: it stops Prometheus (mocha runs a suite's own tests before its nested suites).
  describe("when Prometheus is down", () => {
    it("fails closed when Prometheus is down: the metric rules fail with the reason", async () => {
      await prometheus.stop(true);
      const result = await project.cliAsync(["check", "--from", "staging", "--to", "canary"], {
        env,
        records,
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stdout,
        /^availability over 1h +unavailable +≥ 99\.5% +FAIL +Prometheus http:\/\/127\.0\.0\.1:\d+: .*: Prometheus did not answer/m,
      );
      assert.match(result.stdout, /^coverage +85\.36% +≥ 80% +pass/m);
    });
  });
});
