/**
 * .github/workflows and .github/actions/setup, read with the `yaml` package: the rules that make the
 * promotion pipeline safe (docs/workflows.md). Each rule is a function returning its problems, run
 * on the real files (no problem) and on a broken copy (the problem is found), so a rule that can no
 * longer fail fails here. The report step's script (the PR comment and the per-stack checks) runs
 * against a stand-in GitHub API.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const SETUP_ACTION = path.join(ROOT, ".github", "actions", "setup", "action.yml");

type Doc = Record<string, any>;
interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
}

const load = (file: string): Doc => parse(fs.readFileSync(file, "utf8")) as Doc;
const clone = <T>(value: T): T => structuredClone(value);

/** Every workflow file, by file name. */
function workflows(): Record<string, Doc> {
  const docs: Record<string, Doc> = {};
  for (const name of fs.readdirSync(WORKFLOWS).sort()) {
    if (/\.ya?ml$/.test(name)) docs[name] = load(path.join(WORKFLOWS, name));
  }
  return docs;
}

const jobsOf = (doc: Doc): Array<[string, Doc]> => Object.entries(doc.jobs ?? {});
const stepsOf = (job: Doc): Step[] => (job.steps ?? []) as Step[];
const runs = (job: Doc): string[] => stepsOf(job).flatMap((s) => (s.run ? [s.run] : []));
const triggers = (doc: Doc): Doc => (typeof doc.on === "string" ? { [doc.on]: {} } : doc.on);

/** The version of @pulumi/pulumi the project depends on. */
function pulumiSdkVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  return pkg.dependencies["@pulumi/pulumi"] as string;
}

// ------------------------------------------------------------------------------------ rules --

/**
 * The environment of the jobs that hold the release bot's token and write settings, not a stack's:
 * only main may deploy to it (docs/security.md).
 */
const BOT_ENVIRONMENT = "promotion";

/** Jobs that run `up` on a stack: each in the stack's GitHub environment, never cancelled. */
function upJobProblems(docs: Record<string, Doc>): string[] {
  const problems: string[] = [];
  for (const [file, doc] of Object.entries(docs)) {
    for (const [id, job] of jobsOf(doc)) {
      const ups = runs(job).some((r) => /npm run (--silent )?(stack|ci) -- (up|deploy)\b/.test(r));
      const named = job.environment?.name ?? job.environment;
      if (!ups && (!job.environment || named === BOT_ENVIRONMENT)) continue;
      const where = `${file} job ${id}`;
      const environment = job.environment?.name ?? job.environment;
      if (typeof environment !== "string" || environment === "") {
        problems.push(`${where}: runs up without an environment`);
        continue;
      }
      const group: unknown = job.concurrency?.group;
      if (typeof group !== "string" || !group.startsWith("pulumi-up-")) {
        problems.push(
          `${where}: concurrency group must be pulumi-up-<stack>, not ${String(group)}`,
        );
      } else if (group.slice("pulumi-up-".length) !== environment) {
        problems.push(`${where}: concurrency group ${group} is not pulumi-up-${environment}`);
      }
      if (job.concurrency?.["cancel-in-progress"] !== false) {
        problems.push(`${where}: cancel-in-progress must be false (an up is never cancelled)`);
      }
    }
  }
  return problems;
}

/** up.yml: on push to main, the affected stacks one at a time in the order `affected` gives. */
function chainOrderProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const push = triggers(doc).push;
  if (!push?.branches?.includes("main")) problems.push("not triggered by a push to main");
  const affected = doc.jobs?.affected;
  if (
    !runs(affected ?? {}).some((r) => /npm run --silent ci -- affected --base .* --json/.test(r))
  ) {
    problems.push("job affected does not run `npm run ci -- affected --base <ref> --json`");
  }
  const up = doc.jobs?.up;
  const strategy = up?.strategy ?? {};
  if (strategy.matrix?.stack !== "${{ fromJSON(needs.affected.outputs.stacks) }}") {
    problems.push("job up's matrix is not the affected stacks (chain order)");
  }
  if (strategy["max-parallel"] !== 1) problems.push("job up must run one stack at a time");
  if (strategy["fail-fast"] === false) problems.push("job up must stop downstream after a failure");
  const needs = [up?.needs ?? []].flat();
  if (!needs.includes("affected")) problems.push("job up does not need affected");
  if (!runs(up ?? {}).some((r) => r.includes('npm run stack -- up "$STACK"'))) {
    problems.push("job up does not run npm run stack -- up <its stack>");
  }
  if (!runs(up ?? {}).some((r) => r.includes("GITHUB_STEP_SUMMARY"))) {
    problems.push("job up writes nothing to the job summary");
  }
  return problems;
}

