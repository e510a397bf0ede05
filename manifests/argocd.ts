/**
 * Pure builders of the Argo CD objects an environment needs. They return plain objects typed by
 * the Argo CD CRD models, so the compiler checks field names and tests check the CRD schema.
 */
import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import type { IAppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject";
import { stringify } from "yaml";
import type { AppConfig, EnvironmentConfig } from "../model/environment";
import { imageReference } from "../rules/imageTag";
import { argoRepoURL, helmValues } from "../rules/helm";
import { LABELS, OWNED_ANNOTATIONS, commonLabels } from "./labels";

export type ApplicationManifest = IApplication;
export type AppProjectManifest = IAppProject;
type ApplicationSpec = IApplication["spec"];
type KustomizeOverrides = NonNullable<NonNullable<ApplicationSpec["source"]>["kustomize"]>;

/** Argo CD deletes an Application's resources before the Application itself (cascading delete). */
const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";

/** Sync retry: five tries, 10s doubling to at most 5m, so a transient failure heals itself. */
const SYNC_RETRY = {
  limit: 5,
  backoff: { duration: "10s", factor: 2, maxDuration: "5m" },
};

/**
 * The namespace is created by this program with its guardrails, never by Argo CD; pruning last and
 * in the foreground keeps the old version serving until the new one is applied.
 */
const SYNC_OPTIONS = [
  "CreateNamespace=false",
  "PrunePropagationPolicy=foreground",
  "PruneLast=true",
  "ApplyOutOfSyncOnly=true",
];

/** Notification triggers each environment's Slack channel subscribes to. */
const NOTIFICATION_TRIGGERS = ["on-sync-succeeded", "on-sync-failed", "on-health-degraded"];

/** Kinds an application may not manage: the environment's guardrails belong to this program. */
const GUARDRAIL_KINDS = [
  { group: "", kind: "ResourceQuota" },
  { group: "", kind: "LimitRange" },
  { group: "networking.k8s.io", kind: "NetworkPolicy" },
];

/** What an Application needs to know of its environment. */
export type ApplicationEnvironment = Pick<
  EnvironmentConfig,
  | "environment"
  | "system"
  | "argocdNamespace"
  | "slackChannel"
  | "projectName"
  | "clusterServer"
  | "syncMode"
>;

/** What an AppProject needs to know of its environment. */
export type ProjectEnvironment = Pick<
  EnvironmentConfig,
  | "environment"
  | "system"
  | "argocdNamespace"
  | "projectName"
  | "clusterServer"
  | "sourceRepos"
  | "namespaces"
  | "clusterResources"
  | "roles"
  | "syncWindows"
>;

/** The Argo CD Application of an app in an environment: `<app>-<environment>`. */
export function applicationNameFor(app: string, environment: string): string {
  return `${app}-${environment}`;
}

export function applicationName(
  env: Pick<EnvironmentConfig, "environment">,
  app: Pick<AppConfig, "name">,
): string {
  return applicationNameFor(app.name, env.environment);
}

/**
 * Environment-specific settings as one strategic-merge patch of the app's Deployment, applied by
 * Argo CD's kustomize overrides: the overlay in git stays the same for every build.
 */
export function deploymentPatch(app: AppConfig, withReplicas = false): string | undefined {
  const env = [
    ...(app.logLevel ? [{ name: "LOG_LEVEL", value: app.logLevel }] : []),
    ...Object.entries(app.env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value })),
  ];
  const container: Record<string, unknown> = { name: app.container };
  if (env.length > 0) container.env = env;
  if (app.resources && (app.resources.requests || app.resources.limits)) {
    container.resources = app.resources;
  }
  const spec: Record<string, unknown> = {};
  // Flux's Kustomization has no `replicas` override: the patch carries them there.
  if (withReplicas) spec.replicas = app.replicas;
  if (Object.keys(container).length > 1) spec.template = { spec: { containers: [container] } };
  if (Object.keys(spec).length === 0) return undefined;
  return stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app.deployment },
    spec,
  });
}

function kustomizeOverrides(app: AppConfig): KustomizeOverrides {
  const patch = deploymentPatch(app);
  return {
    images: [imageReference(app.image, app.tag, app.digest)],
    replicas: [{ name: app.deployment, count: app.replicas }],
    ...(patch
      ? { patches: [{ target: { kind: "Deployment", name: app.deployment }, patch }] }
      : {}),
  };
}

