import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig } from "../model/environment";
import type { FluxDependency } from "../model/engine";
import { buildFluxApp, type FluxEnvironment } from "../manifests/flux";

export interface FluxApplicationArgs {
  /** The environment the app is deployed to. */
  env: FluxEnvironment;
  /** The app, with the tag this environment pins. */
  app: AppConfig;
  /** The upstream environment's Kustomization or HelmRelease on the same cluster. */
  dependsOn?: FluxDependency;
  /** Annotations recording how the tag got here (promotion, rollback, hotfix). */
  annotations?: Record<string, string>;
}

/**
 * The Flux objects that deploy one app, at its pinned tag, into one environment: its source
 * (GitRepository, HelmRepository or OCIRepository) and its Kustomization or HelmRelease.
 */
export class FluxApplication extends pulumi.ComponentResource {
  public readonly objectName: pulumi.Output<string>;

  constructor(name: string, args: FluxApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:index:FluxApplication", name, {}, opts);
    const [source, applier] = buildFluxApp(args.env, args.app, {
      dependsOn: args.dependsOn,
      annotations: args.annotations,
    });
    const sourceResource = new k8s.apiextensions.CustomResource(`${name}-source`, source, {
      parent: this,
    });
    const applied = new k8s.apiextensions.CustomResource(name, applier, {
      parent: this,
      dependsOn: [sourceResource],
    });
    this.objectName = applied.metadata.name;
    this.registerOutputs({ objectName: this.objectName });
  }
}
