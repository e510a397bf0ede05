/**
 * The lineage gate: an environment takes only a tag its upstream currently runs. Keeping the tag
 * it already runs is always allowed; a rollback returns only to a tag it ran before; a hotfix takes
 * any immutable tag with a reason; the first deployment of an environment is recorded as initial.
 * A promotion may further wait for the upstream's Argo CD Application to be Synced and Healthy on
 * the tag for a soak time. Everything here is pure: the component layer fetches the inputs.
 */
import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import type { Bypass, GateSettings } from "../model/environment";
import { allow, refuse, type Verdict } from "./verdict";
import { shortDigest } from "./registry";
import { valueAt } from "./helm";
import {
  FIRST_ENVIRONMENT_SOURCE,
  tagsRan,
  type PromotionKind,
  type PromotionRecord,
} from "./record";

/** What the upstream stack's outputs say it runs, per app; or that it has no outputs yet. */
export type UpstreamTags = Record<string, string> | "no record";

export interface GateInput {
  /** The environment taking the tag. */
  environment: string;
  app: string;
  /** The tag its stack file pins. */
  tag: string;
  /** The image repository its stack file pins; when given, a tag only counts from that image. */
  image?: string;
  /**
   * The manifest digest its stack file pins next to the tag; when given, and the upstream's (or
   * its own) outputs have one, the tag only counts with that digest: the same artifact.
   */
  digest?: string;
  /**
   * The upstream environment and what it runs now (tags, and the image repository of each app
   * when known); undefined for the first environment.
   */
  upstream?: {
    environment: string;
    tags: UpstreamTags;
    images?: Record<string, string>;
    /** The digest the upstream runs each app's tag as, when its outputs have one. */
    digests?: Record<string, string>;
    /** What the upstream's stack file pins now, per app, when it could be read. */
    pinned?: Record<string, string>;
  };
  /**
   * What this environment runs now (its own previous outputs: tag and image) and its records,
   * newest first; or "no record" when its stack has no outputs at all (never deployed).
   */
  own:
    | { tag?: string; image?: string; digest?: string; history: readonly PromotionRecord[] }
    | "no record";
  bypass?: Bypass;
}

export type GateKind = PromotionKind | "unchanged";

/** What an allowed change is, for its record. */
export interface GateAllowance {
  kind: GateKind;
  /** The record's `from`. */
  from: string;
  reason?: string;
  /** Whether the upstream's live health and soak time still have to be checked. */
  checkUpstream: boolean;
}

export type GateDecision = Verdict<GateAllowance>;

const tagKey = (app: string) => `promotion:apps.${app}.tag`;

/** Decides whether `environment` may run `tag` of `app`. */
export function decideGate(input: GateInput): GateDecision {
  const { environment: env, app, tag, upstream, bypass } = input;
  const refused = (reason: string, accepted: string): GateDecision =>
    refuse({ stack: env, key: tagKey(app), value: tag, reason, accepted });

  if (input.own === "no record") {
    const notes = [`first deployment of ${env}: no earlier record to check ${tag} against`];
    if (upstream && upstream.tags !== "no record" && upstream.tags[app] !== undefined) {
      notes.push(`${upstream.environment} runs ${upstream.tags[app]}`);
    }
    if (bypass) notes.push(`the stack file declares a ${bypass.kind}: ${bypass.reason}`);
    return allow({ kind: "initial", from: env, reason: notes.join("; "), checkUpstream: false });
  }
  // An app the environment has no tag of yet (newly added) goes through the gate like any change.
  const own = input.own;
  const current = own.tag ?? own.history[0]?.tag;
  // The same tag of another image repository is another build: it goes through the gate.
  const sameImage =
    input.image === undefined || own.image === undefined || own.image === input.image;
  // The same tag as another artifact (re-pushed) is another build too; a digest newly pinned
  // for the tag it runs (pin-digests) is not a change.
  const sameDigest =
    input.digest === undefined || own.digest === undefined || own.digest === input.digest;
  if (current === tag && sameImage && sameDigest) {
    return allow({ kind: "unchanged", from: env, checkUpstream: false });
  }

  if (bypass) {
    if (bypass.reason.trim() === "") {
      return refused(
        `${env} cannot take ${tag} as a ${bypass.kind} without a reason`,
        `a reason in promotion:apps.${app}.bypass.reason`,
      );
    }
    if (bypass.kind === "rollback") {
      const ran = tagsRan(own.history);
      if (!ran.includes(tag)) {
        const record = ran.length > 0 ? `its record lists ${ran.join(", ")}` : "it has no record";
        return refused(
          `${env} cannot roll back to ${tag}: ${env} never ran it (${record})`,
          `a tag ${env} ran before for a rollback${ran.length > 0 ? ` (${ran.join(", ")})` : ""}; any other tag is a hotfix (bypass.kind: hotfix)`,
        );
      }
    }
    return allow({ kind: bypass.kind, from: env, reason: bypass.reason, checkUpstream: false });
  }

  if (!upstream) {
    return allow({ kind: "promotion", from: FIRST_ENVIRONMENT_SOURCE, checkUpstream: false });
  }
  const from = upstream.environment;
  const deployFirst = `run 'npm run stack -- up ${from}' first`;
  const pinnedUpstream = upstream.pinned?.[app];
  if (upstream.tags === "no record") {
    return refused(
      `${env} cannot take ${tag}: ${from} has no record of what it runs (never deployed)`,
      `a tag ${from} runs: deploy ${from} first (${deployFirst})`,
    );
  }
  const upstreamTag = upstream.tags[app];
  if (upstreamTag === undefined) {
    return refused(
      `${env} cannot take ${tag}: ${from} does not run ${app}`,
      `a tag ${from} runs: promote ${app} to ${from} first`,
    );
  }
  if (upstreamTag !== tag) {
    if (pinnedUpstream === tag) {
      return refused(
        `${env} cannot take ${tag}: ${from}'s stack file pins ${tag} but ${from} last deployed ${upstreamTag}`,
        `a tag ${from} has deployed: ${deployFirst}`,
      );
    }
    return refused(
      `${env} cannot take ${tag}: ${from} runs ${upstreamTag}`,
      `the tag ${from} runs (${upstreamTag}), or promote to ${from} first; a rollback or hotfix needs a bypass with a reason`,
    );
  }
  const upstreamImage = upstream.images?.[app];
  if (input.image !== undefined && upstreamImage !== undefined && upstreamImage !== input.image) {
    return refused(
      `${env} cannot take ${tag} of ${input.image}: ${from} runs ${tag} of ${upstreamImage}`,
      `the very image ${from} runs (${upstreamImage}): a promotion takes the same build`,
    );
  }
  const upstreamDigest = upstream.digests?.[app];
  if (
    input.digest !== undefined &&
    upstreamDigest !== undefined &&
    upstreamDigest !== input.digest
  ) {
    return refused(
      `${env} cannot take ${tag}@${shortDigest(input.digest)}: ${from} runs it as ${shortDigest(upstreamDigest)}; the tag was re-pushed`,
      `the artifact ${from} runs (${tag}@${upstreamDigest}): a promotion takes the same artifact; pin that digest (npm run promote -- promote --from ${from} --to ${env}), or ship the new build through ${from} first`,
    );
  }
  return allow({ kind: "promotion", from, checkUpstream: true });
}

