/**
 * Pure builders of the Flux objects an environment needs, the Flux counterpart of argocd.ts: per
 * app a source (GitRepository for a kustomize overlay; HelmRepository or OCIRepository for a chart)
 * and what applies it (Kustomization or HelmRelease), plus the environment's Slack notification
 * Provider and Alert. The pinned tag goes into the Kustomization's `images` (or the chart values
 * at the app's tag path), so the overlay in git never carries it.
 *
 * Typed by @kubernetes-models/flux-cd 2.3.4, the newest release that runs on Node 20. It types
 * GitRepository v1, Kustomization v1 and Provider/Alert v1beta3 as the controllers serve them;
 * HelmRepository and OCIRepository (v1beta2 there) and HelmRelease (v2beta2 there) are served as
 * v1 and v2 by the controllers, so their apiVersion (and HelmRelease's chartRef) are typed here on
 * top of the older model, and the tests check every object against the controllers' own CRDs.
 */
import type { IGitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository";
import type { IHelmRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1beta2/HelmRepository";
import type { IOCIRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1beta2/OCIRepository";
import type { IKustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import type { IHelmRelease as IHelmReleaseV2beta2 } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2beta2/HelmRelease";
import type { IProvider } from "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3/Provider";
import type { IAlert } from "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3/Alert";
import type { AppConfig, EnvironmentConfig } from "../model/environment";
import type { FluxDependency, FluxSettings } from "../model/engine";
import { imageReference } from "../rules/imageTag";
import { helmValues, isOciChart } from "../rules/helm";
import { deploymentPatch } from "./argocd";
import { LABELS, OWNED_ANNOTATIONS, commonLabels } from "./labels";

export type GitRepositoryManifest = IGitRepository;
export type KustomizationManifest = IKustomization;
export type HelmRepositoryManifest = Omit<IHelmRepository, "apiVersion"> & {
  apiVersion: "source.toolkit.fluxcd.io/v1";
};
export type OCIRepositoryManifest = Omit<IOCIRepository, "apiVersion"> & {
  apiVersion: "source.toolkit.fluxcd.io/v1";
};
type HelmReleaseSpecV2beta2 = NonNullable<IHelmReleaseV2beta2["spec"]>;
export type HelmReleaseManifest = Omit<IHelmReleaseV2beta2, "apiVersion" | "spec"> & {
  apiVersion: "helm.toolkit.fluxcd.io/v2";
  spec: Omit<HelmReleaseSpecV2beta2, "chart"> & {
    chart?: HelmReleaseSpecV2beta2["chart"];
    /** v2: the chart from an OCIRepository (or HelmChart) instead of a chart template. */
    chartRef?: { kind: "OCIRepository" | "HelmChart"; name: string; namespace?: string };
  };
};
export type ProviderManifest = IProvider;
export type AlertManifest = IAlert;

export type FluxManifest =
  | GitRepositoryManifest
  | KustomizationManifest
  | HelmRepositoryManifest
  | OCIRepositoryManifest
  | HelmReleaseManifest
  | ProviderManifest
  | AlertManifest;

/** What the Flux objects need to know of their environment. */
export type FluxEnvironment = Pick<
  EnvironmentConfig,
  "environment" | "system" | "slackChannel" | "namespaces"
> & {
  flux: FluxSettings;
};

/**
 * The service account Flux impersonates to apply the environment's apps (`<system>-<env>`, in
 * Flux's namespace): bound to the `admin` ClusterRole in the environment's own namespaces only, so
 * an app's manifests cannot reach another namespace or a cluster-scoped kind, the Flux counterpart
 * of the AppProject's destinations. (Flux's controllers honour it as is; with
 * `--default-service-account` they also refuse objects that name none.)
 */
export function fluxServiceAccountName(env: Pick<EnvironmentConfig, "system" | "environment">) {
  return `${env.system}-${env.environment}`;
}

/** The ServiceAccount of the environment (fluxServiceAccountName). */
export function buildServiceAccount(env: FluxEnvironment) {
  return {
    apiVersion: "v1" as const,
    kind: "ServiceAccount" as const,
    metadata: metadata(env, fluxServiceAccountName(env)),
  };
}

/** What the service account may do in one of the environment's namespaces: `admin` there. */
export function buildRoleBinding(env: FluxEnvironment, namespace: string) {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1" as const,
    kind: "RoleBinding" as const,
    metadata: { ...metadata(env, `flux-${fluxServiceAccountName(env)}`), namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [
      {
        kind: "ServiceAccount",
        name: fluxServiceAccountName(env),
        namespace: env.flux.namespace,
      },
    ],
  };
}

/** The Kustomization or HelmRelease (and its source) of an app in an environment: `<app>-<env>`. */
export function fluxObjectNameFor(app: string, environment: string): string {
  return `${app}-${environment}`;
}

/** Which Flux kind applies the app: a Kustomization (overlay) or a HelmRelease (chart). */
export function fluxKindOf(app: Pick<AppConfig, "helm">): "Kustomization" | "HelmRelease" {
  return app.helm ? "HelmRelease" : "Kustomization";
}

/** Flux's source-controller clones https:// and ssh:// URLs; `git@host:path` is ssh. */
export function fluxGitURL(repoURL: string): string {
  const scp = /^git@([^:/]+):(.+)$/.exec(repoURL);
  return scp ? `ssh://git@${scp[1]}/${scp[2]}` : repoURL;
}

/** A revision as Flux's `ref`: a commit, a full ref, a release tag, or else a branch. */
export function gitRef(revision: string): NonNullable<NonNullable<IGitRepository["spec"]>["ref"]> {
  if (/^[0-9a-f]{40}$/.test(revision)) return { commit: revision };
  if (revision.startsWith("refs/")) return { name: revision };
  if (/^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/.test(revision)) return { tag: revision };
  return { branch: revision };
}

function metadata(
  env: FluxEnvironment,
  name: string,
  app?: AppConfig,
  extraAnnotations: Record<string, string> = {},
) {
  return {
    name,
    namespace: env.flux.namespace,
    labels: { ...commonLabels(env), ...(app ? { [LABELS.app]: app.name } : {}) },
    annotations: {
      ...OWNED_ANNOTATIONS,
      ...(app ? { [LABELS.image]: imageReference(app.image, app.tag) } : {}),
      ...extraAnnotations,
    },
  };
}

/** Kustomize's image override: the pinned tag, or the digest of a `@sha256:` pin. */
function imageOverride(app: AppConfig) {
  return app.tag.startsWith("@")
    ? { name: app.image, digest: app.tag.slice(1) }
    : { name: app.image, newTag: app.tag };
}

export interface FluxAppOptions {
  /** The upstream environment's Kustomization or HelmRelease on the same cluster. */
  dependsOn?: FluxDependency;
  /** Promotion records and marks, as on the Argo CD Application. */
  annotations?: Record<string, string>;
}

export function buildGitRepository(env: FluxEnvironment, app: AppConfig): GitRepositoryManifest {
  if (!app.source) throw new Error(`app ${app.name} has no kustomize source`);
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: metadata(env, fluxObjectNameFor(app.name, env.environment), app),
    spec: {
      url: fluxGitURL(app.source.repoURL),
      ref: gitRef(app.source.targetRevision),
      interval: env.flux.sourceInterval,
    },
  };
}

export function buildKustomization(
  env: FluxEnvironment,
  app: AppConfig,
  options: FluxAppOptions = {},
): KustomizationManifest {
  if (!app.source) throw new Error(`app ${app.name} has no kustomize source`);
  const name = fluxObjectNameFor(app.name, env.environment);
  const patch = deploymentPatch(app, true);
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: metadata(env, name, app, options.annotations),
    spec: {
      interval: env.flux.interval,
      timeout: env.flux.timeout,
      sourceRef: { kind: "GitRepository", name },
      serviceAccountName: fluxServiceAccountName(env),
      path: `./${app.source.path.replace(/^\.\//, "")}`,
      targetNamespace: app.namespace,
      prune: env.flux.prune,
      wait: env.flux.wait,
      images: [imageOverride(app)],
      ...(patch
        ? { patches: [{ target: { kind: "Deployment", name: app.deployment }, patch }] }
        : {}),
      ...(options.dependsOn ? { dependsOn: [options.dependsOn] } : {}),
    },
  };
}

/** The chart's source: a HelmRepository (https://) or an OCIRepository at the chart's version. */
export function buildChartSource(
  env: FluxEnvironment,
  app: AppConfig,
): HelmRepositoryManifest | OCIRepositoryManifest | GitRepositoryManifest {
  const helm = app.helm;
  if (!helm) throw new Error(`app ${app.name} has no helm chart`);
  const meta = metadata(env, fluxObjectNameFor(app.name, env.environment), app);
  if (helm.path) {
    return {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: meta,
      spec: {
        url: fluxGitURL(helm.repoURL),
        ref: gitRef(helm.version),
        interval: env.flux.sourceInterval,
      },
    };
  }
  if (isOciChart(helm)) {
    return {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "OCIRepository",
      metadata: meta,
      spec: {
        url: `${helm.repoURL.replace(/\/$/, "")}/${helm.chart}`,
        ref: { tag: helm.version },
        interval: env.flux.sourceInterval,
        layerSelector: {
          mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
          operation: "copy",
        },
      },
    };
  }
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmRepository",
    metadata: meta,
    spec: { url: helm.repoURL, interval: env.flux.sourceInterval },
  };
}

export function buildHelmRelease(
  env: FluxEnvironment,
  app: AppConfig,
  options: FluxAppOptions = {},
): HelmReleaseManifest {
  const helm = app.helm;
  if (!helm) throw new Error(`app ${app.name} has no helm chart`);
  const name = fluxObjectNameFor(app.name, env.environment);
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: metadata(env, name, app, options.annotations),
    spec: {
      interval: env.flux.interval,
      timeout: env.flux.timeout,
      releaseName: helm.releaseName,
      serviceAccountName: fluxServiceAccountName(env),
      targetNamespace: app.namespace,
      storageNamespace: app.namespace,
      ...(isOciChart(helm)
        ? { chartRef: { kind: "OCIRepository" as const, name } }
        : helm.path
          ? {
              chart: {
                spec: {
                  chart: `./${helm.path}`,
                  sourceRef: { kind: "GitRepository" as const, name },
                  // A chart in git changes with the revision, not with a version bump.
                  reconcileStrategy: "Revision" as const,
                },
              },
            }
          : {
              chart: {
                spec: {
                  chart: helm.chart ?? app.name,
                  version: helm.version,
                  sourceRef: { kind: "HelmRepository" as const, name },
                },
              },
            }),
      // The namespace is this program's, with its guardrails: never created by Helm.
      install: { createNamespace: false, remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3, remediateLastFailure: true } },
      values: helmValues(app, helm),
      ...(options.dependsOn ? { dependsOn: [options.dependsOn] } : {}),
    },
  };
}