/** preview.yml: on pull_request, preview through `npm run ci`, one check per stack, one comment. */
function previewProblems(doc: Doc): string[] {
  const problems: string[] = [];
  if (!("pull_request" in triggers(doc))) problems.push("not triggered by pull_request");
  const preview = runs(doc.jobs?.preview ?? {}).join("\n");
  for (const flag of ["--base", "--comment-file", "--checks-file", "--summary-file"]) {
    if (!new RegExp(`npm run --silent ci -- preview[^]*${flag}`).test(preview)) {
      problems.push(`job preview does not call npm run ci -- preview with ${flag}`);
    }
  }
  const report = doc.jobs?.report ?? {};
  if (!/!cancelled\(\)|always\(\)/.test(String(report.if ?? ""))) {
    problems.push("job report must run after a failed preview too (if: !cancelled())");
  }
  if (report.permissions?.checks !== "write" || report.permissions?.["pull-requests"] !== "write") {
    problems.push("job report needs checks: write and pull-requests: write");
  }
  if (!reportScript(doc).includes("name: `preview (${stack})`")) {
    problems.push("job report does not name its checks preview (<stack>)");
  }
  return problems;
}

const OIDC = "${{ steps.pulumi-oidc.outputs.pulumi-access-token || secrets.";

/** Secrets come from secrets.* only, reach scripts through env, and are never echoed. */
function secretProblems(docs: Record<string, Doc>): string[] {
  const problems: string[] = [];
  const SENSITIVE = /TOKEN|PASSPHRASE|PASSWORD|SECRET|PRIVATE_KEY/;
  const check = (
    where: string,
    env: Record<string, unknown> | undefined,
    secretEnv: Set<string>,
  ) => {
    for (const [name, value] of Object.entries(env ?? {})) {
      const text = String(value);
      if (text.includes("secrets.")) secretEnv.add(name);
      // The preview's Pulumi Cloud token may also come from the OIDC exchange (docs/security.md).
      if (!SENSITIVE.test(name) || text.startsWith("${{ secrets.") || text.startsWith(OIDC)) {
        continue;
      }
      problems.push(`${where}: ${name} must come from secrets.*, not ${text}`);
    }
  };
  for (const [file, doc] of Object.entries(docs)) {
    const workflowSecrets = new Set<string>();
    check(file, doc.env, workflowSecrets);
    const text = JSON.stringify(doc);
    if (/github\.token|env\.[A-Z_]*(TOKEN|PASSPHRASE)/.test(text)) {
      problems.push(`${file}: takes a secret from outside secrets.* (github.token or env.*)`);
    }
    for (const [id, job] of jobsOf(doc)) {
      const jobSecrets = new Set(workflowSecrets);
      check(`${file} job ${id}`, job.env, jobSecrets);
      for (const step of stepsOf(job)) {
        const stepSecrets = new Set(jobSecrets);
        check(`${file} job ${id} step ${step.name ?? step.uses}`, step.env, stepSecrets);
        if (!step.run) continue;
        if (step.run.includes("${{")) {
          problems.push(`${file} job ${id}: a run: script uses \${{ }} (pass values through env)`);
        }
        for (const line of step.run.split("\n")) {
          if (!/\b(echo|printf|cat)\b/.test(line) || /^\s*#/.test(line)) continue;
          for (const name of stepSecrets) {
            if (new RegExp(`\\$\\{?${name}\\b`).test(line)) {
              problems.push(`${file} job ${id}: prints the secret ${name}: ${line.trim()}`);
            }
          }
        }
        if (/^\s*set -[a-z]*x/m.test(step.run) && stepSecrets.size > 0) {
          problems.push(`${file} job ${id}: set -x would trace secrets`);
        }
      }
    }
  }
  return problems;
}

/** Node 20 everywhere; the engine at @pulumi/pulumi's version; self-hosted via toolchain.sh. */
function setupProblems(action: Doc, sdkVersion: string): string[] {
  const problems: string[] = [];
  const steps = (action.runs?.steps ?? []) as Step[];
  const uses = (prefix: string) => steps.filter((s) => s.uses?.startsWith(prefix));
  const nodes = uses("actions/setup-node@");
  if (nodes.length === 0) problems.push("no actions/setup-node step");
  for (const s of nodes) {
    if (!/^20(\.|$)/.test(String(s.with?.["node-version"]))) {
      problems.push(`setup-node with node-version ${String(s.with?.["node-version"])}, not 20`);
    }
  }
  const pulumis = [...uses("pulumi/actions@"), ...uses("pulumi/setup-pulumi@")];
  if (pulumis.length === 0) problems.push("no pulumi/actions step");
  for (const s of pulumis) {
    if (String(s.with?.["pulumi-version"]) !== sdkVersion) {
      problems.push(
        `pulumi CLI ${String(s.with?.["pulumi-version"])}, but @pulumi/pulumi is ${sdkVersion}`,
      );
    }
    if (!String(s.if).includes("inputs.self-hosted-toolchain != 'true'")) {
      problems.push("pulumi/actions must not run on self-hosted (air-gapped) runners");
    }
  }
  const toolchain = steps.find((s) => s.run?.includes("scripts/toolchain.sh --print-env"));
  if (!toolchain || !String(toolchain.if).includes("inputs.self-hosted-toolchain == 'true'")) {
    problems.push(
      "self-hosted runners do not get the engine from scripts/toolchain.sh --print-env",
    );
  }
  const installs = steps.filter((s) => /\bnpm ci\b/.test(s.run ?? ""));
  if (installs.length === 0) problems.push("no npm ci");
  // Jobs that hold tokens run this setup: no dependency's install script runs with them.
  for (const s of installs) {
    for (const line of (s.run ?? "").split("\n").filter((l) => /\bnpm ci\b/.test(l))) {
      if (!line.includes("--ignore-scripts"))
        problems.push(`npm ci without --ignore-scripts: ${line.trim()}`);
    }
  }
  return problems;
}

/** Every job that runs npm sets up Node 20 first, with the same switch for self-hosted runners. */
function jobSetupProblems(docs: Record<string, Doc>): string[] {
  const problems: string[] = [];
  for (const [file, doc] of Object.entries(docs)) {
    for (const [id, job] of jobsOf(doc)) {
      const steps = stepsOf(job);
      const firstNpm = steps.findIndex((s) => /\bnpm\b/.test(s.run ?? ""));
      if (firstNpm === -1) continue;
      const setup = steps.findIndex((s) => s.uses === "./.github/actions/setup");
      if (setup === -1 || setup > firstNpm) {
        problems.push(`${file} job ${id}: runs npm before ./.github/actions/setup`);
      } else if (
        steps[setup].with?.["self-hosted-toolchain"] !==
        "${{ vars.PROMOTION_SELF_HOSTED_TOOLCHAIN }}"
      ) {
        problems.push(`${file} job ${id}: setup ignores vars.PROMOTION_SELF_HOSTED_TOOLCHAIN`);
      }
    }
  }
  return problems;
}

/** Minimal permissions: read-only by default, writes only on the jobs that need them. */
function permissionProblems(docs: Record<string, Doc>): string[] {
  const problems: string[] = [];
  for (const [file, doc] of Object.entries(docs)) {
    if (JSON.stringify(doc.permissions) !== JSON.stringify({ contents: "read" })) {
      problems.push(`${file}: workflow permissions must be { contents: read }`);
    }
    for (const [id, job] of jobsOf(doc)) {
      const p = job.permissions;
      if (p === undefined) continue;
      // Only the preview trades GitHub's OIDC token for a Pulumi Cloud token that can preview.
      const oidc = file === "preview.yml" && id === "preview" && p["id-token"] === "write";
      if (
        typeof p === "string" ||
        (p["id-token"] && !oidc) ||
        p.actions === "write" ||
        p.packages === "write"
      ) {
        problems.push(`${file} job ${id}: permissions ${JSON.stringify(p)}`);
      }
    }
  }
  return problems;
}

/** Actions from other repositories are pinned to a full commit SHA. */
function pinProblems(texts: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(texts)) {
    for (const match of text.matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)/gm)) {
      const ref = match[1];
      if (ref.startsWith("./")) continue;
      if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref)) {
        problems.push(`${file}: ${ref} is not pinned to a commit SHA`);
      }
    }
  }
  return problems;
}

