/**
 * Planning the changes that come from the registry (issue #14), from its answers: `pin-digests`
 * (the digests of the tags an environment already runs) and `build` (a new build discover found
 * for the first environment). Pure: cli/commands/pinDigests.ts and discover.ts ask the registry.
 */
import type { AppEdit } from "../stackText";
import { changeLines, finishPlan, type AppChange, type Planned } from "./change";
import type { StackState } from "./state";

/** The registry's digest of the tag an app runs. */
export interface PinnedDigest {
  app: string;
  tag: string;
  digest: string;
}

/**
 * Pins each digest next to its tag. An app that already pins a digest is left alone when it is
 * the registry's, and refused when it is not (the tag was re-pushed since: a person must look).
 */
export function planPinDigests(state: StackState, resolved: PinnedDigest[]): Planned {
  const env = state.config.environment;
  const changes: AppChange[] = [];
  const notes: string[] = [];
  for (const r of resolved) {
    const pinned = state.config.apps.find((a) => a.name === r.app)?.digest;
    if (pinned === r.digest) {
      notes.push(`${r.app}: ${state.file} already pins ${r.tag}@${r.digest}`);
      continue;
    }
    if (pinned !== undefined) {
      return {
        refused: `${state.file} pins ${r.app} ${r.tag}@${pinned}, but the registry now serves ${r.tag} as ${r.digest}: the tag was re-pushed. pin-digests never moves a pinned digest; to run the new artifact, take it through the chain (npm run promote -- discover / promote), or hotfix it`,
      };
    }
    changes.push({ app: r.app, current: r.tag, tag: r.tag, digest: r.digest });
  }
  if (changes.length === 0) {
    return { nothingToDo: `${state.file} pins the registry's digest of every app` };
  }
  const edits: AppEdit[] = changes.map((c) => ({ app: c.app, tag: c.tag, digest: c.digest }));
  const body = [
    `The digests the registry serves now for the tags ${env} runs:`,
    ...changes.map((c) => `${c.app}: ${c.tag}@${c.digest}`),
  ];
  return {
    plan: finishPlan({ kind: "pin-digests", env, file: state.file, changes, notes }, edits, body),
  };
}

/** A new build discover found for an app: its tag, digest and where and when it was built. */
export interface FoundBuild {
  app: string;
  tag: string;
  digest: string;
  /** The image repository it was found in. */
  image: string;
  /** The image config's creation time, when the strategy read it. */
  created?: string;
  /** semver or created: how it was found newest. */
  strategy: string;
}

/** Takes new builds into the first environment, with their record (kind build, from the registry). */
export function planBuild(state: StackState, builds: FoundBuild[], notes: string[]): Planned {
  const env = state.config.environment;
  if (builds.length === 0) {
    return { nothingToDo: `${env} runs the newest build of every app the registry has` };
  }
  const changes: AppChange[] = builds.map((b) => ({
    app: b.app,
    current: state.config.apps.find((a) => a.name === b.app)!.tag,
    tag: b.tag,
    digest: b.digest,
  }));
  const edits: AppEdit[] = builds.map((b) => ({ app: b.app, tag: b.tag, digest: b.digest }));
  const body = [
    ...changeLines(changes),
    "",
    "Record: kind build, from the registry",
    ...builds.map(
      (b) =>
        `${b.app}: ${b.image}:${b.tag}@${b.digest} (newest by ${b.strategy === "semver" ? "semver order" : `image creation time, ${b.created ?? "?"}`})`,
    ),
  ];
  return {
    plan: finishPlan({ kind: "build", env, file: state.file, changes, notes }, edits, body),
  };
}
