/**
 * `promotion:apps.<app>.helm`: an app installed from a Helm chart (seed 004: cert-manager,
 * ingress-nginx, prometheus-stack, loki) instead of a kustomize overlay. The chart version is
 * pinned per environment like the tag, and the tag is written to a values path the app names, so
 * the gate, the records and the CLI work on `tag` exactly as for kustomize apps.
 */
import { z } from "zod";
import { isObject, strings, type Loose } from "../rules/values";
import { repoMatches } from "../rules/sourceRepos";
import { argoRepoURL } from "../rules/helm";
import type { HelmChart } from "../model/engine";
import { strictObject } from "./zodShapes";

/** `image.tag`, `controller.image.tag`: dotted names of a values key. */
const VALUES_PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const valuesPath = z
  .string({ error: "a dotted values path such as image.tag" })
  .regex(VALUES_PATH, "a dotted values path such as image.tag or controller.image.tag");

/** An exact chart version (1.2.3, v1.2.3-rc.1): a range would let the chart change unreviewed. */
const EXACT_VERSION = /^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const helmSchema = strictObject(
  {
    repoURL: z
      .string({
        error: "a chart repository (https://...), OCI registry path (oci://...) or git URL",
      })
      .regex(
        /^(https:\/\/|oci:\/\/|ssh:\/\/|git:\/\/|git@)\S+$/,
        "a chart repository (https://...), OCI registry path (oci://...) or, with path, a git URL",
      ),
    chart: z
      .string({ error: "a chart name such as cert-manager" })
      .regex(/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/, "a chart name such as cert-manager")
      .optional(),
    path: z
      .string({ error: "a chart directory in the git repository, such as charts/dex" })
      .refine((p) => p !== "" && !p.startsWith("/") && !p.split("/").includes(".."), {
        error: "a chart directory in the git repository (relative, without '..')",
      })
      .optional(),
    version: z
      .string({ error: "an exact chart version such as 1.16.2 (or, with path, a git revision)" })
      .min(1, "an exact chart version such as 1.16.2 (or, with path, a git revision)"),
    tagPath: valuesPath.optional(),
    imagePath: valuesPath.optional(),
    replicasPath: valuesPath.optional(),
    values: z.record(z.string(), z.unknown(), { error: "a map of chart values" }).optional(),
    releaseName: z
      .string({ error: "a Helm release name" })
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a Helm release name (lowercase, digits, '-')")
      .max(53, "a Helm release name of at most 53 characters")
      .optional(),
  },
  "a Helm chart",
);

export type HelmInput = z.infer<typeof helmSchema>;

export function toHelmChart(app: string, helm: HelmInput): HelmChart {
  return {
    repoURL: helm.repoURL,
    ...(helm.chart ? { chart: helm.chart } : {}),
    ...(helm.path ? { path: helm.path } : {}),
    version: helm.version,
    tagPath: helm.tagPath ?? "image.tag",
    ...(helm.imagePath ? { imagePath: helm.imagePath } : {}),
    replicasPath: helm.replicasPath ?? "replicaCount",
    values: helm.values ?? {},
    releaseName: helm.releaseName ?? app,
  };
}

/**
 * Per app: exactly one of `source` (kustomize overlay) and `helm` (chart); the overlay-only keys
 * (logLevel, resources, env patch a Deployment) are refused on a chart, whose values say them;
 * on Argo CD the chart repository must be one the AppProject allows.
 */
export function helmKeyProblems(raw: Loose): { path: PropertyKey[]; accepted: string }[] {
  const problems: { path: PropertyKey[]; accepted: string }[] = [];
  if (!isObject(raw.apps)) return problems;
  const sourceRepos = strings(raw.sourceRepos);
  for (const [name, app] of Object.entries(raw.apps)) {
    if (!isObject(app)) continue;
    if (app.source === undefined && app.helm === undefined) {
      problems.push({
        path: ["apps", name, "source"],
        accepted:
          "{repoURL, path, targetRevision} of a kustomize overlay, or promotion:apps.<app>.helm {repoURL, chart, version} of a Helm chart",
      });
    }
    if (app.source !== undefined && app.helm !== undefined) {
      problems.push({
        path: ["apps", name, "helm"],
        accepted: "not set together with source: an app is a kustomize overlay or a Helm chart",
      });
    }
    if (!isObject(app.helm)) continue;
    const { chart, path, version } = app.helm;
    if ((chart === undefined) === (path === undefined)) {
      problems.push({
        path: ["apps", name, "helm", chart === undefined ? "chart" : "path"],
        accepted:
          "exactly one of chart (its name in a chart repository or OCI registry) and path (a chart directory in a git repository)",
      });
    } else if (chart !== undefined && typeof version === "string" && !EXACT_VERSION.test(version)) {
      problems.push({
        path: ["apps", name, "helm", "version"],
        accepted: "an exact chart version such as 1.16.2 (never a range or latest)",
      });
    }
    for (const key of ["logLevel", "resources", "env"]) {
      if (app[key] !== undefined) {
        problems.push({
          path: ["apps", name, key],
          accepted: `not set on a Helm-chart app: say it in promotion:apps.${name}.helm.values`,
        });
      }
    }
    if (typeof app.tag === "string" && app.tag.startsWith("@")) {
      problems.push({
        path: ["apps", name, "tag"],
        accepted: `a tag, not a digest, on a Helm-chart app: the chart writes it at ${isObject(app.helm) && typeof app.helm.tagPath === "string" ? app.helm.tagPath : "image.tag"} as image:tag`,
      });
    }
    const repoURL = isObject(app.helm) ? app.helm.repoURL : undefined;
    const engine = raw.engine ?? "argocd";
    if (
      engine === "argocd" &&
      typeof repoURL === "string" &&
      Array.isArray(raw.sourceRepos) &&
      !sourceRepos.some((pattern) => repoMatches(pattern, argoRepoURL(repoURL)))
    ) {
      problems.push({
        path: ["apps", name, "helm", "repoURL"],
        accepted: `one of promotion:sourceRepos (${sourceRepos.join(", ")}): the AppProject refuses other repositories`,
      });
    }
  }
  return problems;
}
