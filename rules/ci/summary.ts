/**
 * The job summary of `npm run ci -- up`: per stack, in chain order, what its `up` deployed (its
 * `apps` and `promotionRecords` outputs: the tag of each app and how it got there), or why it failed,
 * or that it did not run because an earlier stack failed. Pure: results in, markdown out.
 */
import { imageReference } from "../imageTag";
import { parseAllRecords, type PromotionRecord } from "../record";
import { isObject } from "../values";
import type { Affected } from "./affected";
import { buildText, toBuild, type BuildStyle } from "./build";
import { code, codeBlock, escape, plural } from "./markdown";
import { lastLines } from "./preview";
import { findRefusal } from "./refusal";

/** What the program exports per app (index.ts `apps`). */
export interface DeployedApp {
  app: string;
  tag?: string;
  /** The digest pinned with the tag (`sha256:...`), when the stack file pins one. */
  digest?: string;
  image?: string;
  applicationName?: string;
  namespace?: string;
  syncMode?: string;
}

export interface DeployedOutputs {
  apps: DeployedApp[];
  /** Per app, newest first. */
  records: Record<string, PromotionRecord[]>;
  /** The `environmentName` output: whose own digest a `pin` record names when the registry vouched. */
  environment?: string;
}

export type UpOutcome = "deployed" | "failed" | "not-run";

export interface UpResult {
  stack: string;
  outcome: UpOutcome;
  /** The stack's outputs after its up (`scripts/stack.sh output <stack>`), when read. */
  outputs?: unknown;
  /** Why the outputs could not be read after a successful up. */
  outputsUnreadable?: string;
  /** Why the up failed: the refusal, the engine's errors or its last lines. */
  failure?: string;
}

export interface UpContext {
  base: string;
  mergeBase?: string;
  head?: string;
  affected: Affected;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The `apps` and `promotionRecords` outputs, read as leniently as the CLI reads them. */
export function deployedOutputs(outputs: unknown): DeployedOutputs {
  const all = isObject(outputs) ? outputs : {};
  const apps = isObject(all.apps) ? all.apps : {};
  return {
    apps: Object.entries(apps)
      .map(([app, value]) => {
        const summary = isObject(value) ? value : {};
        return {
          app,
          tag: str(summary.tag),
          ...(str(summary.digest) ? { digest: str(summary.digest) } : {}),
          image: str(summary.image),
          applicationName: str(summary.applicationName),
          namespace: str(summary.namespace),
          syncMode: str(summary.syncMode),
        };
      })
      .sort((a, b) => a.app.localeCompare(b.app)),
    records: parseAllRecords(all.promotionRecords),
    ...(str(all.environmentName) ? { environment: str(all.environmentName) } : {}),
  };
}

/**
 * Why an engine run failed, from what it printed: the program's refusal when there is one (its
 * whole text), else its `error:` lines with what follows them indented, else its last lines.
 */
export function engineFailure(stdout: string, stderr: string, exitCode?: number): string {
  const both = `${stdout}\n${stderr}`;
  const refusal = findRefusal(both);
  if (refusal) return refusal.text;
  const lines = both.split("\n");
  const errors: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = /^(\s*)error: (.*)$/.exec(lines[i]);
    if (!match) continue;
    const block = [match[2].trimEnd()];
    for (let j = i + 1; j < lines.length && /^\s/.test(lines[j]) && lines[j].trim() !== ""; j++) {
      if (lines[j].length - lines[j].trimStart().length <= match[1].length) break;
      block.push(lines[j].trimEnd());
      i = j;
    }
    const text = block.join("\n");
    if (!errors.includes(text)) errors.push(text);
  }
  if (errors.length > 0) return errors.join("\n");
  const tail = lastLines(stderr).length > 0 ? lastLines(stderr) : lastLines(stdout);
  return tail.length > 0 ? tail.join("\n") : `exit code ${exitCode ?? "unknown"}, no output`;
}

/**
 * `promotion of sha-def67890 from dev by alice at 2026-01-27T15:20:00Z`, `rollback to sha-0f1e2d3c
 * by carol at ... (login broken)`, `digest pinned for sha-5eed0a1b (sha256:5320f4…) from dev by
 * ...`, `initial record of sha-5eed0a1b by ...`. The build is named as the comment names it: the
 * tag and, when the record has one, the short digest.
 */
