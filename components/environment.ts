import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EnvironmentConfig } from "../model/environment";
import { kubernetesProviderArgs } from "../manifests/kubernetesProvider";
import { applicationName } from "../manifests/argocd";
import { ArgoApplication } from "./argoApplication";
import { ArgoProject } from "./argoProject";
import { EnvironmentNamespace } from "./environmentNamespace";
import { FluxApplication } from "./fluxApplication";
import { FluxNotifications } from "./fluxNotifications";
import { FluxTenant } from "./fluxTenant";
import type { FluxDependency } from "../model/engine";
import { fluxKindOf } from "../manifests/flux";

export interface EnvironmentArgs {
  /** The validated config of the stack that declares this environment. */
  config: EnvironmentConfig;
  /** Per app, annotations recording how its tag got here. */
  appAnnotations?: Record<string, Record<string, string>>;
  /** Flux only: per app, the upstream's Kustomization or HelmRelease on the same cluster. */
  fluxDependsOn?: Record<string, FluxDependency>;
}

/** What a user needs to know about one app after `pulumi up`. */
export interface AppSummary {
  image: string;
  tag: string;
  /** The manifest digest pinned with the tag; only when the stack file pins one. */
  digest?: string;
  applicationName: string;
  syncMode: string;
  namespace: string;
  /** Flux only: the kind of the object `applicationName` names (Kustomization, HelmRelease). */
  fluxKind?: string;
}

/**
 * Everything one environment needs around its pinned tags: namespaces with guardrails, and for
 * Argo CD the AppProject that confines it and one Application per app; for Flux one source and
 * one Kustomization or HelmRelease per app, and the Slack Provider and Alert.
 */
export class Environment extends pulumi.ComponentResource {
  public readonly environment: string;
  public readonly namespaces: string[];
  public readonly apps: Record<string, AppSummary>;

  constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:index:Environment", name, {}, opts);
    const env = args.config;

    const provider = new k8s.Provider(
      `${name}-kubernetes`,
      kubernetesProviderArgs(env.kubernetes),
      { parent: this },
    );
    const withProvider = { parent: this, providers: { kubernetes: provider } };

    const namespaces = env.namespaces.map(
      (namespace) =>
        new EnvironmentNamespace(`${name}-ns-${namespace}`, { env, namespace }, withProvider),
    );
    if (env.engine === "flux" && env.flux) {
      const fluxEnv = { ...env, flux: env.flux };
      const tenant = new FluxTenant(
        `${name}-flux-tenant`,
        { env: fluxEnv },
        {
          ...withProvider,
          dependsOn: namespaces,
        },
      );
      for (const app of env.apps) {
        new FluxApplication(
          `${name}-app-${app.name}`,
          {
            env: fluxEnv,
            app,
            dependsOn: args.fluxDependsOn?.[app.name],
            annotations: args.appAnnotations?.[app.name],
          },
          { ...withProvider, dependsOn: [tenant, ...namespaces] },
        );
      }
      new FluxNotifications(
        `${name}-notifications`,
        { env: fluxEnv, apps: env.apps },
        withProvider,
      );
    } else {
      const project = new ArgoProject(`${name}-project`, { env }, withProvider);
      for (const app of env.apps) {
        new ArgoApplication(
          `${name}-app-${app.name}`,
          { env, app, annotations: args.appAnnotations?.[app.name] },
          { ...withProvider, dependsOn: [project, ...namespaces] },
        );
      }
    }

    this.environment = env.environment;
    this.namespaces = env.namespaces;
    this.apps = Object.fromEntries(
      env.apps.map((app) => [
        app.name,
        {
          image: app.image,
          tag: app.tag,
          ...(app.digest ? { digest: app.digest } : {}),
          applicationName: applicationName(env, app),
          syncMode: env.syncMode,
          namespace: app.namespace,
          ...(env.engine === "flux" ? { fluxKind: fluxKindOf(app) } : {}),
        },
      ]),
    );
    this.registerOutputs({
      environment: this.environment,
      namespaces: this.namespaces,
      apps: this.apps,
    });
  }
}
