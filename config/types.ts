/** The validated, typed view of one stack's config that the rest of the program works from. */
import type {
  ClusterResourceConfig,
  LimitRangeConfig,
  LogLevel,
  ResourceRequirements,
  RoleConfig,
  SyncWindowConfig,
} from "./schema";
import type { ImageTagKind } from "../rules/imageTag";

export type SyncMode = "automated" | "manual";

export interface ManifestSource {
  /** Git repository holding the kustomize overlay. */
  repoURL: string;
  /** Overlay directory inside the repository. */
  path: string;
  /** Git revision (branch, tag or commit) this environment deploys the manifests from. */
  targetRevision: string;
}

export interface AppConfig {
  /** Key of the app in `promotion:apps`; names the Argo CD Application `<name>-<environment>`. */
  name: string;
  /** Image repository without tag. */
  image: string;
  /** The immutable tag (or `@sha256:` digest) this environment runs. */
  tag: string;
  tagKind: ImageTagKind;
  source: ManifestSource;
  replicas: number;
  logLevel?: LogLevel;
  resources?: ResourceRequirements;
  /** Extra container environment variables set by this environment. */
  env: Record<string, string>;
  /** Destination namespace; always one of the environment's namespaces. */
  namespace: string;
  /** Deployment the overrides patch (defaults to the app name). */
  deployment: string;
  /** Container the overrides patch (defaults to the app name). */
  container: string;
  /** Argo CD sync wave: lower waves sync first. */
  syncWave: number;
}

/** Where the Kubernetes provider sends objects. */
export type KubernetesTarget =
  | { mode: "render"; directory: string }
  | { mode: "cluster"; kubeconfig?: string; context?: string };

export interface EnvironmentConfig {
  /** The Pulumi stack this config came from. */
  stack: string;
  environment: string;
  system: string;
  /** The environment this one takes tags from; undefined for the first environment. */
  upstream?: string;
  /** The primary namespace, where apps go unless they name another of `namespaces`. */
  namespace: string;
  /** Every namespace the environment owns, primary first. */
  namespaces: string[];
  syncMode: SyncMode;
  slackChannel: string;
  argocdNamespace: string;
  clusterServer: string;
  sourceRepos: string[];
  kubernetes: KubernetesTarget;
  quota: Record<string, string>;
  limitRange?: LimitRangeConfig;
  allowIngressFromNamespaces: string[];
  roles: RoleConfig[];
  syncWindows: SyncWindowConfig[];
  clusterResources: ClusterResourceConfig[];
  /** Apps in sync-wave order, then by name. */
  apps: AppConfig[];
  /** Name of the environment's Argo CD AppProject. */
  projectName: string;
}
