import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig } from "../model/environment";
import { buildAlert, buildSlackProvider, type FluxEnvironment } from "../manifests/flux";

export interface FluxNotificationsArgs {
  env: FluxEnvironment;
  /** The apps whose Kustomizations and HelmReleases report to the environment's channel. */
  apps: readonly AppConfig[];
}

/** The environment's Slack notification Provider and the Alert that routes its apps' events. */
export class FluxNotifications extends pulumi.ComponentResource {
  constructor(name: string, args: FluxNotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:index:FluxNotifications", name, {}, opts);
    const provider = new k8s.apiextensions.CustomResource(
      `${name}-provider`,
      buildSlackProvider(args.env),
      { parent: this },
    );
    new k8s.apiextensions.CustomResource(`${name}-alert`, buildAlert(args.env, args.apps), {
      parent: this,
      dependsOn: [provider],
    });
    this.registerOutputs({});
  }
}
