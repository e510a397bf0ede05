import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  containerLimits,
  isolationPolicy,
  namespaceLabels,
  type NamespaceEnvironment,
} from "../manifests/namespace";
import { OWNED_ANNOTATIONS } from "../manifests/labels";

export interface EnvironmentNamespaceArgs {
  /** The environment whose labels, quota, limits and isolation the namespace carries. */
  env: NamespaceEnvironment;
  /** Name of the Kubernetes namespace. */
  namespace: string;
}

/** One namespace of an environment, with its ResourceQuota, LimitRange and isolation policy. */
export class EnvironmentNamespace extends pulumi.ComponentResource {
  public readonly namespaceName: pulumi.Output<string>;

  constructor(
    name: string,
    args: EnvironmentNamespaceArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("gitops:index:EnvironmentNamespace", name, {}, opts);
    const { env, namespace } = args;
    const labels = namespaceLabels(env);

    const ns = new k8s.core.v1.Namespace(
      name,
      { metadata: { name: namespace, labels, annotations: { ...OWNED_ANNOTATIONS } } },
      { parent: this },
    );
    const inNamespace = {
      namespace: ns.metadata.name,
      labels,
      annotations: { ...OWNED_ANNOTATIONS },
    };
    const childOpts = { parent: this, dependsOn: [ns] };

    if (Object.keys(env.quota).length > 0) {
      new k8s.core.v1.ResourceQuota(
        `${name}-quota`,
        { metadata: { name: "environment-quota", ...inNamespace }, spec: { hard: env.quota } },
        childOpts,
      );
    }
    const limits = containerLimits(env);
    if (limits) {
      new k8s.core.v1.LimitRange(
        `${name}-limits`,
        { metadata: { name: "environment-limits", ...inNamespace }, spec: { limits: [limits] } },
        childOpts,
      );
    }
    new k8s.networking.v1.NetworkPolicy(
      `${name}-isolation`,
      { metadata: { name: "isolate-environment", ...inNamespace }, spec: isolationPolicy(env) },
      childOpts,
    );

    this.namespaceName = ns.metadata.name;
    this.registerOutputs({ namespaceName: this.namespaceName });
  }
}
