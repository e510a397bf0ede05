/**
 * Recognizes a refusal in what the engine printed. Every refusal of the program ends the run with
 * one RefusedError text (rules/verdict.ts): a first line `Stack "<name>"<what refused>; nothing was
 * changed:`, then one `  - stack "...": key = value; ...` line per refusal. The program throws it as
 * a RunError, so it reaches the preview's diagnostics (and `pulumi up`'s output) as it is.
 */

/** What refused, as RefusedError's `by` names it. */
export type RefusedBy = "config" | "governance" | "crossStack" | "github" | "gate";

export interface FoundRefusal {
  stack: string;
  by: RefusedBy | "other";
  /** The first line, as the program wrote it. */
  headline: string;
  /** One formatted refusal per line (formatRefusal), without the leading `- `. */
  refusals: string[];
  /** The headline and its refusal lines: the whole message. */
  text: string;
}

const HEADLINE = /^\s*(?:error:\s*)?(Stack "([^"]+)"(.*); nothing was changed:)\s*$/;

/** How each RefusedError headline continues after `Stack "<name>"`. */
const BY: ReadonlyArray<[RefusedBy, RegExp]> = [
  ["gate", /^: the promotion gate refused \d+ changes?$/],
  ["config", /^ has \d+ configuration problems?$/],
  ["governance", /^ cannot declare its GitHub governance: /],
  ["crossStack", /^ cannot be declared: the stack files taken together /],
  ["github", /^ cannot reach GitHub: /],
];

/** The label a comment or a check gives a refusal. */
export const REFUSED_LABEL: Record<RefusedBy | "other", string> = {
  gate: "refused by the promotion gate",
  config: "refused: the stack file has configuration problems",
  governance: "refused: the stack files' GitHub governance has problems",
  crossStack: "refused: the stack files taken together have problems",
  github: "refused: this run cannot reach GitHub",
  other: "refused",
};

/** The first refusal in `text` (a diagnostic, or an engine's output), or undefined. */
export function findRefusal(text: string): FoundRefusal | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = HEADLINE.exec(lines[i]);
    if (!match) continue;
    const [, headline, stack, rest] = match;
    const refusals: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const item = /^\s+- (.*)$/.exec(lines[j]);
      if (!item) break;
      refusals.push(item[1].trimEnd());
    }
    const by = BY.find(([, pattern]) => pattern.test(rest))?.[0] ?? "other";
    return {
      stack,
      by,
      headline,
      refusals,
      text: [headline, ...refusals.map((r) => `  - ${r}`)].join("\n"),
    };
  }
  return undefined;
}

/** The sentence after `refused: ` in a formatted refusal, else the refusal itself. */
export function refusalReason(refusal: string): string {
  const reason = /; refused: (.*?)(?:; accepted: .*)?$/.exec(refusal)?.[1];
  return reason ?? refusal;
}
