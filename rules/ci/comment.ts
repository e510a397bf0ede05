/**
 * The pull request comment of `npm run ci -- preview`: one comment for every affected stack, in
 * chain order, that a workflow finds again by its hidden marker line and updates on every push.
 * Per stack: which Argo CD Applications change and how, the promotion gate's verdict, everything
 * else that would change, policy results and warnings. Pure: previews in, markdown out.
 */
import type { Affected } from "./affected";
import { buildChangeText, digestSource, toBuild, type BuildChange, type BuildStyle } from "./build";
import { clip, code, codeBlock, escape, plural, someOf } from "./markdown";
import { mandatory, type PolicyReport } from "./policy";
import type { ApplicationChange, RecordAnnotations, ResourceChange, StackPreview } from "./preview";
import { REFUSED_LABEL } from "./refusal";

/** The first line of the comment: a workflow finds the comment to update by it. */
export const COMMENT_MARKER = "<!-- promotion-as-code:preview -->";

/** GitHub refuses comments longer than 65536 characters. */
export const COMMENT_LIMIT = 65_000;

/** How many names of one kind of change a section lists before "and N more". */
const NAMES_LISTED = 15;

/** The diff the previews are for. */
export interface PreviewContext {
  /** `--base` as given. */
  base: string;
  /** The merge base's commit and HEAD's, abbreviated. */
  mergeBase?: string;
  head?: string;
  affected: Affected;
}

const passed = (preview: StackPreview): boolean =>
  preview.outcome === "changes" || preview.outcome === "no-changes";

