/**
 * The promotion chain: each environment names the one it takes tags from. The chain must be a
 * single line (dev -> stage -> [canary ->] prod) so that no environment can be skipped.
 */

export interface ChainLink {
  environment: string;
  /** Undefined for the first environment. */
  upstream?: string;
}

export interface ChainProblem {
  environment: string;
  upstream?: string;
  message: string;
}

export class ChainError extends Error {
  constructor(public readonly problems: ChainProblem[]) {
    super(
      [
        "The promotion chain is not a single line of environments:",
        ...problems.map((p) => `  - ${p.message}`),
      ].join("\n"),
    );
    this.name = "ChainError";
  }
}

/** Problems with the chain; an empty list means it is one line from the first environment. */
export function chainProblems(links: ChainLink[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const names = new Set(links.map((l) => l.environment));
  const roots = links.filter((l) => !l.upstream);
  if (roots.length !== 1) {
    problems.push({
      environment: roots.map((r) => r.environment).join(", ") || "(none)",
      message:
        roots.length === 0
          ? 'no environment is first: exactly one must have promotion:upstream ""'
          : `${roots.map((r) => r.environment).join(", ")} all have no upstream; exactly one environment may be first, the others must name their upstream`,
    });
  }
  const downstreamOf = new Map<string, string[]>();
  for (const link of links) {
    if (!link.upstream) continue;
    if (!names.has(link.upstream)) {
      problems.push({
        ...link,
        message: `${link.environment} takes tags from "${link.upstream}", which has no stack file; accepted: one of ${[...names].sort().join(", ")}`,
      });
      continue;
    }
    downstreamOf.set(link.upstream, [...(downstreamOf.get(link.upstream) ?? []), link.environment]);
  }
  for (const [upstream, downstream] of downstreamOf) {
    if (downstream.length > 1) {
      problems.push({
        environment: downstream.join(", "),
        upstream,
        message: `${downstream.sort().join(" and ")} all take tags from ${upstream}; one of them would skip the other. Chain them: each environment has at most one downstream`,
      });
    }
  }
  const byName = new Map(links.map((l) => [l.environment, l]));
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
          const culprit = byName.get(members[0])!;
          problems.push({
            environment: culprit.environment,
            upstream: culprit.upstream,
            message: `the chain has a cycle: ${[...members, current].join(" -> ")}`,
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
export function orderChain(links: ChainLink[]): string[] {
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
export function refusePromotion(links: ChainLink[], from: string, to: string): string | undefined {
  const order = orderChain(links);
  for (const env of [from, to]) {
    if (!order.includes(env)) return `unknown environment "${env}"; accepted: ${order.join(", ")}`;
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