// ------------------------------------------------------------------ the report step's script --

function reportScript(doc: Doc): string {
  const step = stepsOf(doc.jobs?.report ?? {}).find((s) =>
    s.uses?.startsWith("actions/github-script@"),
  );
  const script = step?.with?.script;
  return typeof script === "string" ? script : "";
}

interface Api {
  comments: Array<{ id: number; body: string; user: { login: string } }>;
  created: string[];
  updated: Array<{ id: number; body: string }>;
  checks: Array<{
    name: string;
    conclusion: string;
    head_sha: string;
    output: { title: string; summary: string };
  }>;
}

/** Runs the report script as actions/github-script would, against a stand-in API. */
async function runReport(
  files: { comment?: string; checks?: object[] },
  env: { stacks: string[]; chain: string[]; previewResult?: string },
  comments: Api["comments"] = [],
): Promise<Api> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
  try {
    if (files.comment !== undefined) fs.writeFileSync(path.join(dir, "comment.md"), files.comment);
    if (files.checks) {
      fs.writeFileSync(
        path.join(dir, "checks.jsonl"),
        files.checks.map((c) => JSON.stringify(c)).join("\n") + "\n",
      );
    }
    const api: Api = { comments, created: [], updated: [], checks: [] };
    const github = {
      paginate: (_fn: unknown, _params: unknown) => Promise.resolve(api.comments),
      rest: {
        issues: {
          listComments: () => undefined,
          updateComment: (p: { comment_id: number; body: string }) =>
            Promise.resolve(api.updated.push({ id: p.comment_id, body: p.body })),
          createComment: (p: { body: string }) => Promise.resolve(api.created.push(p.body)),
        },
        checks: { create: (p: Api["checks"][number]) => Promise.resolve(api.checks.push(p)) },
      },
    };
    const context = {
      repo: { owner: "data-literate", repo: "dex" },
      payload: { pull_request: { number: 12, head: { sha: "f".repeat(40) } } },
      serverUrl: "https://github.com",
      runId: 99,
    };
    const processStandIn = {
      env: {
        DIR: dir,
        STACKS: JSON.stringify(env.stacks),
        CHAIN: JSON.stringify(env.chain),
        PREVIEW_RESULT: env.previewResult ?? "success",
      },
    };
    // The constructor of async functions, as github-script wraps its script in one.
    const AsyncFunction = Object.getPrototypeOf(async function () {
      await Promise.resolve();
    }).constructor;
    const script = reportScript(load(path.join(WORKFLOWS, "preview.yml")));
    await new AsyncFunction("require", "github", "context", "core", "process", script)(
      require,
      github,
      context,
      { info: () => undefined },
      processStandIn,
    );
    return api;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const MARKER = "<!-- promotion-as-code:preview -->";

// ------------------------------------------------------------------------------------ tests --

describe("workflows: up on push to main", () => {
  it("runs each stack's up in its GitHub environment, one at a time, never cancelled", () => {
    assert.deepEqual(upJobProblems(workflows()), []);
  });

  it("finds an up job without environment, or whose concurrency cancels or is shared", () => {
    const docs = workflows();
    const broken = clone(docs["up.yml"]);
    broken.jobs.up.concurrency["cancel-in-progress"] = true;
    assert.match(upJobProblems({ "up.yml": broken }).join(), /cancel-in-progress must be false/);
    broken.jobs.up.concurrency = { group: "pulumi-up", "cancel-in-progress": false };
    assert.match(upJobProblems({ "up.yml": broken }).join(), /concurrency group/);
    delete broken.jobs.up.environment;
    assert.match(upJobProblems({ "up.yml": broken }).join(), /runs up without an environment/);
    const deployments = clone(docs["deployments.yml"]);
    deployments.jobs.deploy.concurrency.group = "pulumi-up-dev";
    assert.match(
      upJobProblems({ "deployments.yml": deployments }).join(),
      /is not pulumi-up-\$\{\{/,
    );
    // A job that deploys in the bot's environment instead of its stack's.
    deployments.jobs.deploy.environment = { name: BOT_ENVIRONMENT };
    assert.match(
      upJobProblems({ "deployments.yml": deployments }).join(),
      /is not pulumi-up-promotion/,
    );
  });

  it("takes the stacks in chain order from npm run ci -- affected", () => {
    assert.deepEqual(chainOrderProblems(workflows()["up.yml"]), []);
  });

  it("finds parallel ups, a fixed list of stacks, and a trigger other than main", () => {
    const broken = clone(workflows()["up.yml"]);
    broken.jobs.up.strategy["max-parallel"] = 3;
    broken.jobs.up.strategy.matrix.stack = ["dev", "stage", "prod"];
    broken.on.push.branches = ["release"];
    const problems = chainOrderProblems(broken).join("\n");
    assert.match(problems, /one stack at a time/);
    assert.match(problems, /matrix is not the affected stacks/);
    assert.match(problems, /push to main/);
  });
});

describe("workflows: preview on pull requests", () => {
  it("previews through npm run ci, publishes one check per stack and one comment", () => {
    assert.deepEqual(previewProblems(workflows()["preview.yml"]), []);
  });

  it("finds a report that does not run after a failed preview", () => {
    const broken = clone(workflows()["preview.yml"]);
    broken.jobs.report.if = "needs.affected.result == 'success'";
    delete broken.jobs.report.permissions.checks;
    const problems = previewProblems(broken).join("\n");
    assert.match(problems, /if: !cancelled\(\)/);
    assert.match(problems, /checks: write/);
  });

  it("fails a refused promotion's check with the gate's message; skips stacks not affected", async () => {
    const gate = "Refused: stage pins sha-0badc0de, which dev does not run (lineage gate)";
    const api = await runReport(
      {
        comment: `${MARKER}\n## Preview\n`,
        checks: [
          { stack: "dev", conclusion: "success", title: "no changes", summary: "ok" },
          { stack: "stage", conclusion: "failure", title: "promotion refused", summary: gate },
        ],
      },
      { stacks: ["dev", "stage"], chain: ["dev", "stage", "prod"], previewResult: "failure" },
    );
    assert.deepEqual(
      api.checks.map((c) => [c.name, c.conclusion]),
      [
        ["preview (dev)", "success"],
        ["preview (stage)", "failure"],
        ["preview (prod)", "skipped"],
      ],
    );
    assert.equal(api.checks[1].output.summary, gate);
    assert.ok(api.checks.every((c) => c.head_sha === "f".repeat(40)));
    assert.deepEqual(api.created, [`${MARKER}\n## Preview\n`]);
  });

  it("updates the one comment that carries the marker instead of adding another", async () => {
    const api = await runReport(
      {
        comment: `${MARKER}\nnew`,
        checks: [{ stack: "dev", conclusion: "success", title: "t", summary: "s" }],
      },
      { stacks: ["dev"], chain: ["dev"] },
      [
        { id: 1, body: "LGTM", user: { login: "reviewer" } },
        { id: 2, body: `${MARKER}\nold`, user: { login: "github-actions[bot]" } },
      ],
    );
    assert.deepEqual(api.updated, [{ id: 2, body: `${MARKER}\nnew` }]);
    assert.deepEqual(api.created, []);
  });

  it("fails the check of an affected stack that has no result (the preview crashed)", async () => {
    const api = await runReport(
      {},
      { stacks: ["stage"], chain: ["dev", "stage"], previewResult: "failure" },
    );
    assert.deepEqual(
      api.checks.map((c) => [c.name, c.conclusion]),
      [
        ["preview (dev)", "skipped"],
        ["preview (stage)", "failure"],
      ],
    );
    assert.deepEqual(api.created, [], "no comment without a preview and without an earlier one");
  });
});

describe("workflows: secrets", () => {
  it("come from secrets.* only, reach scripts through env and are never printed", () => {
    assert.deepEqual(secretProblems(workflows()), []);
  });

  it("finds a token from vars, a secret in a run: script, and an echoed secret", () => {
    const broken = clone(workflows()["up.yml"]);
    broken.jobs.up.env.PULUMI_ACCESS_TOKEN = "${{ vars.PULUMI_ACCESS_TOKEN }}";
    broken.jobs.up.steps.push({ run: "echo ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" });
    broken.jobs.up.steps.push({ run: 'echo "token: $GITHUB_TOKEN"' });
    const problems = secretProblems({ "up.yml": broken }).join("\n");
    assert.match(problems, /PULUMI_ACCESS_TOKEN must come from secrets\.\*/);
    assert.match(problems, /uses \$\{\{ \}\}/);
    assert.match(problems, /prints the secret GITHUB_TOKEN/);
  });
});

describe("workflows: runners and the engine", () => {
  it("Node 20, pulumi at @pulumi/pulumi's version, toolchain.sh on self-hosted runners", () => {
    assert.deepEqual(setupProblems(load(SETUP_ACTION), pulumiSdkVersion()), []);
    assert.deepEqual(jobSetupProblems(workflows()), []);
  });

  it("finds another Node, a pulumi CLI that is not the SDK's version, npm before setup", () => {
    const action = clone(load(SETUP_ACTION));
    const steps = action.runs.steps as Step[];
    steps.find((s) => s.uses?.startsWith("actions/setup-node@"))!.with!["node-version"] = 22;
    const problems = setupProblems(action, "3.999.0").join("\n");
    assert.match(problems, /node-version 22, not 20/);
    assert.match(problems, /pulumi CLI \d+\.\d+\.\d+, but @pulumi\/pulumi is 3\.999\.0/);
    const broken = clone(workflows()["up.yml"]);
    const steps2 = broken.jobs.up.steps as Step[];
    steps2.splice(
      steps2.findIndex((s) => s.uses === "./.github/actions/setup"),
      1,
    );
    assert.match(jobSetupProblems({ "up.yml": broken }).join(), /runs npm before/);
    const install = steps.find((s) => s.run?.startsWith("npm ci"))!;
    install.run = "npm ci --no-audit --no-fund";
    assert.match(setupProblems(action, "3.999.0").join(), /npm ci without --ignore-scripts/);
  });

  it("read-only by default; other repositories' actions pinned to a commit", () => {
    assert.deepEqual(permissionProblems(workflows()), []);
    const texts: Record<string, string> = { "action.yml": fs.readFileSync(SETUP_ACTION, "utf8") };
    for (const name of Object.keys(workflows())) {
      texts[name] = fs.readFileSync(path.join(WORKFLOWS, name), "utf8");
    }
    assert.deepEqual(pinProblems(texts), []);
    assert.match(
      pinProblems({ "x.yml": "    - uses: actions/checkout@v7\n" }).join(),
      /not pinned/,
    );
    const broken = clone(workflows()["preview.yml"]);
    broken.permissions = "write-all";
    assert.match(permissionProblems({ "preview.yml": broken }).join(), /contents: read/);
    const up = clone(workflows()["up.yml"]);
    up.jobs.up.permissions["id-token"] = "write";
    assert.match(permissionProblems({ "up.yml": up }).join(), /job up: permissions/);
  });
});

describe("workflows: promote by hand, on a schedule, and from the build", () => {
  it("promotion-workflow.yml takes from_env, to_env, app, tag and runs npm run promote", () => {
    const doc = workflows()["promotion-workflow.yml"];
    const inputs = Object.keys(triggers(doc).workflow_dispatch.inputs);
    assert.deepEqual(inputs, ["from_env", "to_env", "app", "tag"]);
    const script = runs(doc.jobs.promote).join("\n");
    assert.match(script, /args=\(promote --from "\$FROM_ENV" --to "\$TO_ENV"\)/);
    assert.match(script, /npm run --silent promote -- "\$\{args\[@\]\}"/);
    // The bot's token reaches the one step that pushes and opens the pull request, not the job.
    assert.equal(doc.jobs.promote.env.GH_TOKEN, undefined);
    const pushing = stepsOf(doc.jobs.promote).filter((s) => s.env?.GH_TOKEN !== undefined);
    assert.deepEqual(
      pushing.map((s) => s.name),
      ["npm run promote -- promote"],
    );
    assert.match(String(pushing[0].env!.GH_TOKEN), /^\$\{\{ secrets\.PROMOTION_BOT_TOKEN/);
    assert.deepEqual(doc.jobs.promote.environment, { name: BOT_ENVIRONMENT });
  });

  it("auto-promote.yml runs every 6 hours through scripts/auto-promote.ts", () => {
    const doc = workflows()["auto-promote.yml"];
    assert.deepEqual(triggers(doc).schedule, [{ cron: "0 */6 * * *" }]);
    assert.ok(runs(doc.jobs["auto-promote"]).includes("npm run --silent auto-promote"));
  });

  it("bump-dev.yml is reusable, bumps with npm run bump, and deploys through a pull request", () => {
    const doc = workflows()["bump-dev.yml"];
    assert.ok(triggers(doc).workflow_call);
    const script = runs(doc.jobs.bump).join("\n");
    assert.match(script, /npm run --silent bump -- --app "\$APP" --tag "\$TAG"/);
    // Not straight to main, and not "[skip ci]": the pull request's checks must run.
    assert.doesNotMatch(script, /\[skip ci\]/);
    assert.doesNotMatch(script, /HEAD:\$BRANCH|HEAD:main/);
    assert.match(script, /gh pr create --base "\$BRANCH"/);
    assert.match(script, /gh pr merge --auto --squash/);
    // The merge is a push to main: up.yml deploys dev with the policy pack, after the descendant
    // check; bump-dev.yml has no up of its own any more.
    assert.deepEqual(Object.keys(doc.jobs), ["bump"]);
    assert.deepEqual(doc.jobs.bump.environment, { name: BOT_ENVIRONMENT });
  });
});

// ------------------------------------------------------- scripts run on a scratch repository --

const sh = (cwd: string, ...args: string[]) =>
  execFileSync(args[0], args.slice(1), { cwd, encoding: "utf8", env: gitEnv(cwd) }).trim();

/** git without the machine's or the user's configuration, as a fresh runner. */
function gitEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@example.com",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@example.com",
    ...extra,
  };
}

/** A `gh` on PATH that logs its arguments and answers from files in the fixture directory. */
function stubGh(dir: string): string {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, "gh"),
    [
      "#!/usr/bin/env bash",
      'echo "$*" >>"$GH_FIXTURE/gh.log"',
      'case "$1 $2" in',
      '  "pr create") echo "https://github.com/data-literate/dex/pull/7" ;;',
      '  "pr list"|"pr merge") ;;',
      '  "api "*/statuses*) id="${2#*/deployments/}"; cat "$GH_FIXTURE/state-${id%%/*}" 2>/dev/null || true ;;',
      '  "api "*deployments*) cat "$GH_FIXTURE/deployments" 2>/dev/null || true ;;',
      '  *) echo "gh stub: unexpected $*" >&2; exit 3 ;;',
      "esac",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return bin;
}

/** Runs a step's script as GitHub runs `shell: bash` (bash -e -o pipefail). */
function runStep(
  script: string,
  cwd: string,
  env: Record<string, string>,
): { status: number; out: string } {
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd,
    encoding: "utf8",
    env: gitEnv(env.HOME ?? cwd, env),
  });
  return { status: result.status ?? -1, out: `${result.stdout}${result.stderr}` };
}

describe("workflows: the dev bump is a pull request with auto-merge", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bump-pr-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function scratch(): {
    work: string;
    origin: string;
    mainBefore: string;
    env: Record<string, string>;
  } {
    const origin = path.join(dir, "origin.git");
    const work = path.join(dir, "work");
    sh(dir, "git", "init", "--quiet", "--bare", "-b", "main", origin);
    sh(dir, "git", "init", "--quiet", "-b", "main", work);
    fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "dex: sha-0000000\n");
    sh(work, "git", "add", ".");
    sh(work, "git", "commit", "--quiet", "-m", "start");
    sh(work, "git", "remote", "add", "origin", origin);
    sh(work, "git", "push", "--quiet", "origin", "main");
    // What npm run bump leaves: the tag line changed in the working tree.
    fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "dex: sha-abc1234\n");
    const step = stepsOf(workflows()["bump-dev.yml"].jobs.bump).find(
      (s) => s.name === "Pull request with auto-merge",
    );
    assert.ok(step, "bump-dev.yml has no step 'Pull request with auto-merge'");
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.env ?? {})) {
      if (!String(v).includes("${{")) env[k] = String(v);
    }
    Object.assign(env, {
      HOME: dir,
      PATH: `${stubGh(dir)}:${process.env.PATH}`,
      GH_FIXTURE: dir,
      GH_TOKEN: "bot-token",
      FILE: "Pulumi.dev.yaml",
      ENVIRONMENT: "dev",
      APP: "dex",
      TAG: "sha-abc1234",
      BRANCH: "main",
      GIT_NAME: "release-bot",
      GIT_EMAIL: "bot@example.com",
      GITHUB_OUTPUT: path.join(dir, "output"),
      GITHUB_STEP_SUMMARY: path.join(dir, "summary"),
      GITHUB_REPOSITORY: "data-literate/dex",
      GITHUB_SHA: "f".repeat(40),
    });
    return { work, origin, mainBefore: sh(origin, "git", "rev-parse", "main"), env };
  }

  const script = () =>
    String(
      stepsOf(workflows()["bump-dev.yml"].jobs.bump).find(
        (s) => s.name === "Pull request with auto-merge",
      )?.run,
    );

  it("pushes a branch, not main, and opens the pull request with auto-merge (squash)", () => {
    const { work, origin, mainBefore, env } = scratch();
    const { status, out } = runStep(script(), work, env);
    assert.equal(status, 0, out);
    assert.equal(sh(origin, "git", "rev-parse", "main"), mainBefore, "main moved");
    const head = "bump/dev/dex/sha-abc1234";
    assert.equal(sh(origin, "git", "show", `${head}:Pulumi.dev.yaml`), "dex: sha-abc1234");
    assert.equal(
      sh(origin, "git", "log", "-1", "--format=%s", head),
      "ci: bump dev dex to sha-abc1234",
    );
    const gh = fs.readFileSync(path.join(dir, "gh.log"), "utf8");
    assert.match(gh, /^pr create --base main --head bump\/dev\/dex\/sha-abc1234 /m);
    assert.match(
      gh,
      /^pr merge --auto --squash https:\/\/github\.com\/data-literate\/dex\/pull\/7$/m,
    );
    assert.match(
      fs.readFileSync(env.GITHUB_OUTPUT, "utf8"),
      /^url=https:\/\/github\.com\/.*\/pull\/7$/m,
    );
    // No token written into the repository's configuration.
    assert.doesNotMatch(
      fs.readFileSync(path.join(work, ".git", "config"), "utf8"),
      /bot-token|extraheader/,
    );
  });

  it("refuses without the bot's token: a pull request opened with GITHUB_TOKEN gets no checks", () => {
    const { work, origin, env } = scratch();
    const { status, out } = runStep(script(), work, { ...env, GH_TOKEN: "" });
    assert.equal(status, 1);
    assert.match(out, /PROMOTION_BOT_TOKEN as a secret of the environment promotion/);
    assert.throws(() =>
      sh(origin, "git", "rev-parse", "--verify", "--quiet", "bump/dev/dex/sha-abc1234"),
    );
  });
});

