/**
 * scripts/check-workflows.ts: the static check that keeps privileged tokens out of the jobs that a
 * pull request or another branch can run (docs/security.md, "Workflows and tokens"). Each rule has
 * a small workflow that breaks it (the check must name the workflow, the job, the secret and the
 * rule) and the repository's real workflows must pass.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  PRIVILEGED_SECRETS,
  checkWorkflows,
  jobFacts,
  readWorkflows,
} from "../../scripts/check-workflows";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");

/** A workflow text: `on:` and one job `build`, with the given job body lines (indented 4). */
function workflow(on: string, job: string): string {
  return `name: t\non:\n${on}\njobs:\n  build:\n    runs-on: ubuntu-latest\n${job}\n`;
}

const SAFE_STEPS = `    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false`;

const summary = (texts: Record<string, string>) =>
  checkWorkflows(texts).map((f) => `${f.rule} ${f.workflow} ${f.job} ${f.secret ?? "-"}`);

describe("workflows check: privileged secrets only where reviewed code runs", () => {
  it("the repository's own workflows pass", () => {
    const texts = readWorkflows(path.join(ROOT, ".github", "workflows"));
    assert.ok(Object.keys(texts).length >= 6);
    assert.deepEqual(checkWorkflows(texts), []);
  });

  it("refuses a pull_request job that reads a privileged secret, even with an environment", () => {
    const text = workflow(
      "  pull_request:",
      `    environment: dev\n${SAFE_STEPS}\n      - run: npm run ci\n        env:\n          PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}`,
    );
    const findings = checkWorkflows({ "preview.yml": text });
    assert.deepEqual(summary({ "preview.yml": text }), [
      "privileged-secret preview.yml build PULUMI_ACCESS_TOKEN",
    ]);
    assert.match(
      findings[0].message,
      /preview\.yml job build: .*PULUMI_ACCESS_TOKEN.*pull_request/,
    );
  });

  it("refuses pull_request_target too, and a secret set in the workflow-level env", () => {
    const text =
      `name: t\non: [pull_request_target]\nenv:\n  GITHUB_TOKEN: \${{ secrets.PROMOTION_GITHUB_TOKEN }}\n` +
      `jobs:\n  build:\n    runs-on: ubuntu-latest\n${SAFE_STEPS}\n`;
    assert.deepEqual(summary({ "t.yml": text }), [
      "privileged-secret t.yml build PROMOTION_GITHUB_TOKEN",
    ]);
  });

  it("refuses a workflow_dispatch job that reads a privileged secret without an environment", () => {
    const text = workflow(
      "  workflow_dispatch:",
      `${SAFE_STEPS}\n      - run: gh pr create\n        env:\n          GH_TOKEN: \${{ secrets.PROMOTION_BOT_TOKEN }}`,
    );
    const findings = checkWorkflows({ "promote.yml": text });
    assert.deepEqual(summary({ "promote.yml": text }), [
      "privileged-secret promote.yml build PROMOTION_BOT_TOKEN",
    ]);
    assert.match(findings[0].message, /workflow_dispatch .* declares no environment/);
  });

  it("accepts the same job once it declares an environment", () => {
    const text = workflow(
      "  workflow_dispatch:",
      `    environment:\n      name: promotion\n${SAFE_STEPS}\n      - run: gh pr create\n        env:\n          GH_TOKEN: \${{ secrets.PROMOTION_BOT_TOKEN }}`,
    );
    assert.deepEqual(checkWorkflows({ "promote.yml": text }), []);
  });

  it("accepts push to main and schedule without an environment; refuses push to any branch", () => {
    const job = `${SAFE_STEPS}\n      - run: npm run ci\n        env:\n          PULUMI_CONFIG_PASSPHRASE: \${{ secrets.PULUMI_CONFIG_PASSPHRASE }}`;
    const main = workflow(
      "  push:\n    branches: [main]\n  schedule:\n    - cron: '0 * * * *'",
      job,
    );
    assert.deepEqual(checkWorkflows({ "main.yml": main }), []);
    const any = workflow("  push:", job);
    assert.deepEqual(summary({ "any.yml": any }), [
      "privileged-secret any.yml build PULUMI_CONFIG_PASSPHRASE",
    ]);
    const feature = workflow("  push:\n    branches: [main, 'feature/**']", job);
    assert.match(checkWorkflows({ "f.yml": feature })[0].message, /push\(any branch\)/);
  });

  it("counts toJSON(secrets) as every privileged secret, and ignores the workflow's own token", () => {
    const all = workflow(
      "  workflow_dispatch:",
      `${SAFE_STEPS}\n      - run: echo "$ALL" >/dev/null\n        env:\n          ALL: \${{ toJSON(secrets) }}`,
    );
    assert.equal(checkWorkflows({ "a.yml": all }).length, PRIVILEGED_SECRETS.size);
    const own = workflow(
      "  pull_request:",
      `${SAFE_STEPS}\n      - run: gh api user\n        env:\n          GH_TOKEN: \${{ secrets.GITHUB_TOKEN }}`,
    );
    assert.deepEqual(checkWorkflows({ "own.yml": own }), []);
  });

  it("a reusable workflow is reached by its callers' triggers and by workflow_call", () => {
    const callee = workflow(
      "  workflow_call:",
      `    environment: promotion\n${SAFE_STEPS}\n      - run: git push\n        env:\n          GH_TOKEN: \${{ secrets.PROMOTION_BOT_TOKEN }}`,
    );
    const caller =
      `name: c\non:\n  pull_request:\njobs:\n  bump:\n    permissions:\n      contents: read\n` +
      `    uses: ./.github/workflows/bump.yml\n`;
    const facts = jobFacts([
      { name: "bump.yml", doc: parse(callee) as Record<string, unknown> },
      { name: "build.yml", doc: parse(caller) as Record<string, unknown> },
    ]);
    assert.deepEqual(facts.find((f) => f.workflow === "bump.yml")?.triggers, [
      "pull_request",
      "workflow_call",
    ]);
    // A pull request reaches the bump: its environment does not make that right.
    assert.deepEqual(summary({ "bump.yml": callee, "build.yml": caller }), [
      "privileged-secret bump.yml build PROMOTION_BOT_TOKEN",
    ]);
    // A caller that passes `secrets: inherit` reads what the callee reads.
    const inherit =
      caller.replace("  pull_request:", "  workflow_dispatch:") + "    secrets: inherit\n";
    assert.deepEqual(summary({ "bump.yml": callee, "build.yml": inherit }), [
      "privileged-secret build.yml bump PROMOTION_BOT_TOKEN",
    ]);
  });
});

