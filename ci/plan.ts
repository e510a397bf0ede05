/**
 * What every subcommand starts from: the base it compares HEAD with, the stacks in chain order and
 * the stacks the change affects (rules/ci/affected.ts).
 */
import { affectedStacks, classifyPath, type Affected } from "../rules/ci/affected";
import { changedPaths, resolveRange, shortCommit, uncommittedPaths, type Range } from "./git";
import type { CiIo } from "./io";
import { chainOrder, governanceEdited, governanceFeedsOf } from "./stacks";

export interface Plan {
  range: Range;
  chain: string[];
  changed: string[];
  affected: Affected;
}

export function planRun(io: CiIo, base: string): Plan {
  const range = resolveRange(io.git, base);
  const chain = chainOrder(io.cwd);
  const changed = changedPaths(io.git, range);
  // A stack file whose governance settings this change edits affects the managing stack too
  // (issue #20): its preview runs and its owners review it. A promotion, which edits a tag only,
  // does not.
  const feeds = governanceFeedsOf(io.cwd);
  const governance = {
    ...feeds,
    feeding: feeds.feeding.filter((stack) =>
      governanceEdited(io.git, range.mergeBase, io.cwd, stack),
    ),
  };
  const affected = affectedStacks(changed, chain, governance);
  // The engine reads the working tree, the diff only commits: say when they differ where it matters.
  const uncommitted = uncommittedPaths(io.git).filter((p) => classifyPath(p).kind !== "other");
  if (uncommitted.length > 0) {
    io.err(
      `note: uncommitted changes are not part of ${base}...HEAD, which decides the stacks, but preview and up read the working tree: ${uncommitted.join(", ")}`,
    );
  }
  return { range, chain, changed, affected };
}

/** The diff the results are about, for the comment and the summary. */
export function planContext(plan: Plan) {
  return {
    base: plan.range.base,
    mergeBase: shortCommit(plan.range.mergeBase),
    head: shortCommit(plan.range.head),
    affected: plan.affected,
  };
}

/** `affected --json`: the stacks, whether all, and why (with the commits compared). */
export function affectedJson(plan: Plan): string {
  return JSON.stringify({
    stacks: plan.affected.stacks,
    all: plan.affected.all,
    reason: {
      ...plan.affected.reason,
      base: plan.range.base,
      baseCommit: plan.range.baseCommit,
      mergeBase: plan.range.mergeBase,
      head: plan.range.head,
    },
  });
}
