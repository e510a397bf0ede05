/**
 * One check result per stack, for a workflow to publish as a commit status or check run: its
 * shape and name, and the JSON-lines format of `--checks-file`. Pure. The title and summary are
 * rendered by checkRun.ts (`previewCheckRun`).
 */

export interface CheckResult {
  stack: string;
  /** The check's name: `preview (<stack>)`, the name the preview workflow publishes it under. */
  name: string;
  conclusion: "success" | "failure";
  /** One line, at most CHECK_TITLE_LIMIT characters (checkRun.ts). */
  title: string;
  /** Markdown: the stack's section of the comment. */
  summary: string;
}

export const checkName = (stack: string): string => `preview (${stack})`;

/** The checks as JSON lines (one object per line), the `--checks-file` format. */
export function checksJsonLines(checks: readonly CheckResult[]): string {
  return checks.map((check) => `${JSON.stringify(check)}\n`).join("");
}
