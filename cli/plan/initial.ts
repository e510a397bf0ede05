/**
 * Planning a reviewed first deployment: an environment whose stack has no record (new, or its
 * state lost) takes the tags its stack file pins although its upstream does not run them. The gate
 * refuses such a deployment unless each app carries a bypass of kind `initial` for its very tag;
 * this plan writes those bypasses, and changes no tag.
 */
import { finishPlan, reasonRefusal, type AppChange, type Planned } from "./change";
import { findEnvironment } from "./chain";
import type { StackState } from "./state";

export interface InitialRequest {
  env: string;
  /** One app, or every app of the environment when undefined. */
  app?: string;
  reason?: string;
}

/** Plans `initial` bypasses for the tags `env` pins now. */
export function planInitial(states: StackState[], request: InitialRequest): Planned {
  const badReason = reasonRefusal(request.reason);
  if (badReason) return { refused: badReason };
  const reason = request.reason!.trim();
  const found = findEnvironment(states, request.env, request.app);
  if ("refused" in found) return found;
  const { state } = found;
  if (!state.config.upstream) {
    return {
      nothingToDo: `${request.env} is the first environment: its first deployment takes any build from CI without a bypass`,
    };
  }
  const apps = state.config.apps.filter((a) => request.app === undefined || a.name === request.app);
  const todo = apps.filter((a) => {
    const bypass = state.apps[a.name]?.bypass;
    return !(bypass?.kind === "initial" && bypass.tag === a.tag && bypass.reason === reason);
  });
  if (todo.length === 0) {
    return { nothingToDo: `every app of ${request.env} already has this initial bypass` };
  }
  const changes: AppChange[] = todo.map((a) => ({ app: a.name, current: a.tag, tag: a.tag }));
  const body = [
    `Reason: ${reason}`,
    "",
    `A reviewed first deployment of ${request.env}: its stack has no record, so the promotion gate`,
    `checks its tags against ${state.config.upstream}; these tags are taken although ${state.config.upstream} may not run them.`,
    "",
    ...changes.map((c) => `${c.app}: ${c.tag} (initial)`),
  ];
  return {
    plan: finishPlan(
      {
        kind: "initial",
        env: state.config.environment,
        file: state.file,
        reason,
        changes,
        notes: [
          `Merge only if ${request.env}'s stack truly has no state (a new stack, or state lost): once deployed, an initial bypass covers nothing and the next promotion removes it.`,
        ],
      },
      todo.map((a) => ({
        app: a.name,
        tag: a.tag,
        bypass: { kind: "initial", tag: a.tag, reason },
      })),
      body,
    ),
  };
}
