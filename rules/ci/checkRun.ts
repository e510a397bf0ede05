/**
 * The check run of one stack's preview: a title that carries what fits, whole items only, and a
 * summary that carries all of it. Pure.
 *
 * GitHub's REST API (checks: create a check run, `output`) documents a maximum only for the
 * summary and the text (65535 characters each), none for the title; the preview workflow
 * (.github/workflows/preview.yml) cuts the title it publishes at 255 characters. So the title is
 * fitted here, within that, by dropping whole items with a count of the rest, never by cutting
 * inside a tag or a digest; the summary (the stack's section of the comment) lists every one.
 */
import { checkName, type CheckResult } from "./checks";
import { applicationText, resultText, stackSection } from "./comment";
import { plural } from "./markdown";
import type { StackPreview } from "./preview";
import { refusalReason } from "./refusal";

/** The longest title the preview workflow publishes unchanged. */
export const CHECK_TITLE_LIMIT = 255;
/** GitHub refuses a check run's summary (and text) longer than this. */
export const CHECK_SUMMARY_LIMIT = 65_535;

/** What a title lists, and what one item is called when they are counted. */
export interface TitleItems {
  items: string[];
  noun: string;
  nouns: string;
}

/** The title's items: the Applications' changes, the refusal's reasons or the first error. */
function titleItems(preview: StackPreview): TitleItems {
  if (preview.refusal) {
    const items = preview.refusal.refusals.map(refusalReason).filter(Boolean);
    return { items, noun: "reason", nouns: "reasons" };
  }
  if (preview.outcome === "failed") {
    const line = preview.errors[0]?.split("\n").find((l) => l.trim() !== "");
    return { items: line ? [line.trim()] : [], noun: "error", nouns: "errors" };
  }
  const items = preview.applications.map(applicationText);
  return { items, noun: "Application change", nouns: "Application changes" };
}

/**
 * `head; item; item; and N more in the summary`: as many whole items as fit in `limit`, in order.
 * A head alone longer than the limit (a stack name of hundreds of characters) is the one thing
 * cut, at a word, since nothing of the preview's own can be left out of it.
 */
export function fitTitle(
  head: string,
  { items, noun, nouns }: TitleItems,
  limit = CHECK_TITLE_LIMIT,
): string {
  /** `and 2 more in the summary`, `3 reasons in the summary`: for the items left out. */
  const rest = (count: number): string =>
    count === items.length
      ? `${plural(count, noun, nouns)} in the summary`
      : `and ${count} more in the summary`;
  const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
  const all = [oneLine(head), ...items.map(oneLine)].join("; ");
  if (all.length <= limit) return all;
  let title = oneLine(head);
  let shown = 0;
  for (const item of items.map(oneLine)) {
    const left = items.length - shown - 1;
    const candidate = `${title}; ${item}`;
    const tail = left > 0 ? `; ${rest(left)}` : "";
    if (candidate.length + tail.length > limit) break;
    title = candidate;
    shown++;
  }
  if (shown < items.length) title += `; ${rest(items.length - shown)}`;
  if (title.length <= limit) return title;
  const cut = title.slice(0, limit - 1);
  const word = cut.lastIndexOf(" ");
  return `${word > 0 ? cut.slice(0, word) : cut}…`;
}

/** The one line that says the most about a preview, whole items only. */
export function checkTitle(preview: StackPreview, limit = CHECK_TITLE_LIMIT): string {
  return fitTitle(`${preview.stack}: ${resultText(preview)}`, titleItems(preview), limit);
}

/** The summary: the stack's section of the comment, within GitHub's limit. */
export function checkSummary(preview: StackPreview): string {
  const summary = stackSection(preview);
  if (summary.length <= CHECK_SUMMARY_LIMIT) return summary;
  const note =
    "\n\n… (cut: GitHub's limit for a check's summary; the pull request comment and the job log have all of it)";
  return summary.slice(0, CHECK_SUMMARY_LIMIT - note.length) + note;
}

export function previewCheckRun(preview: StackPreview): CheckResult {
  const passed = preview.outcome === "changes" || preview.outcome === "no-changes";
  return {
    stack: preview.stack,
    name: checkName(preview.stack),
    conclusion: passed ? "success" : "failure",
    title: checkTitle(preview),
    summary: checkSummary(preview),
  };
}
