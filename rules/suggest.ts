/**
 * "Did you mean": the closest valid name to a mistyped one (a flag, a config key, an environment),
 * so an error can say what was probably meant. Case differences count as the smallest mistake.
 */
import { distance } from "fastest-levenshtein";

/**
 * The candidate closest to `input`, or undefined when none is close enough to be a likely typo
 * (at most a third of the longer name differs, and never more than 3 edits).
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    if (name === input) return name;
    // A case-only difference (Dev for dev) is closer than any other edit.
    // A cut-short name (soak for soakTime) is as likely a slip as a one-letter typo.
    const score =
      name.toLowerCase() === lower
        ? 0.5
        : lower.length >= 3 && name.toLowerCase().startsWith(lower)
          ? 1
          : distance(lower, name.toLowerCase());
    if (best === undefined || score < best.score) best = { name, score };
  }
  if (!best) return undefined;
  const limit = Math.min(3, Math.ceil(Math.max(input.length, best.name.length) / 3));
  return best.score <= limit ? best.name : undefined;
}

/** ` (did you mean "dev"?)`, or "" when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closest(input, candidates);
  return match === undefined || match === input ? "" : ` (did you mean "${match}"?)`;
}
