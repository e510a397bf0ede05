import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig } from "../model/environment";
import { buildApplication, type ApplicationEnvironment } from "../manifests/argocd";

export interface ArgoApplicationArgs {
  /** The environment the app is deployed to. */
  env: ApplicationEnvironment;
  /** The app, with the tag this environment pins. */
  app: AppConfig;
  /** Annotations recording how the tag got here (promotion, rollback, hotfix). */
  annotations?: Record<string, string>;
}

/** The Argo CD Application that deploys one app, at its pinned tag, into one environment. */
export class ArgoApplication extends pulumi.ComponentResource {
  public readonly applicationName: pulumi.Output<string>;

  constructor(name: string, args: ArgoApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:index:ArgoApplication", name, {}, opts);
    const manifest = buildApplication(args.env, args.app, args.annotations);
    const application = new k8s.apiextensions.CustomResource(name, manifest, { parent: this });
    this.applicationName = application.metadata.name;
    this.registerOutputs({ applicationName: this.applicationName });
  }
}
