/**
 * Policies on the Argo CD objects a stack declares (Applications and AppProjects, declared as
 * kubernetes CustomResources), checked on their inputs whatever code produced them.
 */
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { ACCEPTED_IMAGE_TAGS, checkImageTag } from "../rules/imageTag";
import { at, isRecord, stringAt, type Props } from "./props";
import { environmentView, isLastEnvironment, type StackConfig } from "./stackConfig";
import { NO_STACK_CONFIG, formatViolation, type Violation } from "./violation";

export const APPLICATION_TYPE = "kubernetes:argoproj.io/v1alpha1:Application";
export const APP_PROJECT_TYPE = "kubernetes:argoproj.io/v1alpha1:AppProject";

/**
 * The contract the pack enforces, written here rather than imported from the program, so that an
 * edit of the program's constants cannot silence a policy (policy/tests check that they agree).
 */
export const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";
export const ENVIRONMENT_LABEL = "promotion.gitops/environment";

/** The kustomize sections of an Application: `spec.source` and each of `spec.sources`. */
function kustomizeSections(props: Props): Array<{ path: string; kustomize: unknown }> {
  const sections: Array<{ path: string; kustomize: unknown }> = [];
  const single = at(props, "spec", "source", "kustomize");
  if (single !== undefined) sections.push({ path: "spec.source.kustomize", kustomize: single });
  const sources = at(props, "spec", "sources");
  if (Array.isArray(sources)) {
    sources.forEach((source: unknown, i: number) => {
      const kustomize = at(source, "kustomize");
      if (kustomize !== undefined) {
        sections.push({ path: `spec.sources[${i}].kustomize`, kustomize });
      }
    });
  }
  return sections;
}

/**
 * The tag of a kustomize `images` entry: `image:tag`, `image@sha256:...` (as rules/imageTag.ts
 * writes a digest, with its `@`), or `name=newName:tag`; empty when it pins none.
 */
export function tagOfImageOverride(entry: string): string {
  const reference = entry.includes("=") ? entry.slice(entry.indexOf("=") + 1) : entry;
  const atSign = reference.indexOf("@");
  if (atSign >= 0) return reference.slice(atSign);
  const colon = reference.lastIndexOf(":");
  return colon > reference.lastIndexOf("/") ? reference.slice(colon + 1) : "";
}

export function imageTagViolations(name: string, props: Props): Violation[] {
  const violations: Violation[] = [];
  for (const { path, kustomize } of kustomizeSections(props)) {
    const images = at(kustomize, "images");
    if (images === undefined) continue;
    if (!Array.isArray(images)) {
      violations.push({
        object: name,
        field: `${path}.images`,
        value: images,
        reason: "it is not a list of image overrides",
        accepted: `a list of "image:tag" entries, each tag one of ${ACCEPTED_IMAGE_TAGS}`,
      });
      continue;
    }
    images.forEach((entry: unknown, i: number) => {
      const field = `${path}.images[${i}]`;
      if (typeof entry !== "string") {
        violations.push({
          object: name,
          field,
          value: entry,
          reason: "it is not an image reference",
          accepted: `"image:tag" with a tag that is one of ${ACCEPTED_IMAGE_TAGS}`,
        });
        return;
      }
      const tag = tagOfImageOverride(entry);
      const checked = checkImageTag(tag);
      if ("refused" in checked) {
        violations.push({
          object: name,
          field,
          value: entry,
          reason: tag === "" ? "it pins no tag" : checked.refused,
          accepted: ACCEPTED_IMAGE_TAGS,
        });
      }
    });
  }
  return violations;
}

