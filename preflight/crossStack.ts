/**
 * The checks across stack files, run before anything is declared: the program runs in the project
 * directory, so it reads its siblings' stack files next to its own live config. Two environments
 * may not share a namespace on one cluster, and no GitHub object may be declared by two stacks
 * (nor may the repository-level governance settings disagree).
 */
import { runError } from "../config/runError";
import { projectDirectory } from "../config";
import { listStacks, loadStackFile } from "../config/stackFiles";
import { StackConfigError } from "../config/validate";
import type { EnvironmentConfig } from "../model/environment";
import {
  governanceProblems,
  planGovernance,
  stackGovernance,
  type GovernancePlan,
  type StackGovernance,
} from "../rules/governance";
import { sharedNamespaceProblems } from "../rules/namespaces";
import { RefusedError, type Refusal } from "../rules/verdict";

/** Every stack's config: `current` from its live config, the others from their stack files. */
function readAllStacks(
  projectDir: string,
  current: EnvironmentConfig,
): { configs: EnvironmentConfig[]; problems: Refusal[] } {
  const configs: EnvironmentConfig[] = [current];
  const problems: Refusal[] = [];
  for (const stack of listStacks(projectDir)) {
    if (stack === current.stack) continue;
    try {
      configs.push(loadStackFile(projectDir, stack));
    } catch (error) {
      // A sibling that fails validation is reported with its own problems.
      if (!(error instanceof StackConfigError)) throw error;
      problems.push(...error.refusals);
    }
  }
  return { configs, problems };
}

function governanceOf(configs: readonly EnvironmentConfig[]): {
  stacks: StackGovernance[];
  withoutGovernance: string[];
} {
  return {
    stacks: configs.map(stackGovernance).filter((s): s is StackGovernance => s !== undefined),
    withoutGovernance: configs.filter((c) => !c.governance).map((c) => c.stack),
  };
}

/**
 * Checks the stack files taken together and returns what the current stack declares on GitHub
 * (undefined without `promotion:governance`). Throws RefusedError, before anything is declared,
 * with every problem of every stack file.
 */
export function checkAcrossStacks(
  projectDir: string,
  current: EnvironmentConfig,
): GovernancePlan | undefined {
  const { configs, problems } = readAllStacks(projectDir, current);
  const { stacks, withoutGovernance } = governanceOf(configs);
  // A stack without the key still checks its siblings: removing the key from one stack file must
  // not quietly delete that stack's GitHub objects while the others still expect them.
  const governance = stacks.length > 0 ? governanceProblems(stacks, withoutGovernance) : [];
  const all = [...problems, ...sharedNamespaceProblems(configs), ...governance];
  if (all.length > 0) throw new RefusedError(current.stack, "crossStack", all);
  return current.governance ? planGovernance(stacks, current.stack) : undefined;
}

/** checkAcrossStacks for the running program: a refusal ends it with its message alone. */
export function preflightAcrossStacks(current: EnvironmentConfig): GovernancePlan | undefined {
  try {
    return checkAcrossStacks(projectDirectory(), current);
  } catch (error) {
    // RunError ends the program with this message alone, without a stack trace.
    if (error instanceof RefusedError) throw runError(error.message);
    throw error;
  }
}
