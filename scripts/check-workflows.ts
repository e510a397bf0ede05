/**
 * scripts/check-workflows.ts - the static check of .github/workflows that keeps tokens where only
 * reviewed code runs (docs/security.md, "Workflows and tokens"). Run by scripts/lint-workflows.sh
 * next to actionlint and ghalint:
 *
 *   node boot/run.js scripts/check-workflows.ts [dir]     (default: .github/workflows)
 *
 * For each job it computes the secrets the job can read (secrets.* anywhere in the job, and in the
 * workflow-level env), the triggers that reach it (the workflow's own `on:`, and for a reusable
 * workflow the triggers of the workflows in the same directory that call it), and whether it
 * declares a GitHub environment. Rules (each finding names the workflow, the job and the rule):
 *
 *   privileged-secret    a job reachable from pull_request / pull_request_target reads no
 *                        privileged secret; a job reachable from anything else that a writer can
 *                        start from their own branch (workflow_dispatch, workflow_call, a push to
 *                        a branch other than main, ...) reads one only when it declares an
 *                        environment (whose deployment-branch policy must be main only: that is
 *                        the environment's setting, which governance declares, not this file's).
 *   persist-credentials  every actions/checkout step sets persist-credentials: false.
 *   permissions          every job declares `permissions`.
 *
 * checkWorkflows() is the decision: text in, findings out, no I/O. main() at the bottom reads the
 * files and prints.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/**
 * Secrets that can push to main, change governance, or read and write the stacks' state: they live
 * only as environment secrets of environments only main may deploy to (docs/security.md). Derived
 * from what the workflows use; a new such secret belongs here.
 */
export const PRIVILEGED_SECRETS: ReadonlyMap<string, string> = new Map([
  [
    "PROMOTION_GITHUB_TOKEN",
    "repository admin: writes branch protection, environments, CODEOWNERS",
  ],
  ["PROMOTION_BOT_TOKEN", "the release bot: pushes branches, opens and auto-merges pull requests"],
  ["PULUMI_ACCESS_TOKEN", "Pulumi Cloud: updates the stacks and reads their secrets"],
  ["PULUMI_CONFIG_PASSPHRASE", "decrypts the stacks' secrets (self-managed backend)"],
]);

export type Rule = "privileged-secret" | "persist-credentials" | "permissions" | "parse";

export interface Finding {
  workflow: string;
  job: string;
  rule: Rule;
  /** The secret, for privileged-secret. */
  secret?: string;
  message: string;
}

/** What the check learnt of one job; exported for the tests and the docs' table. */
export interface JobFacts {
  workflow: string;
  job: string;
  secrets: string[];
  triggers: string[];
  environment: boolean;
}

/** Triggers whose run uses the pull request's own code and workflow files. */
const PULL_REQUEST = new Set(["pull_request", "pull_request_target"]);

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

/** `on:` as a map of trigger name to its settings (a string and a list are shorthands). */
function triggersOf(doc: Doc): Map<string, unknown> {
  const on = doc.on ?? doc.true; // YAML 1.1 readers turn a bare `on` key into `true`
  if (typeof on === "string") return new Map([[on, {}]]);
  if (Array.isArray(on)) return new Map(on.map((t) => [String(t), {}]));
  return new Map(isObject(on) ? Object.entries(on) : []);
}

/**
 * A trigger's name for the findings: `push` becomes `push(main)` when every branch filter is main,
 * else `push(any branch)`: only the first runs nothing but reviewed code.
 */
function triggerName(name: string, settings: unknown): string {
  if (name !== "push") return name;
  const branches = isObject(settings) ? settings.branches : undefined;
  const onlyMain =
    Array.isArray(branches) && branches.length > 0 && branches.every((b) => b === "main");
  const tagsOnly = isObject(settings) && settings.tags !== undefined && branches === undefined;
  return onlyMain ? "push(main)" : tagsOnly ? "push(tags)" : "push(any branch)";
}

/** Triggers that run only what main holds: main's pushes and main's schedule. */
const REVIEWED_ONLY = new Set(["push(main)", "schedule"]);

