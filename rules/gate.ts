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

/** The registry's manifest digest of a tag, as the program could resolve it, or why it could not. */
export type RegistryDigest = { digest: string } | { unreadable: string };

export interface GateInput {
  /** The environment taking the tag. */
  environment: string;
  app: string;
  /** The tag its stack file pins. */
  tag: string;
  /** The image repository its stack file pins; when given, a tag only counts from that image. */
  image?: string;
  /**
   * The manifest digest its stack file pins next to the tag. A new or changed digest is a change
   * of what runs: it must be the digest the upstream runs (or ran) the tag as, else the registry's.
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
    /** The upstream's records of this app, newest first: the digests it ran each tag as. */
    history?: readonly PromotionRecord[];
    /** What the upstream's stack file pins now, per app, when it could be read. */
    pinned?: Record<string, string>;
  };
  /**
   * What this environment runs now (its own previous outputs: tag and image) and its records,
   * newest first; or "no record" when its stack has no outputs at all (never deployed, or its
   * state was lost: then every tag is checked against the upstream like a promotion).
   */
  own:
    | { tag?: string; image?: string; digest?: string; history: readonly PromotionRecord[] }
    | "no record";
  bypass?: Bypass;
  /**
   * The registry's digest of the tag, resolved by the caller when `digestEvidenceNeeded` says the
   * records cannot vouch for the pinned digest; a digest checked without it is refused.
   */
  registry?: RegistryDigest;
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

/** The digest the upstream runs the tag as now, else the newest it ran it as; else undefined. */
function upstreamDigestOf(input: GateInput): string | undefined {
  const { upstream, app, tag } = input;
  if (!upstream) return undefined;
  if (upstream.tags !== "no record" && upstream.tags[app] === tag && upstream.digests?.[app]) {
    return upstream.digests[app];
  }
  return upstream.history?.find((record) => record.tag === tag && record.digest)?.digest;
}

/** Whether the tag's digest is changing: a digest is pinned that this environment does not run. */
function digestChanges(input: GateInput): boolean {
  if (input.digest === undefined) return false;
  if (input.own === "no record") return true;
  return input.own.digest !== input.digest;
}

/**
 * Whether the gate needs the registry's digest of the tag: the stack file pins a digest this
 * environment does not run, and no record of the upstream vouches for one. The caller resolves it
 * (a read of the registry) and passes it as `registry`.
 */
export function digestEvidenceNeeded(input: Omit<GateInput, "registry">): boolean {
  if (!digestChanges(input)) return false;
  if (input.bypass && input.bypass.tag === input.tag) return false;
  return upstreamDigestOf(input) === undefined;
}

/**
 * Checks a pinned digest that changes what runs against what vouches for it: the digest the
 * upstream runs (or ran) the tag as, else the registry's digest of the tag. Undefined when it
 * matches; a refusal (reason, accepted) when it does not or nothing can vouch for it.
 */
function digestRefusal(input: GateInput): [string, string] | undefined {
  const { environment: env, tag, digest, upstream } = input;
  if (digest === undefined || !digestChanges(input)) return undefined;
  const pinned = `${tag}@${shortDigest(digest)}`;
  const vouched = upstreamDigestOf(input);
  if (vouched !== undefined) {
    if (vouched === digest) return undefined;
    return [
      `${env} cannot take ${pinned}: ${upstream?.environment} runs ${tag} as ${shortDigest(vouched)}, so these are other bytes (the tag was re-pushed, or the digest was edited)`,
      `the digest ${upstream?.environment} runs ${tag} as (${vouched}): pin it with 'npm run promote -- pin-digests --env ${env}', or ship the new build through ${upstream?.environment} first`,
    ];
  }
  const registry = input.registry;
  const whose = upstream
    ? `${upstream.environment} has no record of ${tag}'s digest, and `
    : "the first environment's digest is checked against the registry, and ";
  if (registry === undefined || "unreadable" in registry) {
    const why = registry && "unreadable" in registry ? registry.unreadable : "it was not asked";
    return [
      `${env} cannot take ${pinned}: ${whose}the registry cannot confirm it is the tag's digest (${why})`,
      `a digest the registry confirms for ${tag}, checked when the registry answers (PROMOTION_REGISTRY_* settings, docs/registry.md); or the digest ${upstream?.environment ?? "the upstream"} runs`,
    ];
  }
  if (registry.digest !== digest) {
    return [
      `${env} cannot take ${pinned}: ${whose}the registry has ${tag} as ${shortDigest(registry.digest)}`,
      `the registry's digest of ${tag} (${registry.digest}): run 'npm run promote -- pin-digests --env ${env}'`,
    ];
  }
  return undefined;
}

