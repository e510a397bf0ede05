/**
 * How this run reaches GitHub (rules/governance/access.ts), decided before anything is declared
 * from the token and from whether the stack managed GitHub before.
 */
import * as pulumi from "@pulumi/pulumi";
import { runError } from "../config/runError";
import { managedGitHubBefore, type StackOutputs } from "../adapters/stackOutputs";
import { githubAccess, type GitHubAccess, type GovernancePlan } from "../rules/governance";
import { RefusedError } from "../rules/verdict";

/** The current stack's governance, and how this run may reach GitHub. */
export interface LoadedGovernance {
  plan: GovernancePlan;
  access: GitHubAccess;
  token?: pulumi.Output<string>;
}

/**
 * Decides the GitHub access of this run, or stops it (as a RunError, without a stack trace)
 * before any resource is declared.
 */
export async function decideGitHubAccess(
  stack: string,
  plan: GovernancePlan,
  token: pulumi.Output<string> | undefined,
  own: StackOutputs,
): Promise<LoadedGovernance> {
  const decided = githubAccess(stack, {
    hasToken: token !== undefined,
    dryRun: pulumi.runtime.isDryRun(),
    managedBefore: token === undefined && (await managedGitHubBefore(own)),
  });
  if (!decided.allowed) {
    throw runError(new RefusedError(stack, "github", decided.refusals).message);
  }
  if (decided.value.warning) void pulumi.log.warn(decided.value.warning);
  return { plan, access: decided.value.access, token };
}