export function syncModeViolations(
  name: string,
  props: Props,
  config: StackConfig | undefined,
): Violation[] {
  const automated = at(props, "spec", "syncPolicy", "automated");
  // Argo CD 3 can switch automated sync off in place with `enabled: false`.
  const isAutomated =
    automated !== undefined && automated !== null && at(automated, "enabled") !== false;
  if (!config) {
    return isAutomated
      ? [
          {
            object: name,
            field: "spec.syncPolicy.automated",
            value: automated,
            reason: NO_STACK_CONFIG,
            accepted: "a run with the stack's configuration",
          },
        ]
      : [];
  }
  const env = environmentView(config);
  const label = at(props, "metadata", "labels", ENVIRONMENT_LABEL);
  const violations: Violation[] = [];
  if (label !== env.environment) {
    violations.push({
      object: name,
      field: `metadata.labels["${ENVIRONMENT_LABEL}"]`,
      value: label,
      reason:
        `the stack declares environment ${JSON.stringify(env.environment)} ` +
        "(promotion:environment), and its sync mode holds only for Applications labelled with it",
      accepted: JSON.stringify(env.environment),
    });
  }
  if (isAutomated && env.syncMode !== "automated") {
    violations.push({
      object: name,
      field: "spec.syncPolicy.automated",
      value: automated,
      reason:
        `environment ${JSON.stringify(env.environment)} is configured promotion:syncMode: ` +
        `${env.syncMode}, so Argo CD must never sync it on its own`,
      accepted: "no spec.syncPolicy.automated (a sync by hand, argocd app sync)",
    });
  }
  // The last environment is where users are: automated there needs a reviewed reason in the stack
  // file, as the program refuses it without one (config/validate.ts). Without the chain (the pack
  // did not get the stack file) the position cannot be told, and only the program checks it.
  if (
    isAutomated &&
    env.syncMode === "automated" &&
    env.automatedSyncReason === undefined &&
    env.environment !== undefined &&
    config.chain !== undefined &&
    isLastEnvironment(config.chain, env.environment)
  ) {
    violations.push({
      object: name,
      field: "spec.syncPolicy.automated",
      value: automated,
      reason:
        `environment ${JSON.stringify(env.environment)} is the last of the chain (no stack file ` +
        "names it as its promotion:upstream), and an automated sync there deploys every merge " +
        "to users at once without a reviewed reason",
      accepted:
        'promotion:syncMode: manual, or promotion:automatedSyncReason: "<the reviewed reason>" ' +
        "in the stack file",
    });
  }
  return violations;
}

export function finalizerViolations(name: string, props: Props): Violation[] {
  const finalizers = at(props, "metadata", "finalizers");
  if (Array.isArray(finalizers) && finalizers.includes(RESOURCES_FINALIZER)) return [];
  return [
    {
      object: name,
      field: "metadata.finalizers",
      value: finalizers,
      reason:
        "without it, deleting the Application leaves everything it deployed running, " +
        "unowned, in the cluster",
      accepted: `a list holding "${RESOURCES_FINALIZER}"`,
    },
  ];
}

export function destinationViolations(
  name: string,
  props: Props,
  config: StackConfig | undefined,
): Violation[] {
  const destinations = at(props, "spec", "destinations");
  if (!config) {
    return [
      {
        object: name,
        field: "spec.destinations",
        value: destinations,
        reason: NO_STACK_CONFIG,
        accepted: "a run with the stack's configuration",
      },
    ];
  }
  const env = environmentView(config);
  const accepted =
    `destinations on ${env.clusterServer} (promotion:clusterServer) in the environment's own ` +
    `namespaces, ${JSON.stringify(env.namespaces)} (promotion:namespace, promotion:extraNamespaces)`;
  if (!Array.isArray(destinations)) {
    return [
      {
        object: name,
        field: "spec.destinations",
        value: destinations,
        reason: "the AppProject lists no destinations of its own",
        accepted,
      },
    ];
  }
  const violations: Violation[] = [];
  destinations.forEach((destination: unknown, i: number) => {
    const field = `spec.destinations[${i}]`;
    const namespace = at(destination, "namespace");
    if (at(destination, "server") !== env.clusterServer) {
      violations.push({
        object: name,
        field,
        value: destination,
        reason: `its cluster is not the environment's (${env.clusterServer})`,
        accepted,
      });
    } else if (typeof namespace !== "string" || !env.namespaces.includes(namespace)) {
      violations.push({
        object: name,
        field,
        value: destination,
        reason: `namespace ${JSON.stringify(namespace)} is not one of the environment's`,
        accepted,
      });
    }
  });
  return violations;
}

export function clusterWhitelistViolations(name: string, props: Props): Violation[] {
  const whitelist = at(props, "spec", "clusterResourceWhitelist");
  if (!Array.isArray(whitelist)) return [];
  const violations: Violation[] = [];
  whitelist.forEach((entry: unknown, i: number) => {
    if (at(entry, "group") === "*" && at(entry, "kind") === "*") {
      violations.push({
        object: name,
        field: `spec.clusterResourceWhitelist[${i}]`,
        value: entry,
        reason:
          "it lets the environment's Applications manage every cluster-scoped kind (namespaces, " +
          "CRDs, ClusterRoles), far beyond the environment",
        accepted: "the cluster-scoped kinds the apps need, named by group and kind",
      });
    }
  });
  return violations;
}

