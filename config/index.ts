/**
 * The one module that reads Pulumi config. It turns the stack's `promotion:*` values into a typed
 * EnvironmentConfig, or stops the program, before any resource is declared, with every problem.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError, validateStackConfig } from "./validate";
import { decodeConfigValues } from "./decode";
import {
  chainConfigProblems,
  readChainLinks,
  readClusterTarget,
  type ClusterTarget,
} from "./chain";
import type { EnvironmentConfig } from "../model/environment";

export type { EnvironmentConfig, AppConfig, SyncMode, KubernetesTarget } from "../model/environment";
export {
  validateStackConfig,
  StackConfigError,
  formatProblems,
  CONFIG_NAMESPACE,
} from "./validate";
export type { ConfigProblem } from "./validate";
export { decodeConfigValues } from "./decode";
export type { ClusterTarget } from "./chain";

/**
 * The project directory, where the stack files are: the engine runs the program there (and the
 * tests change into a temporary project to try other chains).
 */
export function projectDirectory(): string {
  return process.cwd();
}

/**
 * Reads and validates the current stack's config, and the promotion chain all stack files form
 * with it (one line: no cycle, no unknown upstream, no skipped environment); throws a RunError
 * listing every problem.
 */
export function loadEnvironmentConfig(): EnvironmentConfig {
  const stack = pulumi.getStack();
  const raw = decodeConfigValues(pulumi.runtime.allConfig());
  const chain = chainConfigProblems(readChainLinks(projectDirectory(), stack, raw), stack);
  try {
    return validateStackConfig(stack, raw, chain);
  } catch (error) {
    if (error instanceof StackConfigError) {
      // RunError ends the program with this message alone, without a stack trace.
      throw new pulumi.RunError(error.message);
    }
    throw error;
  }
}

/**
 * Where the upstream's Argo CD Applications are, from its stack file: the cluster to read their
 * live status from, or why they cannot be read from this stack.
 */
export function loadUpstreamTarget(
  config: EnvironmentConfig,
): ClusterTarget | { unreadable: string } {
  if (!config.upstream) return { unreadable: `${config.environment} has no upstream` };
  return readClusterTarget(projectDirectory(), config.upstream);
}