// ---------------------------------------------------------------------------------------------
// Upstream health and soak time

/** A duration such as 24h, 30m, 1h30m, 2d or 90s; 0 (or "0") for none. */
export const ACCEPTED_DURATION = "a duration such as 24h, 30m, 1h30m or 2d, or 0 for none";
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in a duration, or undefined if it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (value === 0 || value === "0") return 0;
  if (typeof value !== "string" || value === "") return undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  const [d, h, m, s] = match.slice(1).map((part) => Number(part ?? 0));
  return ((d * 24 + h) * 60 + m) * 60 + s;
}

/** 26h, 3h05m, 45m, 30s. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** The live status Argo CD writes on an Application. */
export type ApplicationStatus = NonNullable<IApplication["status"]>;

/** The upstream's Application as the component could read it, or why it could not. */
export type UpstreamApplication =
  | {
      readable: true;
      name: string;
      status?: ApplicationStatus;
      /** The images its spec asks for now (`spec.source.kustomize.images`), when read. */
      desiredImages?: string[];
    }
  | { readable: false; why: string };

export interface HealthInput {
  environment: string;
  /** The app whose tag is checked. */
  app: string;
  upstream: string;
  tag: string;
  /** The image reference the tag deploys (`image:tag` or `image@sha256:...`). */
  imageRef: string;
  settings: GateSettings;
  application: UpstreamApplication;
  now: Date;
  /** A Helm-chart app: where its chart values carry the tag (its deployments name no image). */
  helmTagPath?: string;
}

/** The images the Application runs now: its live summary, else what it last compared against. */
export function liveImages(status: ApplicationStatus): string[] {
  return (
    status.summary?.images ??
    status.sync?.comparedTo?.source?.kustomize?.images ??
    []
  ).filter((image): image is string => typeof image === "string");
}

export function sameImages(a: readonly string[], b: readonly string[]): boolean {
  const sorted = (list: readonly string[]) => [...list].sort().join("\n");
  return sorted(a) === sorted(b);
}

/**
 * Since when the Application has run the image without interruption: the oldest deployment in the
 * unbroken run of newest history entries that deploy it, else the last successful sync of it.
 */
export function runningSince(
  status: ApplicationStatus,
  imageRef: string,
  helm?: { tagPath: string; tag: string },
): string | undefined {
  const history = [...(status.history ?? [])].sort((a, b) => a.id - b.id);
  // A chart's deployment records its values, not images: the tag at the app's values path.
  const deploys = (source: (typeof history)[number]["source"]): boolean =>
    (source?.kustomize?.images ?? []).includes(imageRef) ||
    (helm !== undefined && valueAt(source?.helm?.valuesObject, helm.tagPath) === helm.tag);
  let since: string | undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    if (!deploys(history[i].source)) break;
    since = history[i].deployedAt;
  }
  if (since) return since;
  const operation = status.operationState;
  if (
    operation?.phase === "Succeeded" &&
    operation.finishedAt &&
    deploys(operation.syncResult?.source)
  ) {
    return operation.finishedAt;
  }
  return undefined;
}

