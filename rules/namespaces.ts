/**
 * Namespaces across environments: two environments that deploy to the same cluster may not share a
 * namespace, or each `pulumi up` would take the other's namespace, quota and network policy, and
 * one environment's Application would prune the other's workloads.
 */
import type { EnvironmentConfig } from "../model/environment";
import { stackFileName } from "./names";
import type { Refusal } from "./verdict";

type Placement = Pick<EnvironmentConfig, "stack" | "namespaces" | "clusterServer" | "kubernetes">;

/**
 * Which cluster an environment's objects land on: the Argo CD destination and the cluster the
 * program talks to (render mode counts as the cluster the manifests are meant for, so stacks that
 * render today are checked as if they shared one cluster, the conservative answer).
 */
export function clusterOf(env: Placement): string {
  const target =
    env.kubernetes.mode === "render"
      ? "rendered"
      : `${env.kubernetes.kubeconfig ?? "(default kubeconfig)"}#${env.kubernetes.context ?? ""}`;
  return `${env.clusterServer} via ${target}`;
}

const namespaceKey = (index: number): string =>
  index === 0 ? "promotion:namespace" : `promotion:extraNamespaces[${index - 1}]`;

/** Every namespace that two or more environments on one cluster claim, told to each of them. */
export function sharedNamespaceProblems(envs: readonly Placement[]): Refusal[] {
  const claims = new Map<string, { stack: string; index: number }[]>();
  for (const env of envs) {
    env.namespaces.forEach((namespace, index) => {
      const id = `${clusterOf(env)}|${namespace}`;
      claims.set(id, [...(claims.get(id) ?? []), { stack: env.stack, index }]);
    });
  }
  const problems: Refusal[] = [];
  for (const [id, claimants] of claims) {
    if (claimants.length < 2) continue;
    const namespace = id.slice(id.lastIndexOf("|") + 1);
    const server = envs.find((e) => e.stack === claimants[0].stack)!.clusterServer;
    for (const claim of claimants) {
      const others = claimants
        .filter((c) => c.stack !== claim.stack)
        .map((c) => stackFileName(c.stack));
      problems.push({
        stack: claim.stack,
        key: namespaceKey(claim.index),
        value: namespace,
        reason: `${stackFileName(claim.stack)} and ${others.join(" and ")} both declare namespace "${namespace}" on ${server}`,
        accepted:
          "a namespace no other environment on the same cluster uses (e.g. <system>-<environment>)",
      });
    }
  }
  return problems.sort((a, b) => a.stack.localeCompare(b.stack));
}
