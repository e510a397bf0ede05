/**
 * Upstream health and soak time when the upstream runs on Flux (rules/gate.ts decides the same for
 * an Argo CD Application): the upstream's Kustomization or HelmRelease must ask for the very image
 * (its `images` override, or the chart values at the app's tag path), Flux must have reconciled
 * that spec (`observedGeneration`), its Ready condition must be True, and the content it applied
 * must have run for the soak time (the newest entry of its `status.history`). Pure: the preflight
 * reads the object (adapters/fluxObject.ts).
 */
import { allow, refuse } from "./verdict";
import { formatDuration, soakCheck, unreadableUpstream, type HealthOutcome } from "./gate";
import { valueAt } from "./helm";
import { imageReference } from "./imageTag";
import { isObject } from "./values";
import type { GateSettings } from "../model/environment";

/** A Flux object as the API server returns it; only what the gate reads is typed. */
export interface FluxObject {
  metadata?: { generation?: number; [key: string]: unknown };
  spec?: {
    images?: { name?: string; newName?: string; newTag?: string; digest?: string }[];
    values?: unknown;
    [key: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
    lastAppliedRevision?: string;
    /** Kustomization: applied content snapshots; HelmRelease: release snapshots. */
    history?: Record<string, unknown>[];
    [key: string]: unknown;
  };
}

/** The upstream's Kustomization or HelmRelease as the preflight could read it, or why not. */
export type UpstreamFluxObject =
  | { readable: true; kind: "Kustomization" | "HelmRelease"; name: string; object?: FluxObject }
  | { readable: false; why: string };

export interface FluxHealthInput {
  environment: string;
  app: string;
  upstream: string;
  tag: string;
  /** The image repository the tag belongs to. */
  image: string;
  /** For a Helm-chart app: the values path of the tag (and of the image, when the app names one). */
  helm?: { tagPath: string; imagePath?: string };
  settings: GateSettings;
  object: UpstreamFluxObject;
  now: Date;
}

/** The image reference the object's spec asks for, or undefined when it names none. */
export function desiredImage(
  kind: "Kustomization" | "HelmRelease",
  object: FluxObject,
  image: string,
  helm?: { tagPath: string; imagePath?: string },
): string | undefined {
  if (kind === "HelmRelease") {
    const tag = helm ? valueAt(object.spec?.values, helm.tagPath) : undefined;
    const repository = helm?.imagePath ? valueAt(object.spec?.values, helm.imagePath) : image;
    return typeof tag === "string" && typeof repository === "string"
      ? imageReference(repository, tag)
      : undefined;
  }
  const override = (object.spec?.images ?? []).find((entry) => entry.name === image);
  if (!override) return undefined;
  const name = override.newName ?? image;
  if (override.digest) return `${name}@${override.digest}`;
  return override.newTag ? `${name}:${override.newTag}` : undefined;
}

/**
 * Since when the applied content has run: the newest history entry (by its last reconciliation or
 * deployment), when it succeeded; its first reconciliation (or first deployment) is the start.
 */
export function appliedSince(
  kind: "Kustomization" | "HelmRelease",
  object: FluxObject,
): string | undefined {
  const history = (object.status?.history ?? []).filter(isObject);
  const last = (entry: Record<string, unknown>) =>
    String(kind === "Kustomization" ? entry.lastReconciled : entry.lastDeployed);
  const newest = [...history].sort((a, b) => Date.parse(last(b)) - Date.parse(last(a)))[0];
  if (!newest) return undefined;
  if (kind === "Kustomization") {
    return newest.lastReconciledStatus === "ReconciliationSucceeded" &&
      typeof newest.firstReconciled === "string"
      ? newest.firstReconciled
      : undefined;
  }
  return newest.status === "deployed" && typeof newest.firstDeployed === "string"
    ? newest.firstDeployed
    : undefined;
}

/** Decides whether the upstream's Flux object has run the tag Ready for long enough. */
export function decideFluxUpstreamHealth(input: FluxHealthInput): HealthOutcome {
  const { environment: env, upstream, tag, settings, object: read, now } = input;
  const imageRef = imageReference(input.image, tag);
  if (!settings.requireHealthy && settings.soakSeconds === 0) {
    return allow({
      checked: false,
      checks:
        "not checked: promotion:gate turns health and soak time off (requireHealthy: false, soakTime: 0)",
    });
  }
  if (!read.readable) return unreadableUpstream({ ...input, why: read.why });

  const yet = `${env} cannot take ${tag} yet`;
  const what = `${upstream}'s ${read.kind} ${read.name}`;
  const refused = (reason: string, accepted: string): HealthOutcome =>
    refuse({ stack: env, key: `promotion:apps.${input.app}.tag`, value: tag, reason, accepted });
  const object = read.object;
  if (!object) {
    return refused(
      `${yet}: ${what} does not exist on ${upstream}'s cluster`,
      `the same tag once 'npm run stack -- up ${upstream}' has declared it and Flux has applied it`,
    );
  }
  const desired = desiredImage(read.kind, object, input.image, input.helm);
  if (desired !== imageRef) {
    return refused(
      `${yet}: ${what} asks for ${desired ?? `no image of ${input.image}`}, not ${imageRef}`,
      `the same tag once ${upstream} runs it`,
    );
  }
  const generation = object.metadata?.generation;
  const observed = object.status?.observedGeneration;
  if (generation !== undefined && observed !== generation) {
    return refused(
      `${yet}: ${what}'s health is unknown: Flux has not reconciled its current generation ${generation} (observed: ${observed ?? "none"}; is the ${read.kind === "Kustomization" ? "kustomize" : "helm"}-controller running?)`,
      `the same tag once Flux has reconciled ${read.name}`,
    );
  }
  const ready = object.status?.conditions?.find((c) => c.type === "Ready");
  const revision = object.status?.lastAppliedRevision;
  const checks: string[] = [];
  if (settings.requireHealthy) {
    if (ready?.status !== "True") {
      const state = ready
        ? `Ready=${ready.status} (${ready.reason ?? "no reason"}${ready.message ? `: ${ready.message}` : ""})`
        : "without a Ready condition";
      return refused(
        `${yet}: ${what} is ${state}`,
        `the same tag once ${upstream}'s ${read.kind} is Ready on it`,
      );
    }
    checks.push(`${upstream} Ready on ${tag}${revision ? ` (revision ${revision})` : ""}`);
  } else {
    checks.push(`${upstream} asks for ${tag} (health not required)`);
  }

  if (settings.soakSeconds > 0) {
    const soak = formatDuration(settings.soakSeconds);
    const since = appliedSince(read.kind, object);
    const soaked = soakCheck({
      since,
      unknown: [
        `${yet}: ${what} has no successful history entry, so its ${soak} soak time cannot be checked`,
        `the same tag once ${upstream}'s ${read.kind} has applied it successfully`,
      ],
      now,
      soakSeconds: settings.soakSeconds,
      soak,
      upstream,
      yet,
    });
    if ("refused" in soaked) return refused(...soaked.refused);
    checks.push(soaked.check);
  }
  return allow({ checked: true, checks: checks.join(", ") });
}
