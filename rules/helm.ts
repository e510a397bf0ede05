/**
 * Pure helpers of Helm-chart apps: the values an environment installs (its own values with the
 * pinned tag, image and replicas written at the paths the app names) and how each engine names a
 * chart repository. Shared by manifests/ (both engines) and the gate's reading of a live release.
 */
import type { AppConfig } from "../model/environment";
import type { HelmChart } from "../model/engine";
import { isObject } from "./values";

/** A copy of `values` with `value` at the dotted `path`, creating the objects on the way. */
export function setValueAt(
  values: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path.split(".");
  const copy = { ...values };
  copy[head] =
    rest.length === 0
      ? value
      : setValueAt(isObject(copy[head]) ? copy[head] : {}, rest.join("."), value);
  return copy;
}

/** The value at the dotted `path` of `values`, or undefined. */
export function valueAt(values: unknown, path: string): unknown {
  let current = values;
  for (const part of path.split(".")) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** The values the chart is installed with: the environment's, then replicas, image and tag. */
export function helmValues(app: Pick<AppConfig, "image" | "tag" | "replicas">, helm: HelmChart) {
  let values = setValueAt(helm.values, helm.replicasPath, app.replicas);
  if (helm.imagePath) values = setValueAt(values, helm.imagePath, app.image);
  return setValueAt(values, helm.tagPath, app.tag);
}

/** Whether the chart comes from an OCI registry (`oci://...`). */
export const isOciChart = (helm: Pick<HelmChart, "repoURL">): boolean =>
  helm.repoURL.startsWith("oci://");

/** Argo CD names an OCI chart registry without its scheme (ghcr.io/org/charts). */
export function argoRepoURL(repoURL: string): string {
  return repoURL.replace(/^oci:\/\//, "");
}