/**
 * Where the Application takes the app from: the kustomize overlay with this environment's
 * overrides, or the chart at this environment's version with its values, the pinned tag written
 * at the app's values path (so the overlay or chart never carries the tag; the stack file does).
 */
function applicationSource(app: AppConfig): NonNullable<ApplicationSpec["source"]> {
  if (app.helm) {
    return {
      repoURL: argoRepoURL(app.helm.repoURL),
      // A chart directory in git, or a chart by name from a chart repository or registry.
      ...(app.helm.path ? { path: app.helm.path } : { chart: app.helm.chart }),
      targetRevision: app.helm.version,
      helm: { releaseName: app.helm.releaseName, valuesObject: helmValues(app, app.helm) },
    };
  }
  if (!app.source) throw new Error(`app ${app.name} has neither source nor helm`);
  return {
    repoURL: app.source.repoURL,
    path: app.source.path,
    targetRevision: app.source.targetRevision,
    kustomize: kustomizeOverrides(app),
  };
}

function notificationAnnotations(slackChannel: string): Record<string, string> {
  const channel = slackChannel.replace(/^#/, "");
  return Object.fromEntries(
    NOTIFICATION_TRIGGERS.map((trigger) => [
      `notifications.argoproj.io/subscribe.${trigger}.slack`,
      channel,
    ]),
  );
}

/** Extra annotations (promotion records, rollback marks) come from the caller. */
export function buildApplication(
  env: ApplicationEnvironment,
  app: AppConfig,
  extraAnnotations: Record<string, string> = {},
): ApplicationManifest {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: applicationName(env, app),
      namespace: env.argocdNamespace,
      finalizers: [RESOURCES_FINALIZER],
      labels: { ...commonLabels(env), [LABELS.app]: app.name },
      annotations: {
        ...OWNED_ANNOTATIONS,
        "argocd.argoproj.io/sync-wave": String(app.syncWave),
        ...notificationAnnotations(env.slackChannel),
        [LABELS.image]: imageReference(app.image, app.tag),
        ...extraAnnotations,
      },
    },
    spec: {
      project: env.projectName,
      source: applicationSource(app),
      destination: { server: env.clusterServer, namespace: app.namespace },
      syncPolicy: {
        ...(env.syncMode === "automated" ? { automated: { prune: true, selfHeal: true } } : {}),
        syncOptions: SYNC_OPTIONS,
        retry: SYNC_RETRY,
      },
      revisionHistoryLimit: 10,
    },
  };
}

/** Argo CD RBAC policy lines for one project role. */
function rolePolicies(projectName: string, roleName: string, canSync: boolean): string[] {
  const subject = `proj:${projectName}:${roleName}`;
  const actions = canSync ? ["get", "sync"] : ["get"];
  return actions.map((action) => `p, ${subject}, applications, ${action}, ${projectName}/*, allow`);
}

export function buildAppProject(env: ProjectEnvironment): AppProjectManifest {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: {
      name: env.projectName,
      namespace: env.argocdNamespace,
      finalizers: [RESOURCES_FINALIZER],
      labels: commonLabels(env),
      annotations: { ...OWNED_ANNOTATIONS },
    },
    spec: {
      description: `${env.system} in ${env.environment}: only its own namespaces, only its repositories.`,
      sourceRepos: env.sourceRepos,
      destinations: env.namespaces.map((namespace) => ({ server: env.clusterServer, namespace })),
      clusterResourceWhitelist: env.clusterResources,
      namespaceResourceBlacklist: GUARDRAIL_KINDS,
      orphanedResources: { warn: true },
      roles: env.roles.map((role) => ({
        name: role.name,
        ...(role.description ? { description: role.description } : {}),
        groups: role.groups,
        policies: rolePolicies(env.projectName, role.name, role.canSync),
      })),
      syncWindows: env.syncWindows.map((window) => ({
        kind: window.kind,
        schedule: window.schedule,
        duration: window.duration,
        applications: window.applications ?? ["*"],
        manualSync: window.manualSync ?? false,
        ...(window.timeZone ? { timeZone: window.timeZone } : {}),
      })),
    },
  };
}