describe("workflows check: checkouts and permissions", () => {
  it("refuses an actions/checkout without persist-credentials: false", () => {
    const text = workflow(
      "  push:\n    branches: [main]",
      `    permissions:\n      contents: read\n    steps:\n      - name: Check out\n        uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n        with:\n          fetch-depth: 0`,
    );
    const findings = checkWorkflows({ "up.yml": text });
    assert.deepEqual(summary({ "up.yml": text }), ["persist-credentials up.yml build -"]);
    assert.match(
      findings[0].message,
      /up\.yml job build: step Check out .*persist-credentials: false/,
    );
    // A checkout with no `with:` at all persists too.
    const bare = text.replace(/\n {8}with:\n {10}fetch-depth: 0/, "");
    assert.equal(checkWorkflows({ "up.yml": bare })[0]?.rule, "persist-credentials");
  });

  it("refuses a job without permissions, even when the workflow declares them", () => {
    const text =
      `name: t\non: [push]\npermissions:\n  contents: read\njobs:\n  lint:\n    runs-on: x\n` +
      `    steps:\n      - run: "true"\n`;
    const findings = checkWorkflows({ "lint.yml": text });
    assert.deepEqual(summary({ "lint.yml": text }), ["permissions lint.yml lint -"]);
    assert.match(findings[0].message, /lint\.yml job lint: declares no permissions/);
  });

  it("reports a file that is not a workflow instead of passing it", () => {
    assert.equal(checkWorkflows({ "x.yml": "on: [push]\n" })[0]?.rule, "parse");
    assert.equal(checkWorkflows({ "y.yml": "jobs: [\n" })[0]?.rule, "parse");
  });

  it("the command exits 1 and prints rule, workflow, job and secret; 0 on the real workflows", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-workflows-"));
    try {
      fs.writeFileSync(
        path.join(dir, "preview.yml"),
        workflow(
          "  pull_request:",
          `${SAFE_STEPS}\n      - run: npm run ci\n        env:\n          PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}`,
        ),
      );
      const run = (args: string[]) =>
        spawnSync(process.execPath, ["boot/run.js", "scripts/check-workflows.ts", ...args], {
          cwd: ROOT,
          encoding: "utf8",
        });
      const bad = run([dir]);
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(
        bad.stdout,
        /^privileged-secret: preview\.yml job build: reads the privileged secret PULUMI_ACCESS_TOKEN/m,
      );
      const good = run([]);
      assert.equal(good.status, 0, `${good.stdout}${good.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
