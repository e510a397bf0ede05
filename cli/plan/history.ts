/**
 * The history of a stack file as git records it, collapsed into the stretches during which an
 * app ran one tag; a rollback marks the tag it moved away from.
 */
import type { AppState } from "../stackText";

/** One version of a stack file in its git history. */
export interface StackVersionRef {
  commit: string;
  /** Committer date, ISO 8601. */
  date: string;
  subject: string;
}

export interface StackVersion extends StackVersionRef {
  apps: Record<string, AppState>;
}

/** A stretch of history during which an app ran one tag. */
export interface TagRun {
  tag: string;
  /** The registry digest the stack file pinned with the tag during the stretch (the newest). */
  digest?: string;
  /** The version that set the tag. */
  since: StackVersionRef;
  /** Set when a later rollback moved away from this tag: it was bad. */
  rolledBackFrom?: StackVersionRef & { reason: string };
}

function ref(version: StackVersion): StackVersionRef {
  return { commit: version.commit, date: version.date, subject: version.subject };
}

/**
 * The tags an app ran, newest first, from the versions of its stack file (newest first, as `git
 * log` lists them). A version that changes the tag with a rollback bypass marks the tag before it
 * as rolled back from.
 */
export function tagRuns(versions: StackVersion[], app: string): TagRun[] {
  const runs: TagRun[] = [];
  for (const version of [...versions].reverse()) {
    const state = version.apps[app];
    if (state?.tag === undefined) continue;
    const last = runs[runs.length - 1];
    if (last?.tag === state.tag) {
      if (state.digest) last.digest = state.digest;
      continue;
    }
    if (last && state.bypass?.kind === "rollback") {
      last.rolledBackFrom ??= { ...ref(version), reason: state.bypass.reason };
    }
    runs.push({
      tag: state.tag,
      ...(state.digest ? { digest: state.digest } : {}),
      since: ref(version),
    });
  }
  return runs.reverse();
}

/** "sha-abc (2026-01-14, 4444444)": a run as a user finds it in `git log`. */
export function shortRun(run: TagRun): string {
  return `${run.tag} (${run.since.date.slice(0, 10)}, ${run.since.commit.slice(0, 7)})`;
}
