/**
 * The promotion chain: each environment names the one it takes tags from. The chain must be a
 * single line (dev -> stage -> [canary ->] prod) so that no environment can be skipped.
 */
import { didYouMean } from "./suggest";
import { formatRefusal, type Refusal } from "./verdict";

export interface ChainLink {
  environment: string;
  /** Undefined for the first environment. */
  upstream?: string;
}

const UPSTREAM_KEY = "promotion:upstream";

/** The chain is not one line; every problem is a Refusal of some stack's `promotion:upstream`. */
export class ChainError extends Error {
  constructor(public readonly refusals: readonly Refusal[]) {
    super(
      [
        "The promotion chain is not a single line of environments:",
        ...refusals.map((r) => `  - ${formatRefusal(r)}`),
      ].join("\n"),
    );
    this.name = "ChainError";
  }
}

/**
 * Problems with the chain, each as a refusal of one stack's `promotion:upstream`; an empty list
 * means it is one line from the first environment. A problem that involves several environments
 * is told to `perspective` when it is one of them (the stack being run), else to the first.
 */
export function chainProblems(links: readonly ChainLink[], perspective?: string): Refusal[] {
  const problems: Refusal[] = [];
  const byName = new Map(links.map((l) => [l.environment, l]));
  const names = [...byName.keys()].sort();
  const add = (about: string[], reason: string, accepted: string) => {
    const stack =
      perspective !== undefined && about.includes(perspective) ? perspective : [...about].sort()[0];
    problems.push({
      stack: stack ?? perspective ?? "(none)",
      key: UPSTREAM_KEY,
      value: byName.get(stack ?? "")?.upstream ?? "",
      reason,
      accepted,
    });
  };

  const roots = links.filter((l) => !l.upstream).map((l) => l.environment);
  if (roots.length === 0) {
    add(
      names,
      "no environment is first",
      'exactly one environment with promotion:upstream "" (the one CI builds go to)',
    );
  } else if (roots.length > 1) {
    add(
      roots,
      `${roots.join(", ")} all have no upstream`,
      "exactly one first environment; the others name their upstream",
    );
  }
  const downstreamOf = new Map<string, string[]>();
  for (const link of links) {
    if (!link.upstream) continue;
    if (!byName.has(link.upstream)) {
      add(
        [link.environment],
        `${link.environment} takes tags from "${link.upstream}", which has no stack file`,
        `one of ${names.join(", ")}${didYouMean(link.upstream, names)}`,
      );
      continue;
    }
    downstreamOf.set(link.upstream, [...(downstreamOf.get(link.upstream) ?? []), link.environment]);
  }
  for (const [upstream, downstream] of downstreamOf) {
    if (downstream.length > 1) {
      const sorted = [...downstream].sort();
      add(
        sorted,
        `${sorted.join(" and ")} all take tags from ${upstream}; one of them would skip the other`,
        "an upstream that keeps the environments one line: chain them, each environment has at most one downstream",
      );
    }
  }
  const reportedCycles = new Set<string>();
  for (const link of links) {
    const seen = [link.environment];
    let current = link.upstream;
    while (current && byName.has(current)) {
      if (seen.includes(current)) {
        const members = seen.slice(seen.indexOf(current));
        const key = [...members].sort().join(",");
        if (!reportedCycles.has(key)) {
          reportedCycles.add(key);
          // Blame an environment in the cycle, not the one whose walk ran into it.
          problems.push({
            stack: members[0],
            key: UPSTREAM_KEY,
            value: byName.get(members[0])?.upstream ?? "",
            reason: `the chain has a cycle: ${[...members, current].join(" -> ")}`,
            accepted: "an upstream earlier in the chain, so the environments form one line",
          });
        }
        break;
      }
      seen.push(current);
      current = byName.get(current)?.upstream;
    }
  }
  return problems;
}

/** The environments in promotion order, first to last; throws ChainError if it is not a line. */
export function orderChain(links: readonly ChainLink[]): string[] {
  const problems = chainProblems(links);
  if (problems.length > 0) throw new ChainError(problems);
  const next = new Map(links.filter((l) => l.upstream).map((l) => [l.upstream!, l.environment]));
  const order = [links.find((l) => !l.upstream)!.environment];
  while (next.has(order[order.length - 1])) order.push(next.get(order[order.length - 1])!);
  return order;
}

/**
 * Checks a promotion from one environment to another: only to the direct downstream, so every
 * environment is passed through. Returns the reason it is refused, or undefined.
 */
export function refusePromotion(
  links: readonly ChainLink[],
  from: string,
  to: string,
): string | undefined {
  const order = orderChain(links);
  for (const env of [from, to]) {
    if (!order.includes(env)) {
      return `unknown environment "${env}"${didYouMean(env, order)}; accepted: ${order.join(", ")}`;
    }
  }
  if (from === to) return `${from} -> ${to} is no promotion: name ${to}'s upstream as --from`;
  const target = links.find((l) => l.environment === to)!;
  if (target.upstream === from) return undefined;
  if (!target.upstream)
    return `${to} is the first environment; it takes builds from CI, not from ${from}`;
  const fromIndex = order.indexOf(from);
  const toIndex = order.indexOf(to);
  if (fromIndex > toIndex)
    return `${from} comes after ${to} in the chain (${order.join(" -> ")}); promotions only move forward`;
  return `${to} takes tags from ${target.upstream}, not ${from}: promoting ${from} -> ${to} would skip ${order.slice(fromIndex + 1, toIndex).join(", ")}; promote ${from} -> ${order[fromIndex + 1]} first`;
}
