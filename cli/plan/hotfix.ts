/** Planning a hotfix: an environment runs a tag without taking it from its upstream. */
import {
  changeLines,
  finishPlan,
  reasonRefusal,
  tagRefusal,
  type AppChange,
  type Planned,
} from "./change";
import { findEnvironment } from "./chain";
import type { StackState } from "./state";

export interface HotfixRequest {
  env: string;
  app: string;
  tag: string;
  reason?: string;
}

/** Plans a hotfix: `env` runs `tag` without taking it from its upstream, with a hotfix bypass. */
export function planHotfix(states: StackState[], request: HotfixRequest): Planned {
  const badReason = reasonRefusal(request.reason);
  if (badReason) return { refused: badReason };
  const reason = request.reason!.trim();
  const found = findEnvironment(states, request.env, request.app);
  if ("refused" in found) return found;
  const { state } = found;
  const badTag = tagRefusal(request.tag);
  if (badTag) return { refused: `--tag ${badTag}` };
  const current = state.config.apps.find((a) => a.name === request.app)!.tag;
  if (current === request.tag) {
    return {
      refused: `${request.env} already runs ${request.tag} for ${request.app}; nothing to hotfix`,
    };
  }
  const changes: AppChange[] = [{ app: request.app, current, tag: request.tag }];
  const body = [`Reason: ${reason}`, "", ...changeLines(changes)];
  return {
    plan: finishPlan(
      {
        kind: "hotfix",
        env: state.config.environment,
        file: state.file,
        reason,
        changes,
        notes: [],
      },
      [
        {
          app: request.app,
          tag: request.tag,
          // A digest of the old tag must not stay (the registry step pins the new one).
          ...(state.apps[request.app]?.digest ? { digest: null } : {}),
          bypass: { kind: "hotfix", tag: request.tag, reason },
        },
      ],
      body,
    ),
  };
}