/** Decides whether `environment` may run `tag` of `app`. */
export function decideGate(input: GateInput): GateDecision {
  const { environment: env, app, tag, upstream, bypass } = input;
  const refused = (reason: string, accepted: string): GateDecision =>
    refuse({ stack: env, key: tagKey(app), value: tag, reason, accepted });

  // A bypass covers the one tag it was written for: left behind, it lets nothing through.
  if (bypass && bypass.tag !== tag) {
    return refused(
      `the ${bypass.kind} bypass of ${app} was written for ${bypass.tag || "no tag"}, not for ${tag}`,
      `remove promotion:apps.${app}.bypass (the next promotion's edit does), or write a bypass for ${tag} with its own reason`,
    );
  }
  if (bypass && bypass.reason.trim() === "") {
    return refused(
      `${env} cannot take ${tag} as a ${bypass.kind} without a reason`,
      `a reason in promotion:apps.${app}.bypass.reason`,
    );
  }

  const own = input.own;
  if (own === "no record") {
    if (bypass?.kind === "initial" || bypass?.kind === "hotfix") {
      return allow({ kind: bypass.kind, from: env, reason: bypass.reason, checkUpstream: false });
    }
    if (!upstream) {
      // The first environment takes builds from CI: its first deployment is any immutable tag.
      return allow({
        kind: "initial",
        from: env,
        reason: `first deployment of ${env}`,
        checkUpstream: false,
      });
    }
    if (bypass?.kind === "rollback") {
      return refused(
        `${env} cannot roll back to ${tag}: ${env} has no record of running anything (never deployed, or its state was lost)`,
        `a tag ${upstream.environment} runs, or a bypass of kind initial with a reason (a reviewed first deployment)`,
      );
    }
    // A stack without state (new, or its state lost) is gated like any change: it takes only a
    // tag its upstream runs, or an explicit, reviewed `initial` bypass.
    const promoted = decidePromotion(input, refused);
    if (!promoted.allowed) {
      return refuse(
        ...promoted.refusals.map((refusal) => ({
          ...refusal,
          reason: `${refusal.reason} (first deployment of ${env}: it has no record, so its tags are checked against ${upstream.environment})`,
          accepted: `${refusal.accepted}; or, for a reviewed first deployment of another tag, promotion:apps.${app}.bypass: { kind: initial, tag: ${tag}, reason: <why> } ('npm run promote -- initial --env ${env} --reason <why>')`,
        })),
      );
    }
    return allow({ ...promoted.value, reason: `first deployment of ${env}` });
  }

  // An app the environment has no tag of yet (newly added) goes through the gate like any change.
  const current = own.tag ?? own.history[0]?.tag;
  // The same tag of another image repository is another build: it goes through the gate.
  const sameImage =
    input.image === undefined || own.image === undefined || own.image === input.image;
  if (current === tag && sameImage) {
    if (!digestChanges(input)) return allow({ kind: "unchanged", from: env, checkUpstream: false });
    // A digest newly pinned (pin-digests) or changed under the tag it runs: other bytes may run.
    if (!bypass) {
      const wrongDigest = digestRefusal(input);
      if (wrongDigest) return refused(...wrongDigest);
      return allow({
        kind: "pin",
        from: upstream && upstreamDigestOf(input) ? upstream.environment : env,
        reason: `digest ${input.digest} pinned for ${tag}`,
        checkUpstream: false,
      });
    }
  }

  if (bypass) {
    if (bypass.kind === "rollback") {
      const ran = tagsRan(own.history);
      if (!ran.includes(tag)) {
        const record = ran.length > 0 ? `its record lists ${ran.join(", ")}` : "it has no record";
        return refused(
          `${env} cannot roll back to ${tag}: ${env} never ran it (${record})`,
          `a tag ${env} ran before for a rollback${ran.length > 0 ? ` (${ran.join(", ")})` : ""}; any other tag is a hotfix (bypass.kind: hotfix)`,
        );
      }
      const ranAs = own.history.find((record) => record.tag === tag && record.digest)?.digest;
      if (input.digest !== undefined && ranAs !== undefined && ranAs !== input.digest) {
        return refused(
          `${env} cannot roll back to ${tag}@${shortDigest(input.digest)}: ${env} ran ${tag} as ${shortDigest(ranAs)}`,
          `the digest ${env} ran (${ranAs}): a rollback returns to the same bytes`,
        );
      }
    }
    if (bypass.kind === "initial") {
      return refused(
        `${env} cannot take ${tag} as initial: ${env} has been deployed before (an initial bypass is for a stack with no record)`,
        `a tag ${upstream?.environment ?? "CI"} runs, or a rollback or hotfix bypass with a reason; remove promotion:apps.${app}.bypass`,
      );
    }
    return allow({ kind: bypass.kind, from: env, reason: bypass.reason, checkUpstream: false });
  }

  if (!upstream) {
    return allow({ kind: "promotion", from: FIRST_ENVIRONMENT_SOURCE, checkUpstream: false });
  }
  return decidePromotion(input, refused);
}