/**
 * Why a sourceRepos entry admits repositories of anyone: `*`, `**`, or a glob over the host or the
 * owner. Exact URLs and globs over one owner's repository names (`https://github.com/org/*`) pass.
 */
export function wildcardRepoReason(entry: string): string | undefined {
  if (!entry.includes("*")) return undefined;
  if (/^\*+$/.test(entry)) return "it admits every repository";
  if (entry.includes("**")) return `"**" admits repositories of any owner`;
  const path = entry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/^[^@/]*@/, "");
  const segments = path.split("/");
  if (segments.slice(0, -1).some((s) => s.includes("*"))) {
    return "a wildcard in the host or owner admits repositories of anyone";
  }
  return undefined;
}

export function sourceRepoViolations(name: string, props: Props): Violation[] {
  const repos = at(props, "spec", "sourceRepos");
  if (!Array.isArray(repos)) return [];
  const violations: Violation[] = [];
  repos.forEach((entry: unknown, i: number) => {
    const reason = typeof entry === "string" ? wildcardRepoReason(entry) : "it is not a URL";
    if (reason) {
      violations.push({
        object: name,
        field: `spec.sourceRepos[${i}]`,
        value: entry,
        reason,
        accepted:
          "repository URLs (promotion:sourceRepos), or a glob over one owner's repositories " +
          "such as https://github.com/<owner>/*",
      });
    }
  });
  return violations;
}

type Check = (name: string, props: Props) => Violation[];

/** A validateResource that runs `check` on resources of `type`, named `<kind> <metadata.name>`. */
function on(type: string, kind: string, check: Check) {
  return (
    args: { type: string; props: Record<string, unknown>; name: string },
    reportViolation: ReportViolation,
  ): void => {
    if (args.type !== type) return;
    const props = isRecord(args.props) ? args.props : {};
    const name = `${kind} ${stringAt(props, "metadata", "name") ?? args.name}`;
    for (const v of check(name, props)) reportViolation(formatViolation(v));
  };
}

/** The Argo CD policies; those that need the stack's configuration get it here. */
export function argoCdPolicies(config: StackConfig | undefined): ResourceValidationPolicy[] {
  return [
    {
      name: "immutable-image-tags",
      description:
        "Every image an Application overrides (spec.source.kustomize.images) is pinned by an " +
        "immutable tag or digest (rules/imageTag.ts): never latest, main or a malformed tag.",
      enforcementLevel: "mandatory",
      validateResource: on(APPLICATION_TYPE, "Application", imageTagViolations),
    },
    {
      name: "manual-environments-sync-by-hand",
      description:
        "An Application of an environment configured promotion:syncMode: manual has no automated " +
        "sync, nor one of the chain's last environment without promotion:automatedSyncReason; " +
        "and it carries the stack's environment label.",
      enforcementLevel: "mandatory",
      validateResource: on(APPLICATION_TYPE, "Application", (name, props) =>
        syncModeViolations(name, props, config),
      ),
    },
    {
      name: "applications-keep-resources-finalizer",
      description: `Every Application carries the ${RESOURCES_FINALIZER} finalizer (cascading delete).`,
      enforcementLevel: "mandatory",
      validateResource: on(APPLICATION_TYPE, "Application", finalizerViolations),
    },
    {
      name: "projects-stay-in-their-environment",
      description:
        "An AppProject's destinations are the environment's own cluster and namespaces " +
        "(promotion:clusterServer, promotion:namespace, promotion:extraNamespaces).",
      enforcementLevel: "mandatory",
      validateResource: on(APP_PROJECT_TYPE, "AppProject", (name, props) =>
        destinationViolations(name, props, config),
      ),
    },
    {
      name: "no-cluster-wide-whitelist",
      description: 'No AppProject whitelists every cluster-scoped kind ({group: "*", kind: "*"}).',
      enforcementLevel: "mandatory",
      validateResource: on(APP_PROJECT_TYPE, "AppProject", clusterWhitelistViolations),
    },
    {
      name: "no-wildcard-source-repos",
      description:
        "No AppProject admits any repository: no sourceRepos entry *, ** or a glob over hosts or owners.",
      enforcementLevel: "mandatory",
      validateResource: on(APP_PROJECT_TYPE, "AppProject", sourceRepoViolations),
    },
  ];
}