/** What the health and soak check found out: whether it could check at all, and what. */
export interface HealthCheck {
  /** False when the upstream's live state could not be (or need not be) read. */
  checked: boolean;
  /** What was checked, or why nothing was ("not checked: ..."); recorded with the promotion. */
  checks: string;
}

export type HealthOutcome = Verdict<HealthCheck>;

/** Decides whether the upstream has run the tag Synced and Healthy for long enough. */
export function decideUpstreamHealth(input: HealthInput): HealthOutcome {
  const { environment: env, upstream, tag, imageRef, settings, application, now } = input;
  if (!settings.requireHealthy && settings.soakSeconds === 0) {
    return allow({
      checked: false,
      checks:
        "not checked: promotion:gate turns health and soak time off (requireHealthy: false, soakTime: 0)",
    });
  }
  if (!application.readable) {
    return allow({ checked: false, checks: `not checked: ${application.why}` });
  }

  const yet = `${env} cannot take ${tag} yet`;
  const app = `${upstream}'s Application ${application.name}`;
  const refused = (reason: string, accepted: string): HealthOutcome =>
    refuse({ stack: env, key: `promotion:apps.${input.app}.tag`, value: tag, reason, accepted });
  const status = application.status;
  if (!status) {
    return refused(`${yet}: ${app} has no status`, "the same tag once Argo CD has synced it");
  }

  // A status computed for an older spec says nothing about what runs now: Argo CD's
  // application-controller has not reconciled the Application since its last change (it is down,
  // or behind). Its health is unknown, which never passes.
  const compared = status.sync?.comparedTo?.source?.kustomize?.images;
  if (application.desiredImages && !sameImages(compared ?? [], application.desiredImages)) {
    const was = compared?.length ? compared.join(", ") : "no images";
    return refused(
      `${yet}: ${app}'s health is unknown: Argo CD last compared it against ${was}, but its spec asks for ${application.desiredImages.join(", ")} (the application-controller has not reconciled it since; is it running?)`,
      `the same tag once Argo CD has reconciled ${application.name}`,
    );
  }

  const images = liveImages(status);
  const runsIt = images.includes(imageRef);
  const runs = images.length > 0 ? `runs ${images.join(", ")}` : "reports no images";
  const sync = status.sync?.status ?? "Unknown";
  const health = status.health?.status ?? "Unknown";
  const checks: string[] = [];
  // Health first: a Degraded upstream whose pods still run the previous image is refused for
  // being Degraded (the cause to fix), not only for running another image.
  if (settings.requireHealthy && (sync !== "Synced" || health !== "Healthy")) {
    return refused(
      `${yet}: ${app} is ${sync} and ${health}${runsIt ? "" : ` (it ${runs}, not ${imageRef})`}`,
      `the same tag once ${upstream} is Synced and Healthy on it`,
    );
  }
  if (!runsIt) {
    return refused(
      `${yet}: ${app} ${runs}, not ${imageRef}`,
      `the same tag once ${upstream} has synced it`,
    );
  }
  checks.push(
    settings.requireHealthy
      ? `${upstream} Synced and Healthy on ${tag}`
      : `${upstream} runs ${tag} (health not required)`,
  );

  if (settings.soakSeconds > 0) {
    const soak = formatDuration(settings.soakSeconds);
    const since = runningSince(
      status,
      imageRef,
      input.helmTagPath ? { tagPath: input.helmTagPath, tag } : undefined,
    );
    const soaked = soakCheck({
      since,
      unknown: [
        `${yet}: ${app} has no deployment history of ${imageRef}, so its ${soak} soak time cannot be checked`,
        `the same tag once ${upstream}'s Application has a deployment history of it`,
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

/**
 * The soak time part of an upstream health check, for Argo CD and Flux alike: refused (reason,
 * accepted) when it is unknown since when the upstream runs the tag, or while it has run it for
 * less than the soak time; else what was checked.
 */
export function soakCheck(input: {
  /** When the upstream started running the tag, as its status says; undefined when it does not. */
  since: string | undefined;
  /** The refusal (reason, accepted) when `since` is missing or not a time. */
  unknown: [string, string];
  now: Date;
  soakSeconds: number;
  soak: string;
  upstream: string;
  yet: string;
}): { refused: [string, string] } | { check: string } {
  const { since, now, soakSeconds, soak, upstream, yet } = input;
  const sinceMs = since ? Date.parse(since) : NaN;
  if (since === undefined || Number.isNaN(sinceMs)) return { refused: input.unknown };
  const elapsed = (now.getTime() - sinceMs) / 1000;
  if (elapsed < soakSeconds) {
    const after = new Date(sinceMs + soakSeconds * 1000).toISOString();
    return {
      refused: [
        `${yet}: ${upstream} has run it for ${formatDuration(elapsed)} of the ${soak} soak time (since ${since})`,
        `the same tag after ${after}`,
      ],
    };
  }
  return { check: `running it since ${since} (${formatDuration(elapsed)}, soak time ${soak})` };
}
