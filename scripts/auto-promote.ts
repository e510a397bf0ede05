/**
 * The scheduled automatic promotion (.github/workflows/auto-promote.yml, seed 000: "every 6 hours
 * if dev is stable"): `npm run auto-promote`.
 *
 * For each environment whose stack file sets `promotion:autoPromote: true` (read from
 * `npm run promote -- status --json`, row key `autoPromote`; default off everywhere, prod
 * included: only an explicit `true` in that environment's own file counts) and that is behind its
 * upstream: `promote --dry-run`, then the real `promote` (which opens the pull request), then
 * `gh pr merge --auto`, so the pull request merges once its required checks (the preview, where
 * the lineage gate checks the upstream's health and soak time) and reviews pass. Every outcome,
 * a refusal above all, is written as markdown to $GITHUB_STEP_SUMMARY (or stdout).
 *
 * Exit 0 when every environment was promoted, up to date or refused (a refusal is the answer "not
 * now", reported in the summary); 1 when a command failed; 2 on a usage error.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}
export type Run = (command: string, args: string[]) => Ran;

/** The part of a `status --json` row this reads. */
interface StatusRow {
  environment: string;
  app: string;
  upstream: string | null;
  behind: boolean | null;
  error: string | null;
  autoPromote?: unknown;
}

export interface Target {
  from: string;
  to: string;
}

export interface Selection {
  targets: Target[];
  /** Why each environment marked for automatic promotion is not a target now. */
  skipped: string[];
  /** Environments marked, in chain order. */
  marked: string[];
}

/**
 * Which environments to promote, in chain order: marked with exactly `autoPromote: true`, with an
 * upstream, readable, and behind it for some app.
 */
export function selectTargets(status: { chain: string[]; rows: StatusRow[] }): Selection {
  const targets: Target[] = [];
  const skipped: string[] = [];
  const marked: string[] = [];
  for (const env of status.chain) {
    const rows = status.rows.filter((r) => r.environment === env);
    if (!rows.some((r) => r.autoPromote === true)) continue;
    marked.push(env);
    const broken = rows.find((r) => r.error !== null);
    const upstream = rows.find((r) => r.upstream !== null)?.upstream ?? null;
    if (broken) skipped.push(`${env}: its stack file cannot be read (${broken.error})`);
    else if (upstream === null) skipped.push(`${env}: first in the chain, it has no upstream`);
    else if (!rows.some((r) => r.behind === true)) {
      skipped.push(`${env}: already runs what ${upstream} pins`);
    } else targets.push({ from: upstream, to: env });
  }
  return { targets, skipped, marked };
}

const PROMOTE = ["run", "--silent", "promote", "--"];

function quoted(text: string): string {
  const body = text.trim() || "(no output)";
  return ["```", body.replace(/```/g, "'''"), "```"].join("\n");
}

/** The pull request the real run opened, from the CLI's "Opened the pull request: <url>". */
export function pullRequestUrl(output: string): string | undefined {
  return /Opened the pull request: (\S+)/.exec(output)?.[1];
}

export type MergeMethod = "merge" | "squash" | "rebase";

export interface Outcome {
  /** Markdown for the job summary. */
  summary: string;
  /** True when a command failed (not a refusal). */
  failed: boolean;
}

/** One environment: dry run, real run, auto-merge. */
export function promoteOne(run: Run, target: Target, method: MergeMethod): Outcome {
  const { from, to } = target;
  const head = `### ${from} -> ${to}`;
  const args = [...PROMOTE, "promote", "--from", from, "--to", to];
  const dry = run("npm", [...args, "--dry-run"]);
  if (dry.status !== 0) {
    const refused = dry.status === 1 && /Refused:/.test(dry.stderr);
    return {
      summary: `${head}\n\n${refused ? "Not promoted: refused by the dry run" : `Failed: the dry run exited ${dry.status}`}:\n\n${quoted(dry.stderr || dry.stdout)}`,
      failed: !refused,
    };
  }
  if (/Nothing to do/.test(dry.stdout + dry.stderr)) {
    return {
      summary: `${head}\n\nNothing to do: ${to} already runs what ${from} runs.`,
      failed: false,
    };
  }
  const real = run("npm", args);
  if (real.status !== 0) {
    // A refusal now that the dry run passed: typically the branch (an earlier automatic
    // promotion's pull request) still exists.
    const refused = real.status === 1 && /Refused:/.test(real.stderr);
    return {
      summary: `${head}\n\n${refused ? "Not promoted: refused" : `Failed: promote exited ${real.status}`}:\n\n${quoted(real.stderr || real.stdout)}`,
      failed: !refused,
    };
  }
  const url = pullRequestUrl(real.stdout);
  if (!url) {
    return {
      summary: `${head}\n\nFailed: promote opened no pull request (is gh on PATH and origin set?):\n\n${quoted(real.stdout)}`,
      failed: true,
    };
  }
  const merge = run("gh", ["pr", "merge", "--auto", `--${method}`, url]);
  if (merge.status !== 0) {
    return {
      summary: `${head}\n\nOpened ${url}, but auto-merge could not be enabled (allow auto-merge in the repository settings):\n\n${quoted(merge.stderr || merge.stdout)}`,
      failed: true,
    };
  }
  return {
    summary: `${head}\n\nOpened ${url} with auto-merge (${method}): it merges once its required checks and reviews pass.`,
    failed: false,
  };
}

/** The whole run; returns the exit code. */
export function autoPromote(
  run: Run,
  write: (markdown: string) => void,
  method: MergeMethod,
): number {
  const ran = run("npm", [...PROMOTE, "status", "--json"]);
  let status: { chain: string[]; rows: StatusRow[] };
  try {
    status = JSON.parse(ran.stdout) as typeof status;
  } catch {
    write(
      `## Automatic promotion\n\nFailed: \`status --json\` exited ${ran.status} without JSON:\n\n${quoted(ran.stderr)}`,
    );
    return 1;
  }
  const { targets, skipped, marked } = selectTargets(status);
  const parts = ["## Automatic promotion"];
  if (marked.length === 0) {
    parts.push(
      "No environment is marked for automatic promotion: set `promotion:autoPromote: true` in its stack file (docs/workflows.md).",
    );
  }
  if (skipped.length > 0) parts.push(skipped.map((s) => `- ${s}`).join("\n"));
  let failed = false;
  for (const target of targets) {
    const outcome = promoteOne(run, target, method);
    parts.push(outcome.summary);
    failed ||= outcome.failed;
  }
  write(`${parts.join("\n\n")}\n`);
  return failed ? 1 : 0;
}

function processRun(command: string, args: string[]): Ran {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ran = {
    status: result.status ?? 1,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? (result.error ? String(result.error) : ""),
  };
  console.error(`$ ${command} ${args.join(" ")}  (exit ${ran.status})`);
  if (ran.stdout) console.error(ran.stdout.trimEnd());
  if (ran.stderr) console.error(ran.stderr.trimEnd());
  return ran;
}

if (require.main === module) {
  const method = process.env.PROMOTION_AUTO_MERGE_METHOD || "merge";
  if (method !== "merge" && method !== "squash" && method !== "rebase") {
    console.error(`PROMOTION_AUTO_MERGE_METHOD=${method}; accepted: merge, squash, rebase`);
    process.exit(2);
  }
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  const write = (markdown: string) =>
    summaryFile ? fs.appendFileSync(summaryFile, markdown) : process.stdout.write(markdown);
  process.exit(autoPromote(processRun, write, method));
}
