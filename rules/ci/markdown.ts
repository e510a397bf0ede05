/**
 * Writing GitHub-flavoured markdown safely: values come from stack files and engine messages that a
 * pull request can change, so they are shown as code or escaped, never as markup of their own.
 */

/** `text` as inline code, with a fence longer than any run of backticks inside it. */
export function code(text: string): string {
  const single = text.replace(/\s*\n\s*/g, " ");
  const longest = Math.max(0, ...(single.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = single.startsWith("`") || single.endsWith("`") ? " " : "";
  return `${fence}${pad}${single}${pad}${fence}`;
}

/** `text` as a fenced block, with a fence longer than any run of backticks inside it. */
export function codeBlock(text: string, language = "text"): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n+$/, "")}\n${fence}`;
}

/** Markdown and HTML that could change how a line renders (links, emphasis, tables, tags). */
const SPECIAL = /([\\`*_[\]|~])/g;
/**
 * Shown as code: a manifest digest (`@sha256:5320f4…`, `sha256:...`, shortened or whole), which
 * is a value to read, not a mention of a user called sha256; and `@someone` and `@org/team`,
 * which GitHub notifies when they appear outside code. The digest comes first, so that
 * `@sha256:5320f4…` is one code span and not the mention `@sha256` followed by loose text.
 */
const AS_CODE =
  /(@?sha256:[0-9a-f]{6,64}…?|(?<![A-Za-z0-9_])@[A-Za-z0-9](?:[A-Za-z0-9_./-]*[A-Za-z0-9_])?)/;

/**
 * Plain text that renders as itself, on one line: markup and HTML escaped; digests and mentions
 * shown as code, so that a comment never notifies the teams a stack file or a message names.
 */
export function escape(text: string): string {
  return text
    .replace(/\s*\n\s*/g, " ")
    .split(AS_CODE)
    .map((part, i) =>
      i % 2 === 1
        ? code(part)
        : part
            .replace(/&/g, "&amp;")
            .replace(/</g, "&lt;")
            .replace(/>/g, "&gt;")
            .replace(SPECIAL, "\\$1"),
    )
    .join("");
}

/** At most `limit` characters of one line, with an ellipsis when cut. */
export function clip(text: string, limit: number): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim();
  return line.length <= limit ? line : `${line.slice(0, limit - 1)}…`;
}

/** `a, b and 3 more`: the first `limit` items of a list. */
export function someOf(items: readonly string[], limit: number): string {
  if (items.length <= limit) return items.join(", ");
  return `${items.slice(0, limit).join(", ")} and ${items.length - limit} more`;
}

export const plural = (count: number, noun: string, nouns = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : nouns}`;