describe("workflows: tokens only where reviewed code runs", () => {
  it("the preview holds no admin token: GitHub anonymously, the backend with a preview-only one", () => {
    const job = workflows()["preview.yml"].jobs.preview;
    const text = JSON.stringify(job);
    assert.doesNotMatch(
      text,
      /PROMOTION_GITHUB_TOKEN|PROMOTION_BOT_TOKEN|secrets\.PULUMI_ACCESS_TOKEN/,
    );
    assert.doesNotMatch(text, /secrets\.PULUMI_CONFIG_PASSPHRASE/);
    assert.ok(
      stepsOf(job).every((s) => s.env?.GITHUB_TOKEN === undefined) && !job.env?.GITHUB_TOKEN,
      "the preview passes no GITHUB_TOKEN to the program",
    );
    const oidc = stepsOf(job).find((s) => s.uses?.startsWith("pulumi/auth-actions@"));
    assert.equal(oidc?.with?.["requested-token-type"], "urn:pulumi:token-type:access_token:team");
    assert.equal(oidc?.with?.["export-environment-variables"], false);
    const preview = stepsOf(job).find((s) => s.id === "preview");
    assert.equal(preview?.env?.GH_TOKEN, "${{ secrets.GITHUB_TOKEN }}");
    assert.match(String(preview?.env?.PULUMI_ACCESS_TOKEN), /PULUMI_PREVIEW_ACCESS_TOKEN/);
  });

  it("up.yml refuses a dispatch from another branch before anything runs", () => {
    const first = stepsOf(workflows()["up.yml"].jobs.affected)[0];
    assert.equal(first.if, "github.ref != 'refs/heads/main'");
    assert.match(String(first.run), /exit 1/);
  });

  it("the jobs that hold the bot's token name the environment promotion", () => {
    const holders: string[] = [];
    for (const [file, doc] of Object.entries(workflows())) {
      for (const [id, job] of jobsOf(doc)) {
        if (!JSON.stringify(job).includes("secrets.PROMOTION_BOT_TOKEN")) continue;
        holders.push(`${file} ${id}`);
        assert.deepEqual(job.environment, { name: BOT_ENVIRONMENT }, `${file} job ${id}`);
      }
    }
    assert.deepEqual(holders.sort(), [
      "auto-promote.yml auto-promote",
      "bump-dev.yml bump",
      "promotion-workflow.yml promote",
    ]);
  });
});

