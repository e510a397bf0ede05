/**
 * The validated, typed view of one stack's config that every layer works from. config/ produces
 * it (config/schema.ts checks at compile time that its zod output fits these types); rules/,
 * manifests/, preflight/ and components/ read it. Types and a few constant lists only: this
 * folder imports nothing, so every layer may depend on it.
 */
import type { Engine, FluxSettings, HelmChart } from "./engine";

/** How an image tag is written (rules/imageTag.ts decides which tags are immutable). */
export type ImageTagKind = "sha" | "semver" | "dated-sha" | "digest";

export type BypassKind = "rollback" | "hotfix" | "initial";
export const BYPASS_KINDS = [
  "rollback",
  "hotfix",
  "initial",
] as const satisfies readonly BypassKind[];

/**
 * An escape hatch from the promotion gate, declared in the stack file next to the tag. It names
 * the tag it was written for: left in the file after the tag moved on, it covers nothing and is
 * refused, so a stale exception never lets a later tag through.
 */
export interface Bypass {
  kind: BypassKind;
  /** The tag this exception was written for; it must equal the app's tag. */
  tag: string;
  reason: string;
}

/**
 * Why an app's promotion goes ahead although rules of `promotion:rules` failed, and for which tag
 * (written by `promote --override-rules`, removed by the next promotion).
 */
export interface RulesOverride {
  /** The tag the override was written for; it must equal the app's tag. */
  tag: string;
  reason: string;
}

/** What a promotion waits for in the upstream's live Argo CD Application. */
export interface GateSettings {
  /** How long the upstream must have run the tag; 0 for no soak time. */
  soakSeconds: number;
  /** Whether the upstream must be Synced and Healthy on the tag. */
  requireHealthy: boolean;
  /**
   * Why this environment accepts a promotion whose upstream's live state cannot be read (secret
   * or unreadable kubeconfig, a render-mode upstream, a read error); unset, such a promotion is
   * refused. Recorded with every promotion it lets through.
   */
  unreadableUpstream?: string;
}

export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Kubernetes quantities as the stack file writes them (100m, 128Mi). */
export interface ComputeResources {
  cpu?: string;
  memory?: string;
}

export interface ResourceRequirements {
  requests?: ComputeResources;
  limits?: ComputeResources;
}

/** Container defaults and bounds of the environment's LimitRange. */
export interface LimitRangeConfig {
  defaultRequest?: ComputeResources;
  default?: ComputeResources;
  max?: ComputeResources;
  min?: ComputeResources;
}

/** An AppProject role: who may look at or sync the environment's Applications. */
export interface RoleConfig {
  name: string;
  description?: string;
  groups: string[];
  canSync: boolean;
}

/** An Argo CD sync window (change window). */
export interface SyncWindowConfig {
  kind: "allow" | "deny";
  schedule: string;
  duration: string;
  timeZone?: string;
  manualSync?: boolean;
  applications?: string[];
}

/** A cluster-scoped kind the environment's apps may manage. */
export interface ClusterResourceConfig {
  group: string;
  kind: string;
}

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
  /**
   * The manifest digest (`sha256:...`) the registry served for the tag when it was pinned (for a
   * multi-arch image, its index): what the Application deploys. Absent in stack files written
   * before digests were pinned (`npm run promote -- pin-digests --env <env>` adds it).
   */
  digest?: string;
  /** The kustomize overlay; undefined for a Helm-chart app (`helm`). */
  source?: ManifestSource;
  /** The chart this environment installs, for a Helm-chart app (model/engine.ts). */
  helm?: HelmChart;
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
  /** An escape hatch from the promotion gate declared next to the tag (rollback or hotfix). */
  bypass?: Bypass;
  /** Promote although rules of `promotion:rules` fail; recorded as the record's reason. */
  overrideRules?: RulesOverride;
}

/** `promotion:signatures`: cosign signatures an environment requires of every image. */
export interface SignatureConfig {
  required: boolean;
  /** PEM public key (ECDSA P-256) the signature must verify with. */
  publicKey: string;
}

/** `promotion:gate`, with the soak time in seconds. */
export interface GateConfig extends GateSettings {
  /** The soak time as the stack file writes it (24h, 0). */
  soakTime: string;
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
  /**
   * What a promotion waits for in the upstream's live Argo CD Application; set exactly when the
   * environment has an upstream.
   */
  gate?: GateConfig;
  /**
   * Whether the scheduled auto-promotion may promote into this environment when the gate allows
   * (`promotion:autoPromote`; false unless the stack file says true).
   */
  autoPromote: boolean;
  /** Cosign signatures required of every image pinned here (docs/registry.md). */
  signatures?: SignatureConfig;
  /** The primary namespace, where apps go unless they name another of `namespaces`. */
  namespace: string;
  /** Every namespace the environment owns, primary first. */
  namespaces: string[];
  syncMode: SyncMode;
  /** Which GitOps engine applies the environment's apps (`promotion:engine`, default argocd). */
  engine: Engine;
  /** Flux settings (`promotion:flux`, defaults applied) when `engine` is flux. */
  flux?: FluxSettings;
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
  /** GitHub governance of this environment; undefined when `promotion:governance` is not set. */
  governance?: GovernanceConfig;
  /** How Pulumi Deployments runs this stack; undefined when `promotion:deployments` is not set. */
  deployments?: DeploymentsConfig;
  /** What a promotion into this environment must show; undefined without `promotion:rules`. */
  rules?: PromotionRules;
  /** Where this environment's own evidence is read from (`promotion:evidence`). */
  evidence: EvidenceSources;
  /** What `promote verify` checks after an up (`promotion:verification`, with its defaults). */
  verification: Verification;
}

