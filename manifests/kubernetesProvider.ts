/** The Kubernetes provider's settings for a target: a real cluster, or manifests rendered to a folder. */
import type * as k8s from "@pulumi/kubernetes";
import type { KubernetesTarget } from "../model/environment";

export function kubernetesProviderArgs(target: KubernetesTarget): k8s.ProviderArgs {
  if (target.mode === "render") return { renderYamlToDirectory: target.directory };
  return {
    ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}),
    ...(target.context ? { context: target.context } : {}),
  };
}
