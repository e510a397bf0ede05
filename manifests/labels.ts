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
