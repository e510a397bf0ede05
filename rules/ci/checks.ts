/**
 * One check result per stack, for a workflow to publish as a commit status or check run: pass or
 * fail, a one-line title, and the stack's section of the comment as its summary. Pure.
 */
import { applicationText, resultText, stackSection } from "./comment";
import { clip } from "./markdown";
import type { StackPreview } from "./preview";
import { refusalReason } from "./refusal";

export interface CheckResult {
  stack: string;
  /** The check's name: `preview (<stack>)`, the name the preview workflow publishes it under. */
  name: string;
  conclusion: "success" | "failure";
  /** One line, at most TITLE_LIMIT characters. */
  title: string;
  /** Markdown: the stack's section of the comment. */
  summary: string;
}

export const TITLE_LIMIT = 140;

export const checkName = (stack: string): string => `preview (${stack})`;

/** The one line that says the most about a preview. */
export function checkTitle(preview: StackPreview): string {
  const head = `${preview.stack}: ${resultText(preview)}`;
  let detail: string | undefined;
  if (preview.refusal) {
    detail = preview.refusal.refusals.map(refusalReason).join("; ") || undefined;
  } else if (preview.outcome === "failed") {
    detail = preview.errors[0]?.split("\n").find((l) => l.trim() !== "");
  } else if (preview.applications.length > 0) {
    detail = preview.applications.map(applicationText).join("; ");
  }
  return clip(detail ? `${head}; ${detail}` : head, TITLE_LIMIT);
}

export function previewCheck(preview: StackPreview): CheckResult {
  const passed = preview.outcome === "changes" || preview.outcome === "no-changes";
  return {
    stack: preview.stack,
    name: checkName(preview.stack),
    conclusion: passed ? "success" : "failure",
    title: checkTitle(preview),
    summary: stackSection(preview),
  };
}

/** The checks as JSON lines (one object per line), the `--checks-file` format. */
export function checksJsonLines(checks: readonly CheckResult[]): string {
  return checks.map((check) => `${JSON.stringify(check)}\n`).join("");
}