describe("workflows: only forward (the descendant check before up and deploy)", () => {
  const ACTION = path.join(ROOT, ".github", "actions", "deployed-descendant", "action.yml");
  let dir: string;
  let repo: string;
  const shas: Record<string, string> = {};
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "descendant-"));
    repo = path.join(dir, "repo");
    sh(dir, "git", "init", "--quiet", "-b", "main", repo);
    for (const name of ["A", "B", "C"]) {
      sh(repo, "git", "commit", "--quiet", "--allow-empty", "-m", name);
      shas[name] = sh(repo, "git", "rev-parse", "HEAD");
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the check at commit `head` against deployments (newest first) of environment dev. */
  function check(head: string, deployments: Array<[string, string]>) {
    sh(repo, "git", "checkout", "--quiet", "--detach", head);
    fs.writeFileSync(
      path.join(dir, "deployments"),
      deployments.map(([sha], i) => `${deployments.length - i} ${sha}\n`).join(""),
    );
    deployments.forEach(([, state], i) => {
      fs.writeFileSync(path.join(dir, `state-${deployments.length - i}`), `${state}\n`);
    });
    const steps = (load(ACTION).runs?.steps ?? []) as Step[];
    const result = runStep(String(steps[0]?.run), repo, {
      HOME: dir,
      PATH: `${stubGh(dir)}:${process.env.PATH}`,
      GH_FIXTURE: dir,
      GH_TOKEN: "workflow-token",
      STACK: "dev",
      GITHUB_REPOSITORY: "data-literate/dex",
      RUNNER_TEMP: dir,
    });
    return { ...result, gh: fs.readFileSync(path.join(dir, "gh.log"), "utf8") };
  }

  it("is the step before setup and up in up.yml, and before deploy in deployments.yml", () => {
    for (const [file, id] of [
      ["up.yml", "up"],
      ["deployments.yml", "deploy"],
    ]) {
      const job = workflows()[file].jobs[id];
      const steps = stepsOf(job);
      const at = steps.findIndex((s) => s.uses === "./.github/actions/deployed-descendant");
      const setup = steps.findIndex((s) => s.uses === "./.github/actions/setup");
      assert.ok(at > 0 && at < setup, `${file} job ${id}: no descendant check before setup`);
      assert.equal(steps[at].with?.stack, "${{ matrix.stack }}");
      assert.equal(job.permissions?.deployments, "read", `${file} job ${id}: deployments: read`);
      assert.equal(steps[0].with?.["fetch-depth"], 0, `${file} job ${id}: full history`);
    }
  });

  it("lets a descendant of the last successful deployment go up", () => {
    const r = check(shas.C, [[shas.B, "success"]]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`${shas.C} descends from ${shas.B}`));
    assert.match(r.gh, /deployments\?environment=dev&/);
  });

  it("refuses an older commit after a newer one was deployed", () => {
    const r = check(shas.B, [[shas.C, "success"]]);
    assert.equal(r.status, 1);
    assert.match(r.out, new RegExp(`${shas.B} is not a descendant of ${shas.C}`));
  });

  it("counts only successful deployments: a failed newer one does not block", () => {
    const r = check(shas.B, [
      [shas.C, "failure"],
      [shas.A, "success"],
    ]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`descends from ${shas.A}`));
  });

  it("lets the first deployment go; refuses when the last deployed commit is unknown", () => {
    assert.equal(check(shas.A, []).status, 0);
    const r = check(shas.C, [["0123456789abcdef0123456789abcdef01234567", "success"]]);
    assert.equal(r.status, 1);
    assert.match(r.out, /not in this checkout's history/);
  });
});
