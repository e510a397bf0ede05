/**
 * One shape for every refusal, wherever it is decided (config validation, the promotion chain,
 * the cross-stack checks, the lineage gate, upstream health, GitHub access): the stack file and
 * key at fault, the value found there, and what would be accepted; for a refused change also the
 * sentence that says why. One formatter prints them all the same way.
 */

export interface Refusal {
  /** The stack whose file holds the fault. */
  stack: string;
  /** Full key path, e.g. `promotion:apps.dex.tag`. */
  key: string;
  /** The value found, or undefined when the key is missing. */
  value: unknown;
  /** What the key accepts, or what to do instead. */
  accepted: string;
  /** For a refused change (not a malformed value): why, e.g. "prod cannot take sha-1: ...". */
  reason?: string;
}

/** A decision that either allows (with what it found out) or refuses (with every reason). */
export type Verdict<T> = { allowed: true; value: T } | { allowed: false; refusals: Refusal[] };

export const allow = <T>(value: T): Verdict<T> => ({ allowed: true, value });
export const refuse = <T = never>(...refusals: Refusal[]): Verdict<T> => ({
  allowed: false,
  refusals,
});

function showValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `stack "prod": promotion:apps.dex.tag = "sha-1"; refused: ...; accepted: ...`. */
export function formatRefusal(refusal: Refusal): string {
  const why = refusal.reason ? `; refused: ${refusal.reason}` : "";
  return `stack "${refusal.stack}": ${refusal.key} = ${showValue(refusal.value)}${why}; accepted: ${refusal.accepted}`;
}

const plural = (count: number, noun: string): string =>
  count === 1 ? `1 ${noun}` : `${count} ${noun}s`;

/** What stopped a run, as the words after `Stack "<name>"` in the first line of the error. */
const REFUSED_BY = {
  config: (count: number) => ` has ${plural(count, "configuration problem")}`,
  governance: (count: number) =>
    ` cannot declare its GitHub governance: the stack files taken together have ${plural(count, "problem")}`,
  crossStack: (count: number) =>
    ` cannot be declared: the stack files taken together have ${plural(count, "problem")}`,
  github: (count: number) => ` cannot reach GitHub: ${plural(count, "problem")}`,
  gate: (count: number) => `: the promotion gate refused ${plural(count, "change")}`,
} as const;

type RefusedBy = keyof typeof REFUSED_BY;

/** The first line names the stack and what refused; then one line per refusal. */
function formatRefusals(stack: string, by: RefusedBy, refusals: readonly Refusal[]): string {
  return [
    `Stack "${stack}"${REFUSED_BY[by](refusals.length)}; nothing was changed:`,
    ...refusals.map((r) => `  - ${formatRefusal(r)}`),
  ].join("\n");
}

/** Ends a run (or a command) with every refusal; its message is formatRefusals' text. */
export class RefusedError extends Error {
  constructor(
    public readonly stack: string,
    public readonly by: RefusedBy,
    public readonly refusals: readonly Refusal[],
  ) {
    super(formatRefusals(stack, by, refusals));
    this.name = "RefusedError";
  }
}
