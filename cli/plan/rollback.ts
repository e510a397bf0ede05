/**
 * Planning a rollback: the environment goes back to a tag it ran before, read from the git
 * history of its stack file, with a rollback bypass that says why.
 */
import { promoteCommandLine, shellQuote } from "../shell";
import type { Bypass } from "../stackText";
import { finishPlan, reasonRefusal, tagRefusal, type AppChange, type Planned } from "./change";
import { findEnvironment } from "./chain";
import { shortRun, tagRuns, type StackVersion, type TagRun } from "./history";
import type { StackState } from "./state";

export interface RollbackRequest {
  env: string;
  app?: string;
  to?: string;
  reason?: string;
}

/** A refusal; `hotfix` when the way out is a hotfix (of `tag` when known) instead of a rollback. */
export type RollbackRefusal = { refused: string; hotfix?: { tag?: string } };

/**
 * The tag to roll back to: `requested` if the app ran it before, else the newest tag it ran before
 * `current` that no rollback moved away from.
 */
export function chooseRollbackTag(
  file: string,
  app: string,
  current: string,
  runs: TagRun[],
  requested?: string,
): { run: TagRun; warning?: string } | RollbackRefusal {
  const earlier: TagRun[] = [];
  for (const run of runs) {
    if (run.tag !== current && !earlier.some((r) => r.tag === run.tag)) earlier.push(run);
  }
  const ranList = earlier.length > 0 ? earlier.map(shortRun).join(", ") : "none";
  if (requested !== undefined) {
    if (requested === current) {
      return {
        refused: `${app} already runs ${requested}; --to names a tag it ran before: ${ranList}`,
      };
    }
    const run = earlier.find((r) => r.tag === requested);
    if (!run) {
      return {
        refused: `${app} has not run ${requested} according to the git history of ${file}; --to accepts a tag it ran before: ${ranList}`,
        hotfix: { tag: requested },
      };
    }
    const warning = run.rolledBackFrom
      ? `${requested} was rolled back from on ${run.rolledBackFrom.date.slice(0, 10)} (${run.rolledBackFrom.reason})`
      : undefined;
    return { run, warning };
  }
  const run = earlier.find((r) => !r.rolledBackFrom);
  if (!run) {
    const none = `the git history of ${file} shows no earlier tag of ${app} to roll back to`;
    if (earlier.length === 0) return { refused: none, hotfix: {} };
    const skipped = earlier.map((r) => `${r.tag} was rolled back from`);
    return { refused: `${none} (${skipped.join(", ")}); name one with --to`, hotfix: {} };
  }
  return { run };
}

/**
 * The refusal with the hotfix command that does what the rollback cannot: pin a build the
 * environment has not run (or one the user names), with the same reason.
 */
function withHotfixCommand(refusal: RollbackRefusal, env: string, app: string, reason: string) {
  if (!refusal.hotfix) return refusal.refused;
  const tag = refusal.hotfix.tag;
  // <TAG> is a placeholder for the user to fill in, so it is not quoted like a value.
  const hotfix = `${promoteCommandLine(["hotfix", "--env", env, "--app", app, "--tag"])} ${
    tag === undefined ? "<TAG>" : shellQuote(tag)
  } --reason ${shellQuote(reason)}`;
  return tag === undefined
    ? `${refusal.refused}. To run another build, hotfix it: ${hotfix} (<TAG>: the immutable tag of the build to run)`
    : `${refusal.refused}. To run ${tag} anyway, hotfix it: ${hotfix}`;
}

/**
 * Plans a rollback of `env` to tags it ran before, from the git history of its stack file
 * (`versions`, newest first). Writes a rollback bypass with the reason under each app.
 */
export function planRollback(
  states: StackState[],
  versions: StackVersion[],
  request: RollbackRequest,
): Planned {
  const badReason = reasonRefusal(request.reason);
  if (badReason) return { refused: badReason };
  const reason = request.reason!.trim();
  const found = findEnvironment(states, request.env, request.app);
  if ("refused" in found) return found;
  const { state, apps } = found;
  if (request.to !== undefined) {
    const badTag = tagRefusal(request.to);
    if (badTag) return { refused: `--to ${badTag}` };
  }
  const changes: AppChange[] = [];
  for (const app of apps) {
    const current = state.config.apps.find((a) => a.name === app)!.tag;
    const chosen = chooseRollbackTag(state.file, app, current, tagRuns(versions, app), request.to);
    if ("refused" in chosen) {
      return { refused: withHotfixCommand(chosen, state.config.environment, app, reason) };
    }
    const badTag = tagRefusal(chosen.run.tag);
    if (badTag) {
      return {
        refused: `${app} ran ${chosen.run.tag} before, but today's policy refuses it: ${badTag}`,
      };
    }
    changes.push({
      app,
      current,
      tag: chosen.run.tag,
      ...(chosen.run.digest ? { digest: chosen.run.digest } : {}),
      ranSince: chosen.run.since,
      warning: chosen.warning,
    });
  }
  const bypass = (tag: string): Bypass => ({ kind: "rollback", tag, reason });
  const body = [
    `Reason: ${reason}`,
    "",
    ...changes.map(
      (c) =>
        `${c.app}: ${c.current} -> ${c.tag} (ran since ${c.ranSince!.commit.slice(0, 7)}, ${c.ranSince!.date.slice(0, 10)})`,
    ),
  ];
  return {
    plan: finishPlan(
      {
        kind: "rollback",
        env: state.config.environment,
        file: state.file,
        reason,
        changes,
        notes: [],
      },
      // The digest the environment ran the tag as, when its stack file pinned one then.
      changes.map((c) => {
        const digest = c.digest ?? (state.apps[c.app]?.digest ? null : undefined);
        return {
          app: c.app,
          tag: c.tag,
          ...(digest !== undefined ? { digest } : {}),
          bypass: bypass(c.tag),
        };
      }),
      body,
    ),
  };
}
