import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  buildRoleBinding,
  buildServiceAccount,
  fluxServiceAccountName,
  type FluxEnvironment,
} from "../manifests/flux";

export interface FluxTenantArgs {
  env: FluxEnvironment;
}

/**
 * The service account Flux applies the environment's apps as, bound to `admin` in the
 * environment's namespaces only: what confines the environment on Flux, as its AppProject does on
 * Argo CD.
 */
export class FluxTenant extends pulumi.ComponentResource {
  public readonly serviceAccountName: string;

  constructor(name: string, args: FluxTenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:index:FluxTenant", name, {}, opts);
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      buildServiceAccount(args.env),
      { parent: this },
    );
    for (const namespace of args.env.namespaces) {
      new k8s.rbac.v1.RoleBinding(`${name}-${namespace}`, buildRoleBinding(args.env, namespace), {
        parent: this,
        dependsOn: [account],
      });
    }
    this.serviceAccountName = fluxServiceAccountName(args.env);
    this.registerOutputs({ serviceAccountName: this.serviceAccountName });
  }
}