/** `promotion:verification` with its defaults (docs/rules.md#verification). */
export interface Verification {
  timeout: string;
  timeoutSeconds: number;
  smoke: string[];
  watch: string;
  watchSeconds: number;
  /** `window`: what each measurement covers (the watch duration unless set). */
  slo?: { availability: number; errorRate: number; window: string };
  /** The most of the 30-day error budget of `slo.availability` consumed, percent. */
  errorBudget?: number;
  rollback: "pr" | "push";
}

/** `promotion:rules` (docs/rules.md): percentages 0-100, durations in seconds too. */
export interface PromotionRules {
  /** CI checks that must have succeeded on the image's commit. */
  checks: string[];
  /** Minimum line coverage, percent. */
  coverage?: number;
  security?: { maxHigh: number; maxCritical: number };
  slo?: { availability: number; errorRate: number; window: string; windowSeconds: number };
  /** Maximum error budget consumed, percent. */
  errorBudget?: number;
  noCriticalAlerts: boolean;
  canary?: {
    traffic: number;
    duration: string;
    durationSeconds: number;
    successRate: number;
  };
  /** Approvers the promotion pull request needs (enforced by governance). */
  approvals: string[];
}

export const EVIDENCE_QUERIES = [
  "availability",
  "errorRate",
  "canaryTraffic",
  "canarySuccessRate",
] as const;
export type EvidenceQuery = (typeof EVIDENCE_QUERIES)[number];

/** `promotion:evidence`, with its defaults. */
export interface EvidenceSources {
  /** The environment's Prometheus HTTP API base URL. */
  prometheus?: string;
  /** Where CI publishes each image's reports, with {app} and {tag} (default evidence/{app}/{tag}). */
  reports: string;
  /** Queries replacing the defaults of rules/evidence.ts. */
  queries: Partial<Record<EvidenceQuery, string>>;
}

/** `promotion:deployments` (docs/deployments.md), with its defaults applied. */
export interface DeploymentsConfig {
  /** The Pulumi Cloud organization that owns the stack. */
  organization: string;
  /** The repository folder holding Pulumi.yaml ("." for the root). */
  repoDir: string;
  previewPullRequests: boolean;
  deployCommits: boolean;
  preRunCommands: string[];
  /** Plain (not secret) environment variables. */
  environmentVariables: Record<string, string>;
  /** Names of secret environment variables, read from the applying process's environment. */
  secrets: string[];
}

/** Repository-level governance settings; every stack file carries the same values. */
export interface GitHubRepositoryConfig {
  /** Organization (or user) that owns the repository. */
  owner: string;
  /** Repository name, without the owner. */
  name: string;
  /** Approvers (`@org/team` or `@user`) who own the program code and Pulumi.yaml. */
  platformOwners: string[];
  /** CODEOWNERS patterns of the program code owned by the platform owners (default `*`). */
  platformPaths: string[];
  /** The one stack that declares CODEOWNERS and the protection of shared branches. */
  managingStack: string;
  /** Branches that feed several environments; only the managing stack protects them. */
  sharedBranches: string[];
  /** Numeric GitHub IDs of approvers, for reviewers without an API lookup. */
  reviewerIds: Record<string, number>;
}

/** `promotion:governance`: who approves promotions into this environment, and how. */
export interface GovernanceConfig {
  repository: GitHubRepositoryConfig;
  /** Name of the GitHub environment (defaults to the environment name). */
  githubEnvironment: string;
  /** The branch whose stack file feeds this environment. */
  branch: string;
  /** Code owners of `Pulumi.<env>.yaml` and required reviewers of the GitHub environment. */
  approvers: string[];
  /** Approving reviews a pull request into the branch needs. */
  requiredApprovals: number;
  /** Whether each approving team must approve changes to the stack file (ruleset, beta). */
  everyTeamMustApprove: boolean;
  /** CI check names that must pass before a pull request merges. */
  statusChecks: string[];
  /** Minutes a deployment job waits after approval. */
  waitTimerMinutes: number;
  /** Whoever triggered a deployment may not approve it. */
  preventSelfReview: boolean;
  /** The latest push must be approved by someone other than its author. */
  requireLastPushApproval: boolean;
  /** Actors (CI bots) that may push to the branch without a pull request. */
  pullRequestBypassers: string[];
}
