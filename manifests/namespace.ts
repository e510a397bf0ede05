/** Pure builders of an environment namespace's guardrails: quota, limits and network isolation. */
import type * as k8s from "@pulumi/kubernetes";
import type { EnvironmentConfig } from "../model/environment";
import { LABELS, commonLabels } from "./labels";

type LimitRangeItem = k8s.types.input.core.v1.LimitRangeItem;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** What a namespace's guardrails need to know of its environment. */
export type NamespaceEnvironment = Pick<
  EnvironmentConfig,
  "environment" | "system" | "quota" | "limitRange" | "allowIngressFromNamespaces"
>;

export function namespaceLabels(env: NamespaceEnvironment): Record<string, string> {
  return commonLabels(env);
}

/** The LimitRange item for containers, or undefined when the stack sets no limits. */
export function containerLimits(
  env: Pick<EnvironmentConfig, "limitRange">,
): LimitRangeItem | undefined {
  const limits = env.limitRange;
  if (!limits) return undefined;
  const item: LimitRangeItem = { type: "Container" };
  if (limits.default) item.default = { ...limits.default };
  if (limits.defaultRequest) item.defaultRequest = { ...limits.defaultRequest };
  if (limits.max) item.max = { ...limits.max };
  if (limits.min) item.min = { ...limits.min };
  return item;
}

/**
 * Pods of this environment accept traffic only from namespaces of the same system and environment
 * (by label, so an extra namespace joins automatically) and from the namespaces the stack lists.
 */
export function isolationPolicy(env: NamespaceEnvironment): NetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          {
            namespaceSelector: {
              matchLabels: { [LABELS.environment]: env.environment, [LABELS.system]: env.system },
            },
          },
          ...env.allowIngressFromNamespaces.map((namespace) => ({
            namespaceSelector: { matchLabels: { [LABELS.namespaceName]: namespace } },
          })),
        ],
      },
    ],
  };
}
