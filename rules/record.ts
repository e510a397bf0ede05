/**
 * Promotion records: what each environment ran, since when, who put it there and how. They live
 * in the stack's own outputs (`promotionRecords`), newest first, and are carried forward from the
 * previous outputs on every run. A record is added only when the tag changes, so a run that
 * changes nothing produces identical outputs.
 */
import { isObject } from "./values";

/**
 * How a tag got into an environment; `pin` is a digest newly pinned (or changed) under the tag the
 * environment already ran, checked against the digest the upstream (or the registry) has for it.
 */
export type PromotionKind = "initial" | "promotion" | "rollback" | "hotfix" | "pin";
const PROMOTION_KINDS: readonly PromotionKind[] = [
  "initial",
  "promotion",
  "rollback",
  "hotfix",
  "pin",
];

export interface PromotionRecord {
  /** The tag the environment took. */
  tag: string;
  /** The manifest digest the tag was pinned with, when the stack file pinned one. */
  digest?: string;
  /**
   * Where it came from: the upstream environment for a promotion, `ci` for the first environment
   * (which takes builds from CI), the environment itself for initial, rollback and hotfix.
   */
  from: string;
  /** When the run that took it started (ISO 8601, UTC). */
  at: string;
  /** Who ran it: the CI actor, else the git author of the stack file's last commit, else the OS user. */
  by: string;
  kind: PromotionKind;
  /** Why: mandatory for rollback and hotfix, set by the program for initial records. */
  reason?: string;
  /** What the gate checked of the upstream's live state, or why it could not. */
  checks?: string;
}

/** How many records each app keeps. */
export const RECORDS_KEPT = 10;

/** Where the first environment's new tags come from. */
export const FIRST_ENVIRONMENT_SOURCE = "ci";

function parseRecord(value: unknown): PromotionRecord | undefined {
  if (!isObject(value)) return undefined;
  const { tag, digest, from, at, by, kind, reason, checks } = value;
  if (typeof tag !== "string" || typeof from !== "string") return undefined;
  if (typeof at !== "string" || typeof by !== "string") return undefined;
  if (!PROMOTION_KINDS.includes(kind as PromotionKind)) return undefined;
  return {
    tag,
    ...(typeof digest === "string" ? { digest } : {}),
    from,
    at,
    by,
    kind: kind as PromotionKind,
    ...(typeof reason === "string" ? { reason } : {}),
    ...(typeof checks === "string" ? { checks } : {}),
  };
}

/**
 * Reads one app's records from a stack's previous `promotionRecords` output. Output written by an
 * older program may be missing or malformed: entries that are not records are dropped.
 */
export function parseRecords(value: unknown): PromotionRecord[] {
  if (!Array.isArray(value)) return [];
  return value
    .map(parseRecord)
    .filter((r): r is PromotionRecord => r !== undefined)
    .slice(0, RECORDS_KEPT);
}

/** Reads every app's records from a stack's previous `promotionRecords` output. */
export function parseAllRecords(value: unknown): Record<string, PromotionRecord[]> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([app, v]) => [app, parseRecords(v)]));
}

/** Tags this environment ran before, per its own records. */
export function tagsRan(history: readonly PromotionRecord[]): string[] {
  return [...new Set(history.map((r) => r.tag))];
}

/** Adds a record in front, keeping the newest RECORDS_KEPT. */
function appendRecord(
  history: readonly PromotionRecord[],
  record: PromotionRecord,
): PromotionRecord[] {
  return [record, ...history].slice(0, RECORDS_KEPT);
}

/** Environment variables naming who started a CI run, in the order they are trusted. */
const CI_ACTOR_VARIABLES = ["GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILDKITE_BUILD_CREATOR"];

export interface ActorSources {
  /** The process environment (CI variables). */
  env: Record<string, string | undefined>;
  /** `Name <email>` of the last commit that touched the stack file, if git knows it. */
  gitAuthor?: string;
  /** The OS user running the program. */
  osUser?: string;
}

/** Who is running the promotion: the CI actor, else the git author, else the OS user. */
export function resolveActor(sources: ActorSources): string {
  for (const variable of CI_ACTOR_VARIABLES) {
    const value = sources.env[variable]?.trim();
    if (value) return value;
  }
  const author = sources.gitAuthor?.trim();
  if (author) return author;
  const user = sources.osUser?.trim();
  return user ? user : "unknown";
}

/** Annotation keys the Application carries, from the record of the tag it deploys. */
const RECORD_ANNOTATIONS = {
  kind: "promotion.gitops/kind",
  from: "promotion.gitops/from",
  at: "promotion.gitops/promoted-at",
  by: "promotion.gitops/promoted-by",
  reason: "promotion.gitops/reason",
  checks: "promotion.gitops/checks",
} as const;

/** The annotations that tell, on the Application itself, how its tag got there. */
export function recordAnnotations(record: PromotionRecord): Record<string, string> {
  return {
    [RECORD_ANNOTATIONS.kind]: record.kind,
    [RECORD_ANNOTATIONS.from]: record.from,
    [RECORD_ANNOTATIONS.at]: record.at,
    [RECORD_ANNOTATIONS.by]: record.by,
    ...(record.reason ? { [RECORD_ANNOTATIONS.reason]: record.reason } : {}),
    ...(record.checks ? { [RECORD_ANNOTATIONS.checks]: record.checks } : {}),
  };
}

/** What one run does to an app's tag, as the gate decided it. */
export interface RecordedChange {
  environment: string;
  tag: string;
  digest?: string;
  kind: PromotionKind | "unchanged";
  from: string;
  at: string;
  by: string;
  reason?: string;
  checks?: string;
}

/**
 * The app's records after this run: unchanged when the tag did not change (so outputs stay
 * identical), one record more when it did. An environment that already ran its tag before records
 * were kept gets one `initial` record for it.
 */
export function nextRecords(
  previous: readonly PromotionRecord[],
  change: RecordedChange,
): PromotionRecord[] {
  if (change.kind === "unchanged") {
    if (previous.length > 0) return [...previous];
    return [
      {
        tag: change.tag,
        from: change.environment,
        at: change.at,
        by: change.by,
        kind: "initial",
        reason: `first record: ${change.environment} already ran ${change.tag} before promotion records were kept`,
      },
    ];
  }
  return appendRecord(previous, {
    tag: change.tag,
    ...(change.digest ? { digest: change.digest } : {}),
    from: change.from,
    at: change.at,
    by: change.by,
    kind: change.kind,
    ...(change.reason ? { reason: change.reason } : {}),
    ...(change.checks ? { checks: change.checks } : {}),
  });
}
