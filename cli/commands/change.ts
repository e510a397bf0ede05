/** What promote, rollback and hotfix share once planned: refuse, do nothing, or apply the plan. */
import { applyPlan } from "../apply/applyPlan";
import { Refused } from "../errors";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import { Git } from "../git";
import type { CliIo } from "../io";
import { orderedEnvironments } from "../load";
import type { Planned } from "../plan/change";
import type { StackState } from "../plan/state";
import { pinRegistryDigests } from "../registry";

/** A Git for the project; refused when a real run needs a repository and there is none. */
export function gitFor(io: CliIo, needed: boolean): Git {
  const git = new Git(io.run, io.cwd);
  if (needed && !git.isRepository()) {
    throw new Refused(`${io.cwd} is not in a git repository; promotions are commits`);
  }
  return git;
}

export function carryOut(
  planned: Planned,
  states: StackState[],
  io: CliIo,
  git: Git,
  dryRun: boolean,
  commandLine: string,
  refs: Record<string, string> = {},
): number {
  if ("refused" in planned) {
    io.err(`Refused: ${planned.refused}`);
    return EXIT_REFUSED;
  }
  if ("nothingToDo" in planned) {
    io.out(`Nothing to do: ${planned.nothingToDo}.`);
    return EXIT_OK;
  }
  const { plan } = planned;
  const target = states.find((s) => s.config.environment === plan.env)!.config;
  return applyPlan(plan, {
    io,
    git,
    dryRun,
    order: orderedEnvironments(states),
    target,
    command: commandLine,
    ...(refs[plan.env] ? { targetRef: refs[plan.env] } : {}),
  });
}

/**
 * carryOut, once the registry has confirmed the digest of every tag the plan pins (cli/registry.ts):
 * a tag it does not have, or a registry that does not answer, refuses the change before any step.
 */
export function carryOutVerified(
  planned: Planned,
  states: StackState[],
  io: CliIo,
  git: Git,
  dryRun: boolean,
  commandLine: string,
  refs: Record<string, string> = {},
): number | Promise<number> {
  if (!("plan" in planned)) return carryOut(planned, states, io, git, dryRun, commandLine, refs);
  // Without a registry (an embedding that gives none) the digests the stack files pin are kept.
  if (!io.registry) return carryOut(planned, states, io, git, dryRun, commandLine, refs);
  return pinRegistryDigests(planned, states, io.registry).then((checked) =>
    carryOut(checked, states, io, git, dryRun, commandLine, refs),
  );
}