/** The source and the applier of one app, in the order they are declared. */
export function buildFluxApp(
  env: FluxEnvironment,
  app: AppConfig,
  options: FluxAppOptions = {},
): FluxManifest[] {
  return app.helm
    ? [buildChartSource(env, app), buildHelmRelease(env, app, options)]
    : [buildGitRepository(env, app), buildKustomization(env, app, options)];
}

/** The environment's Slack Provider: the webhook is in a Secret, never in the program. */
export function buildSlackProvider(env: FluxEnvironment): ProviderManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Provider",
    metadata: metadata(env, `${env.system}-${env.environment}-slack`),
    spec: {
      type: "slack",
      channel: env.slackChannel.replace(/^#/, ""),
      secretRef: { name: env.flux.slackSecret },
    },
  };
}

/**
 * The environment's Alert: every event (applied, failed, health) of its Kustomizations and
 * HelmReleases to its Slack channel, as the Argo CD path subscribes the channel to sync succeeded,
 * sync failed and health degraded.
 */
export function buildAlert(
  env: FluxEnvironment,
  apps: readonly Pick<AppConfig, "name" | "helm">[],
): AlertManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: metadata(env, `${env.system}-${env.environment}`),
    spec: {
      providerRef: { name: `${env.system}-${env.environment}-slack` },
      eventSeverity: "info",
      eventSources: apps.map((app) => ({
        kind: fluxKindOf(app),
        name: fluxObjectNameFor(app.name, env.environment),
      })),
      eventMetadata: { environment: env.environment, system: env.system },
    },
  };
}
