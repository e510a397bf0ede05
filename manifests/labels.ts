/** Label and annotation keys this program writes, in one place so selectors and tests agree. */
import type { EnvironmentConfig } from "../model/environment";

export const LABELS = {
  environment: "promotion.gitops/environment",
  system: "promotion.gitops/system",
  app: "app.kubernetes.io/name",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
  /** Annotation: the image reference an Application deploys. */
  image: "promotion.gitops/image",
  /** Kubernetes sets this label on every namespace. */
  namespaceName: "kubernetes.io/metadata.name",
} as const;

/**
 * On every object this program declares: the stack file is the truth, so a hand edit (kubectl
 * patch, another tool) is drift that the next `up` overwrites. Without it the Kubernetes
 * provider's server-side apply stops at the other field manager's conflict, and `preview` and
 * `up` fail until someone removes the edit by hand.
 */
export const OWNED_ANNOTATIONS: Readonly<Record<string, string>> = {
  "pulumi.com/patchForce": "true",
};

/** What the labels say of an environment. */
export type Labelled = Pick<EnvironmentConfig, "environment" | "system">;

export function commonLabels(env: Labelled): Record<string, string> {
  return {
    [LABELS.environment]: env.environment,
    [LABELS.system]: env.system,
    [LABELS.partOf]: env.system,
    [LABELS.managedBy]: "pulumi",
  };
}