/** A promotion: the upstream runs this very tag (same image, same digest) now. */
function decidePromotion(
  input: GateInput,
  refused: (reason: string, accepted: string) => GateDecision,
): GateDecision {
  const { environment: env, app, tag, upstream } = input;
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
  const wrongDigest = digestRefusal(input);
  if (wrongDigest) return refused(...wrongDigest);
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
    return unreadableUpstream({ ...input, why: application.why });
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
 * The verdict when the upstream's live state cannot be read although the gate asks for health or
 * a soak time: refused (fail closed), unless the environment's stack file accepts it with a reason
 * (`promotion:gate.unreadableUpstream`), which is then recorded with the promotion.
 */
export function unreadableUpstream(input: {
  environment: string;
  app: string;
  upstream: string;
  tag: string;
  settings: GateSettings;
  why: string;
}): HealthOutcome {
  const { environment: env, upstream, tag, settings, why } = input;
  if (settings.unreadableUpstream !== undefined) {
    return allow({
      checked: false,
      checks: `not checked: ${why}; accepted by promotion:gate.unreadableUpstream: ${settings.unreadableUpstream}`,
    });
  }
  const wants = [
    settings.requireHealthy ? "Synced and Healthy" : undefined,
    settings.soakSeconds > 0 ? `for ${formatDuration(settings.soakSeconds)}` : undefined,
  ]
    .filter(Boolean)
    .join(" ");
  return refuse({
    stack: env,
    key: `promotion:apps.${input.app}.tag`,
    value: tag,
    reason: `${env} cannot take ${tag}: promotion:gate asks that ${upstream} run it ${wants}, and ${upstream}'s live state cannot be read: ${why}`,
    accepted: `the same tag once ${upstream}'s live state can be read from here (a plain or exec-plugin kubeconfig in ${upstream}'s stack file, not a secret one; ${upstream} deployed to a cluster); or promotion:gate.unreadableUpstream: <why ${env} accepts promotions it cannot check> in ${env}'s stack file, recorded with every such promotion`,
  });
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