/** Every secrets.NAME (and secrets['NAME']) in a value; `*` for toJSON(secrets) or inherit. */
function secretsIn(value: unknown): Set<string> {
  const text = JSON.stringify(value ?? null);
  const found = new Set<string>();
  for (const m of text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)) found.add(m[1]);
  for (const m of text.matchAll(/secrets\[\\?['"]([A-Za-z_][A-Za-z0-9_]*)\\?['"]\]/g)) {
    found.add(m[1]);
  }
  if (/toJSON\(\s*secrets\s*\)/i.test(text)) found.add("*");
  return found;
}

const isCheckout = (uses: unknown) =>
  typeof uses === "string" && /^actions\/checkout@/.test(uses.trim());

/** The workflow file a job calls (`uses: ./.github/workflows/x.yml`), by base name. */
function calledWorkflow(job: Doc): string | undefined {
  const uses = job.uses;
  if (typeof uses !== "string") return undefined;
  const m = /^\.\/\.github\/workflows\/([^@/]+\.ya?ml)$/.exec(uses.trim());
  return m?.[1];
}

interface Parsed {
  name: string;
  doc: Doc;
}

/**
 * The facts of every job. Secrets of a called workflow's jobs count for its caller job when the
 * caller passes `secrets: inherit`; the caller's triggers reach the called workflow's jobs.
 */
export function jobFacts(files: Parsed[]): JobFacts[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  // Triggers reaching each workflow: its own `on:` plus its in-repo callers' triggers. A reusable
  // workflow keeps workflow_call itself: other repositories' workflows may call it too.
  const reach = new Map<string, Set<string>>();
  for (const f of files) {
    reach.set(
      f.name,
      new Set([...triggersOf(f.doc)].map(([name, settings]) => triggerName(name, settings))),
    );
  }
  // Propagate through callers until nothing changes (chains of reusable workflows).
  for (let changed = true; changed;) {
    changed = false;
    for (const f of files) {
      for (const job of Object.values(isObject(f.doc.jobs) ? f.doc.jobs : {})) {
        const callee = isObject(job) ? calledWorkflow(job) : undefined;
        if (!callee || !byName.has(callee)) continue;
        const target = reach.get(callee)!;
        for (const t of reach.get(f.name)!) {
          if (!target.has(t)) {
            target.add(t);
            changed = true;
          }
        }
      }
    }
  }

  const facts: JobFacts[] = [];
  for (const f of files) {
    const workflowSecrets = secretsIn(f.doc.env);
    for (const [id, job] of Object.entries(isObject(f.doc.jobs) ? f.doc.jobs : {})) {
      if (!isObject(job)) continue;
      const secrets = new Set([...workflowSecrets, ...secretsIn(job)]);
      const callee = calledWorkflow(job);
      if (callee && job.secrets === "inherit") {
        const called = byName.get(callee);
        if (called) {
          for (const s of secretsIn(called.doc)) secrets.add(s);
        } else {
          secrets.add("*");
        }
      }
      const environment = job.environment;
      facts.push({
        workflow: f.name,
        job: id,
        secrets: [...secrets].sort(),
        triggers: [...reach.get(f.name)!].sort(),
        environment:
          (typeof environment === "string" && environment.trim() !== "") ||
          (isObject(environment) &&
            typeof environment.name === "string" &&
            environment.name.trim() !== ""),
      });
    }
  }
  return facts;
}

/** The privileged secrets a job reads (`*` reads them all). */
function privilegedOf(secrets: string[]): string[] {
  if (secrets.includes("*")) return [...PRIVILEGED_SECRETS.keys()];
  return secrets.filter((s) => PRIVILEGED_SECRETS.has(s));
}

/** The check: workflow texts by file name in, findings out (empty: all rules hold). */
export function checkWorkflows(texts: Record<string, string>): Finding[] {
  const findings: Finding[] = [];
  const files: Parsed[] = [];
  for (const [name, text] of Object.entries(texts).sort(([a], [b]) => a.localeCompare(b))) {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (error) {
      findings.push({
        workflow: name,
        job: "-",
        rule: "parse",
        message: `${name}: not valid YAML (${(error as Error).message.split("\n")[0]})`,
      });
      continue;
    }
    if (!isObject(doc) || !isObject(doc.jobs)) {
      findings.push({
        workflow: name,
        job: "-",
        rule: "parse",
        message: `${name}: no jobs: map (a workflow file needs one)`,
      });
      continue;
    }
    files.push({ name, doc });
  }

  for (const fact of jobFacts(files)) {
    const where = `${fact.workflow} job ${fact.job}`;
    const privileged = privilegedOf(fact.secrets);
    if (privileged.length === 0) continue;
    const fromPullRequest = fact.triggers.filter((t) => PULL_REQUEST.has(t));
    const fromAnyBranch = fact.triggers.filter(
      (t) => !PULL_REQUEST.has(t) && !REVIEWED_ONLY.has(t),
    );
    for (const secret of privileged) {
      if (fromPullRequest.length > 0) {
        findings.push({
          workflow: fact.workflow,
          job: fact.job,
          rule: "privileged-secret",
          secret,
          message:
            `${where}: reads the privileged secret ${secret}, but ${fromPullRequest.join(", ")} ` +
            `reaches it (the pull request's own code runs there); give it a preview-only ` +
            `credential instead (docs/security.md)`,
        });
      } else if (fromAnyBranch.length > 0 && !fact.environment) {
        findings.push({
          workflow: fact.workflow,
          job: fact.job,
          rule: "privileged-secret",
          secret,
          message:
            `${where}: reads the privileged secret ${secret}, is reached by ` +
            `${fromAnyBranch.join(", ")} (a writer can run it from their own branch) and ` +
            `declares no environment: add environment: <an environment only main may deploy ` +
            `to> and keep ${secret} as that environment's secret (docs/security.md)`,
        });
      }
    }
  }

  for (const { name, doc } of files) {
    for (const [id, job] of Object.entries(doc.jobs as Doc)) {
      if (!isObject(job)) continue;
      const where = `${name} job ${id}`;
      if (job.permissions === undefined) {
        findings.push({
          workflow: name,
          job: id,
          rule: "permissions",
          message: `${where}: declares no permissions (every job names what its token may do)`,
        });
      }
      const steps = Array.isArray(job.steps) ? job.steps : [];
      steps.forEach((step: unknown, index: number) => {
        if (!isObject(step) || !isCheckout(step.uses)) return;
        const w = isObject(step.with) ? step.with : {};
        const persist = w["persist-credentials"];
        if (persist !== false && persist !== "false") {
          findings.push({
            workflow: name,
            job: id,
            rule: "persist-credentials",
            message:
              `${where}: step ${typeof step.name === "string" ? step.name : index + 1} ` +
              `(actions/checkout) must set persist-credentials: false (the token would stay ` +
              `in .git/config for every later step)`,
          });
        }
      });
    }
  }
  return findings;
}

/** Reads the workflow files of a directory: file name to text. */
export function readWorkflows(dir: string): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    if (/\.ya?ml$/.test(name)) texts[name] = fs.readFileSync(path.join(dir, name), "utf8");
  }
  return texts;
}

function main(argv: string[]): number {
  const dir = argv[0] ?? path.join(".github", "workflows");
  if (!fs.existsSync(dir)) {
    process.stderr.write(`check-workflows: ${dir} does not exist\n`);
    return 2;
  }
  const texts = readWorkflows(dir);
  const findings = checkWorkflows(texts);
  for (const f of findings) {
    process.stdout.write(`${f.rule}: ${f.message}\n`);
  }
  if (findings.length > 0) {
    process.stderr.write(
      `check-workflows: ${findings.length} finding(s) in ${dir} (rules: docs/security.md)\n`,
    );
    return 1;
  }
  process.stderr.write(
    `check-workflows: ${Object.keys(texts).length} workflow files: privileged secrets only in ` +
      `jobs of reviewed code, checkouts without persisted credentials, permissions on every job\n`,
  );
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
