/** Every policy of the pack, given the stack configuration the engine sent (if any). */
import type { Policies } from "@pulumi/policy";
import { argoCdPolicies } from "./argocd";
import { githubPolicies } from "./github";
import { secretPolicies } from "./secrets";
import type { StackConfig } from "./stackConfig";

export function promotionPolicies(config: StackConfig | undefined): Policies {
  return [...argoCdPolicies(config), ...secretPolicies(config), ...githubPolicies(config)];
}