export function recordLine(record: PromotionRecord): string {
  const build = buildText(toBuild(record.tag, record.digest));
  const what =
    record.kind === "promotion"
      ? `promotion of ${build} from ${record.from}`
      : record.kind === "rollback"
        ? `rollback to ${build}`
        : record.kind === "hotfix"
          ? `hotfix ${build}`
          : record.kind === "pin"
            ? `digest pinned for ${build} from ${record.from}`
            : `initial record of ${build}`;
  const why = record.reason ? ` (${record.reason})` : "";
  return `${what} by ${record.by} at ${record.at}${why}`;
}

/** Markdown: tags and digests as code, environment names escaped (as in the comment). */
const MARKDOWN: BuildStyle = { value: code, text: escape };

/**
 * `sha-5e6f7a8b` (`sha256:5320f4…`, same bytes stage runs): what the app runs, said as the
 * comment says it, whose digest it is taken from the newest record of the tag it runs.
 */
export function deployedBuild(
  app: DeployedApp,
  records: readonly PromotionRecord[],
  stack: string,
) {
  const build = toBuild(app.tag, app.digest);
  const record = records.find((r) => r.tag === app.tag);
  const provenance = record && { kind: record.kind, from: record.from, environment: stack };
  return buildText(build, provenance, MARKDOWN);
}

function deployedTable(outputs: DeployedOutputs, stack: string): string {
  if (outputs.apps.length === 0) return "No app in the `apps` output.";
  const rows = outputs.apps.map((app) => {
    const records = outputs.records[app.app] ?? [];
    const record = records[0];
    const image = app.image && app.tag ? imageReference(app.image, app.tag) : app.tag;
    return `| ${escape(app.app)} | ${deployedBuild(app, records, outputs.environment ?? stack)} | ${app.applicationName ? code(app.applicationName) : "-"} | ${app.namespace ? code(app.namespace) : "-"} | ${escape(app.syncMode ?? "-")} | ${image ? code(image) : "-"} | ${record ? escape(recordLine(record)) : "-"} |`;
  });
  const checks = outputs.apps
    .map((app) => ({ app: app.app, checks: outputs.records[app.app]?.[0]?.checks }))
    .filter((c) => c.checks)
    .map((c) => `- ${escape(c.app)}: gate checks: ${escape(c.checks ?? "")}`);
  return [
    "| app | build | Application | namespace | sync | image | last record |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    ...(checks.length > 0 ? ["", ...checks] : []),
  ].join("\n");
}

const MARKS: Record<UpOutcome, string> = { deployed: "✅", failed: "❌", "not-run": "⏭️" };

function section(result: UpResult, firstFailure: string | undefined): string {
  const title = `### ${MARKS[result.outcome]} ${escape(result.stack)}: `;
  switch (result.outcome) {
    case "deployed": {
      const body =
        result.outputs !== undefined
          ? deployedTable(deployedOutputs(result.outputs), result.stack)
          : `Deployed; its outputs could not be read: ${escape(result.outputsUnreadable ?? "no outputs")}`;
      return `${title}deployed\n\n${body}`;
    }
    case "failed":
      return `${title}failed\n\n${codeBlock(result.failure ?? "no message")}`;
    case "not-run":
      return `${title}not run${firstFailure ? ` (${escape(firstFailure)} failed first)` : ""}`;
  }
}

/** The job summary of an `up` run. */
export function upSummary(results: readonly UpResult[], context: UpContext): string {
  const range =
    context.mergeBase && context.head
      ? ` (${code(context.mergeBase)}...${code(context.head)})`
      : "";
  const header = `Changes since ${code(context.base)}${range}: ${escape(context.affected.reason.summary)}.`;
  if (results.length === 0)
    return `## Pulumi up: no stack affected\n\n${header}\n\nNothing deployed.\n`;
  const failed = results.find((r) => r.outcome === "failed");
  const deployed = results.filter((r) => r.outcome === "deployed").map((r) => r.stack);
  const skipped = results.filter((r) => r.outcome === "not-run").map((r) => r.stack);
  const verdict = failed
    ? `❌ ${escape(failed.stack)} failed${deployed.length > 0 ? ` after ${deployed.map(escape).join(", ")} deployed` : ""}${skipped.length > 0 ? `; not run: ${skipped.map(escape).join(", ")}` : ""}.`
    : `✅ ${plural(deployed.length, "stack")} deployed: ${deployed.map(escape).join(", ")}.`;
  return `${[
    `## Pulumi up of ${results.map((r) => escape(r.stack)).join(", ")}`,
    header,
    verdict,
    ...results.map((r) => section(r, failed?.stack)),
  ].join("\n\n")}\n`;
}