/** `13 to create, 1 to update`, in pulumi's words. */
export function countsText(counts: Record<string, number>): string {
  const order = ["create", "update", "replace", "delete"];
  const ops = Object.keys(counts).sort((a, b) => {
    const rank = (op: string) => (order.includes(op) ? order.indexOf(op) : order.length);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  return ops.map((op) => `${counts[op]} to ${op.replace(/-/g, " ")}`).join(", ");
}

/** The stack's result in a few words, without the mark. */
export function resultText(preview: StackPreview): string {
  switch (preview.outcome) {
    case "changes":
      return `would change: ${countsText(preview.counts) || "see below"}`;
    case "no-changes":
      return "no changes";
    case "refused":
      return REFUSED_LABEL[preview.refusal?.by ?? "other"];
    case "failed": {
      const violations = mandatory(preview.policies).length;
      return violations > 0
        ? `failed: ${plural(violations, "mandatory policy violation")}`
        : "preview failed";
    }
  }
}

export const mark = (preview: StackPreview): string => (passed(preview) ? "✅" : "❌");

/** `promotion from dev`, `rollback: login broken`, `first deployment`. */
export function recordText(record: RecordAnnotations | undefined): string | undefined {
  if (!record?.kind) return undefined;
  switch (record.kind) {
    case "promotion":
      return record.from ? `promotion from ${record.from}` : "promotion";
    case "initial":
      return "first deployment";
    case "pin":
      // Whose digest it is goes with the digest itself (buildChangeText); the reason repeats it.
      return "digest pinned";
    default:
      return record.reason ? `${record.kind}: ${record.reason}` : record.kind;
  }
}

/** The Application's change as a change of build: the tags, the digests, the record. */
export function buildChangeOf(change: ApplicationChange): BuildChange {
  return {
    op: change.op,
    before: toBuild(change.before, change.beforeDigest),
    after: toBuild(change.after, change.afterDigest),
    provenance: change.record
      ? { kind: change.record.kind, from: change.record.from, environment: change.environment }
      : undefined,
  };
}

/** Markdown: tags and digests as code, environment names escaped. */
const MARKDOWN: BuildStyle = { value: code, text: escape };

/**
 * How one Application changes, as plain text (no markup): `dex: sha-abc12345 → sha-5e6f7a8b
 * (sha256:5320f4…, same bytes stage runs), promotion from stage`. The comment's table, its
 * sections (as markdown) and the check title all say this one sentence.
 */
export function applicationText(change: ApplicationChange): string {
  const how = recordText(change.record);
  const others =
    change.otherFields.length > 0 ? `changes ${someOf(change.otherFields, 4)}` : undefined;
  const what = buildChangeText(buildChangeOf(change));
  return [`${change.app}: ${what}`, how, others].filter(Boolean).join(", ");
}

function applicationLine(change: ApplicationChange): string {
  const how = recordText(change.record);
  const what = buildChangeText(buildChangeOf(change), MARKDOWN);
  const parts = [`**${escape(change.app)}** (${code(change.application)}): ${what}`];
  if (how) parts.push(escape(how));
  if (change.otherFields.length > 0) parts.push(`also ${someOf(change.otherFields.map(code), 6)}`);
  const lines = [`- ${parts.join(", ")}`];
  if (change.record?.checks) lines.push(`  - gate checks: ${escape(change.record.checks)}`);
  if (change.record?.kind === "initial" && change.record.reason)
    lines.push(`  - record: ${escape(change.record.reason)}`);
  return lines.join("\n");
}

function gateVerdict(preview: StackPreview): string {
  if (preview.refusal) {
    const label = REFUSED_LABEL[preview.refusal.by];
    return `**${label[0].toUpperCase()}${label.slice(1)}**:\n\n${codeBlock(preview.refusal.text)}`;
  }
  if (preview.outcome === "failed") {
    const lines: string[] = [];
    if (preview.errors.length > 0)
      lines.push(`**Preview failed**:\n\n${codeBlock(preview.errors.join("\n\n"))}`);
    const violations = mandatory(preview.policies);
    if (violations.length > 0)
      lines.push(`**Preview failed**: ${plural(violations.length, "mandatory policy violation")}.`);
    return lines.join("\n\n");
  }
  const decided = preview.applications.filter((a) => a.record?.kind);
  if (decided.length === 0)
    return "**Promotion gate**: no tag changes, nothing for the gate to decide.";
  const verdicts = decided.map((a) => {
    const kind = a.record?.kind;
    const tag = code(a.after ?? "?");
    if (kind === "promotion")
      return `${escape(a.app)} ${tag} passed: ${escape(a.record?.from ?? "the upstream")} runs it`;
    if (kind === "initial") return `${escape(a.app)} ${tag}: first deployment, nothing to check`;
    if (kind === "pin") {
      const source = digestSource(buildChangeOf(a).provenance) ?? "the registry's digest";
      return `${escape(a.app)} ${tag} passed: the pinned digest is ${escape(source)}`;
    }
    return `${escape(a.app)} ${tag} allowed as a recorded ${escape(kind ?? "exception")}`;
  });
  return `**Promotion gate**: ${verdicts.join("; ")}.`;
}

/** `Namespace`, `AppProject`, `provider kubernetes`, `Environment (component)`. */
function shortType(type: string): string {
  const provider = /^pulumi:providers:(.+)$/.exec(type);
  if (provider) return `provider ${provider[1]}`;
  const name = type.split(":").pop() ?? type;
  return type.startsWith("gitops:") ? `${name} (component)` : name;
}

function othersText(preview: StackPreview): string {
  const unchanged = preview.unchanged > 0 ? `; ${preview.unchanged} unchanged` : "";
  if (preview.others.length === 0) return `**Everything else**: nothing else changes${unchanged}.`;
  const byOp = new Map<string, ResourceChange[]>();
  for (const change of preview.others)
    byOp.set(change.op, [...(byOp.get(change.op) ?? []), change]);
  const lines = [...byOp].map(
    ([op, changes]) =>
      `- ${changes.length} to ${op.replace(/-/g, " ")}: ${someOf(
        changes.map((c) => `${escape(shortType(c.type))} ${code(c.name)}`),
        NAMES_LISTED,
      )}`,
  );
  return `**Everything else**${unchanged ? ` (${preview.unchanged} unchanged)` : ""}:\n\n${lines.join("\n")}`;
}

export function policiesText(report: PolicyReport): string {
  if (!report.ran) return "**Policies**: no policy pack ran.";
  const packs = report.packs.length > 0 ? ` (${report.packs.map(code).join(", ")})` : "";
  if (report.violations.length === 0)
    return `**Policies**${packs}: ${plural(report.passed, "policy", "policies")} passed, no violation.`;
  const lines = report.violations.map(
    (v) =>
      `- ${v.level === "mandatory" ? "❌" : "⚠️"} ${escape(v.level)} ${code(v.policy)}${v.resource ? ` on ${code(v.resource)}` : ""}: ${escape(clip(v.message, 300))}`,
  );
  return `**Policies**${packs}: ${plural(report.violations.length, "violation")}, ${plural(report.passed, "policy", "policies")} passed:\n\n${lines.join("\n")}`;
}

function warningsText(warnings: readonly string[]): string | undefined {
  if (warnings.length === 0) return undefined;
  const items = warnings.map((w) => `- ${escape(clip(w, 600))}`).join("\n");
  return `<details><summary>${plural(warnings.length, "warning")}</summary>\n\n${items}\n\n</details>`;
}

/** One stack's section: also the body of its check. */
export function stackSection(preview: StackPreview): string {
  const parts = [`### ${mark(preview)} ${escape(preview.stack)}: ${escape(resultText(preview))}`];
  const ran =
    preview.outcome !== "failed" || preview.applications.length + preview.others.length > 0;
  if (preview.applications.length > 0) {
    parts.push(
      `**Argo CD Applications**:\n\n${preview.applications.map(applicationLine).join("\n")}`,
    );
  } else if (passed(preview)) {
    parts.push("**Argo CD Applications**: no Application changes.");
  }
  parts.push(gateVerdict(preview));
  if (ran && (passed(preview) || preview.others.length > 0)) parts.push(othersText(preview));
  parts.push(policiesText(preview.policies));
  const warnings = warningsText(preview.warnings);
  if (warnings) parts.push(warnings);
  return parts.join("\n\n");
}

function tableRow(preview: StackPreview): string {
  const apps =
    preview.applications.length > 0
      ? preview.applications.map((a) => escape(applicationText(a))).join("<br>")
      : "-";
  return `| ${escape(preview.stack)} | ${mark(preview)} ${escape(resultText(preview))} | ${apps} |`;
}

function headline(previews: readonly StackPreview[]): string {
  const failed = previews.filter((p) => !passed(p));
  const changing = previews.filter((p) => p.outcome === "changes");
  if (failed.length > 0)
    return `❌ ${failed.length} of ${plural(previews.length, "stack")} cannot be deployed: ${failed
      .map((p) => `${escape(p.stack)} (${escape(resultText(p))})`)
      .join(", ")}.`;
  if (changing.length === 0) return `✅ ${plural(previews.length, "stack")}, no changes.`;
  const verb = previews.length === 1 ? "previews" : "preview";
  return `✅ ${plural(previews.length, "stack")} ${verb} cleanly; ${changing.length} would change: ${changing
    .map((p) => escape(p.stack))
    .join(", ")}.`;
}

function contextLine(context: PreviewContext): string {
  const range =
    context.mergeBase && context.head
      ? ` (${code(context.mergeBase)}...${code(context.head)})`
      : "";
  return `Changes since ${code(context.base)}${range}: ${escape(context.affected.reason.summary)}.`;
}

/** Cuts a comment that would be too long for GitHub, saying where the rest is. */
function withinLimit(text: string): string {
  if (text.length <= COMMENT_LIMIT) return text;
  const note =
    "\n\n… (cut: the comment would exceed GitHub's size limit; the job log has all of it)";
  return text.slice(0, COMMENT_LIMIT - note.length) + note;
}

/** The whole comment: marker, headline, one table row and one section per stack. */
export function previewComment(previews: readonly StackPreview[], context: PreviewContext): string {
  const parts = [COMMENT_MARKER];
  if (previews.length === 0) {
    parts.push(
      "## Pulumi preview: no stack affected",
      contextLine(context),
      "Nothing to preview: no stack file, no program code and no engine script changed.",
    );
    return `${parts.join("\n\n")}\n`;
  }
  parts.push(
    `## Pulumi preview of ${previews.map((p) => escape(p.stack)).join(", ")}`,
    contextLine(context),
    headline(previews),
    ["| stack | result | Argo CD Applications |", "|---|---|---|", ...previews.map(tableRow)].join(
      "\n",
    ),
    ...previews.map(stackSection),
  );
  return withinLimit(`${parts.join("\n\n")}\n`);
}
