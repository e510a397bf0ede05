/**
 * Which build an app runs, in the words a reviewer decides on: its tag AND the short manifest
 * digest it is pinned with, and whose digest that is. One rendering for the pull request comment,
 * the check title and the `ci up` job summary, so the three never say different things. Pure.
 */
import { shortDigest } from "../registry";
import { FIRST_ENVIRONMENT_SOURCE } from "../record";

/** A build: the tag, the digest, or both. */
export interface Build {
  tag?: string;
  /** `sha256:...`, without the `@`. */
  digest?: string;
}

/**
 * A build from what a stack file or an output says: `tag` may itself be a digest (`@sha256:...`,
 * an app that deploys by digest), `digest` the one pinned next to the tag.
 */
export function toBuild(tag: string | undefined, digest?: string): Build {
  const pinned = digest?.replace(/^@/, "");
  if (tag?.startsWith("@")) return { digest: pinned ?? tag.slice(1) };
  return { ...(tag ? { tag } : {}), ...(pinned ? { digest: pinned } : {}) };
}

/** How the build got there, as the promotion record says (kind, from) for one environment. */
export interface Provenance {
  kind?: string;
  from?: string;
  /** The environment the build runs in, to tell an upstream's digest from the registry's. */
  environment?: string;
}

/**
 * Whose digest the pinned one is, as far as the gate's record shows it. A promotion is taken only
 * while the upstream runs the very tag, and its digest only when it is the one the upstream runs
 * it as (rules/gate.ts); a `pin` names in `from` the upstream whose digest vouched for it, or the
 * environment itself when the registry did; CI's own builds are checked against the registry.
 * Undefined when the record says nothing about the digest (rollback, hotfix, initial).
 */
export function digestSource(provenance: Provenance | undefined): string | undefined {
  const { kind, from, environment } = provenance ?? {};
  if (kind === "promotion") {
    if (!from || from === FIRST_ENVIRONMENT_SOURCE) return "the registry's digest of the tag";
    return `same bytes ${from} runs`;
  }
  if (kind === "pin") {
    if (!from || from === environment) return "the registry's digest of the tag";
    return `${from}'s digest of the tag`;
  }
  return undefined;
}

/** How values (tags, digests) and free text (environment names) are written. */
export interface BuildStyle {
  value: (text: string) => string;
  text: (text: string) => string;
}

export const PLAIN: BuildStyle = { value: (t) => t, text: (t) => t };

/** `sha-5e6f7a8b`, `sha256:5320f4…` for a build by digest, `?` when nothing is known. */
function name(build: Build | undefined, style: BuildStyle): string {
  if (build?.tag) return style.value(build.tag);
  if (build?.digest) return style.value(shortDigest(build.digest));
  return style.value("?");
}

/** `(sha256:5320f4…, same bytes stage runs)` after a tag pinned with its digest. */
function digestNote(build: Build | undefined, source: string | undefined, style: BuildStyle) {
  if (!build?.tag || !build.digest) return "";
  const parts = [style.value(shortDigest(build.digest)), ...(source ? [style.text(source)] : [])];
  return ` (${parts.join(", ")})`;
}

/** `sha-5e6f7a8b (sha256:5320f4…, same bytes stage runs)`: one build and whose digest it is. */
export function buildText(
  build: Build | undefined,
  provenance?: Provenance,
  style: BuildStyle = PLAIN,
): string {
  return `${name(build, style)}${digestNote(build, digestSource(provenance), style)}`;
}

export interface BuildChange {
  /** The engine's operation: create, update, replace, delete. */
  op: string;
  before?: Build;
  after?: Build;
  provenance?: Provenance;
}

const sameBuild = (a: Build | undefined, b: Build | undefined): boolean =>
  a?.tag === b?.tag && a?.digest === b?.digest;

/**
 * What happens to the build: `sha-abc12345 → sha-5e6f7a8b (sha256:5320f4…, same bytes stage
 * runs)`, `sha-abc12345 pinned to sha256:5320f4… (dev's digest of the tag)`, `new on ...`,
 * `removed (ran ...)`, `stays on ...`. The tag is always shown, also when the Application
 * deploys by digest.
 */
export function buildChangeText(change: BuildChange, style: BuildStyle = PLAIN): string {
  const { before, after } = change;
  const source = digestSource(change.provenance);
  let what: string;
  if (change.op === "create") what = `new on ${buildText(after, change.provenance, style)}`;
  else if (change.op === "delete") what = `removed (ran ${buildText(before, undefined, style)})`;
  else if (sameBuild(before, after)) what = `stays on ${buildText(after, undefined, style)}`;
  else if (before?.tag && before.tag === after?.tag && after.digest) {
    // The same tag, newly pinned or pinned to other bytes: what runs may change all the same.
    const from = before.digest ? `${style.value(shortDigest(before.digest))} → ` : "";
    const why = source ? ` (${style.text(source)})` : "";
    what = `${name(after, style)} pinned to ${from}${style.value(shortDigest(after.digest))}${why}`;
  } else if (before?.tag && before.tag === after?.tag && before.digest) {
    what = `${name(after, style)} no longer pinned (ran ${style.value(shortDigest(before.digest))})`;
  } else what = `${name(before, style)} → ${buildText(after, change.provenance, style)}`;
  if (change.op === "replace") what += ", replaced";
  return what;
}
