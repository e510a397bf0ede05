/**
 * The GitOps engine an environment runs on and the Helm-chart source of an app: types only, like
 * model/environment.ts (config/engine.ts and config/helm.ts produce them).
 */

/** Which controller applies what this program declares: Argo CD Applications or Flux objects. */
export type Engine = "argocd" | "flux";
export const ENGINES = ["argocd", "flux"] as const satisfies readonly Engine[];

/** `promotion:flux`, with its defaults applied. */
export interface FluxSettings {
  /** Where the environment's Flux objects live (`flux-system`). */
  namespace: string;
  /** How often the Kustomization or HelmRelease reconciles (`10m`). */
  interval: string;
  /** How long an apply, and its health checks, may take (`5m`). */
  timeout: string;
  /** How often the source (GitRepository, HelmRepository, OCIRepository) is fetched (= interval). */
  sourceInterval: string;
  /** Garbage-collect objects removed from the source (true). */
  prune: boolean;
  /** Wait until everything applied is ready before Ready (true). */
  wait: boolean;
  /**
   * The Secret (in `namespace`) holding the Slack webhook of the notification Provider
   * (`slack-webhook`); the program never holds the webhook itself.
   */
  slackSecret: string;
}

/** `promotion:apps.<app>.helm`: a chart, pinned per environment, instead of a kustomize overlay. */
export interface HelmChart {
  /** `https://...` chart repository, `oci://...` registry path, or a git repository (`path`). */
  repoURL: string;
  /** The chart's name in a chart repository or registry; undefined for a chart in git (`path`). */
  chart?: string;
  /** A chart directory in the git repository `repoURL` instead of a chart repository. */
  path?: string;
  /** The chart version (exact, never a range), or for a chart in git the revision. */
  version: string;
  /** Dotted values path the pinned image tag is written to (`image.tag`). */
  tagPath: string;
  /** Dotted values path the image repository is written to, when the chart takes one. */
  imagePath?: string;
  /** Dotted values path the replicas are written to (`replicaCount`). */
  replicasPath: string;
  /** Values of this environment; the tag, image and replicas paths are written over them. */
  values: Record<string, unknown>;
  /** Helm release name (defaults to the app name). */
  releaseName: string;
}

/** The upstream environment's Flux object this one waits for (`dependsOn`), on the same cluster. */
export interface FluxDependency {
  name: string;
  namespace: string;
}
