/**
 * The one module that reads Pulumi config. It turns the stack's `promotion:*` values into a typed
 * EnvironmentConfig, or stops the program, before any resource is declared, with every problem.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError, validateStackConfig } from "./validate";
import { decodeConfigValues } from "./decode";
import type { EnvironmentConfig } from "./types";

export type { EnvironmentConfig, AppConfig, SyncMode, KubernetesTarget } from "./types";
export {
  validateStackConfig,
  StackConfigError,
  formatProblems,
  CONFIG_NAMESPACE,
} from "./validate";
export type { ConfigProblem } from "./validate";
export { decodeConfigValues } from "./decode";

/** Reads and validates the current stack's config; throws a RunError listing every problem. */
export function loadEnvironmentConfig(): EnvironmentConfig {
  const stack = pulumi.getStack();
  const raw = decodeConfigValues(pulumi.runtime.allConfig());
  try {
    return validateStackConfig(stack, raw);
  } catch (error) {
    if (error instanceof StackConfigError) {
      // RunError ends the program with this message alone, without a stack trace.
      throw new pulumi.RunError(error.message);
    }
    throw error;
  }
}
