/**
 * Planning a promotion: each app of `to` takes the tag `from` runs. First the apps are selected
 * (--app, --tag, the apps both run), then the changes are made from what `to` runs now.
 */
import { refusePromotion } from "../../rules/chain";
import type { AppConfig } from "../../model/environment";
import type { AppEdit } from "../stackText";
import { changeLines, finishPlan, tagRefusal, type AppChange, type Planned } from "./change";
import { chainLinks, chainOrder, runsList, unknownApp, unknownEnvironments } from "./chain";
import type { StackState } from "./state";

export interface PromotionRequest {
  from: string;
  to: string;
  app?: string;
  tag?: string;
}

type Selection = { apps: AppConfig[]; notes: string[] } | { refused: string };

/** The apps of `source` to promote: --app, else every app `target` has too; then --tag. */
function selectApps(source: StackState, target: StackState, request: PromotionRequest): Selection {
  const { from, to } = request;
  const targetApps = new Set(target.config.apps.map((a) => a.name));
  const notes: string[] = [];
  let selected = source.config.apps;
  if (request.app !== undefined) {
    selected = selected.filter((a) => a.name === request.app);
    if (selected.length === 0) return { refused: unknownApp(source, request.app) };
    if (!targetApps.has(request.app)) {
      return {
        refused: `${target.file} has no app "${request.app}"; add it there (image, source, replicas) in a reviewed change before promoting it`,
      };
    }
  } else {
    for (const app of selected.filter((a) => !targetApps.has(a.name))) {
      notes.push(
        `${app.name}: not in ${target.file}, left out (add it there to promote it to ${to})`,
      );
    }
    selected = selected.filter((a) => targetApps.has(a.name));
    if (selected.length === 0) {
      return { refused: `${from} and ${to} have no app in common; nothing can be promoted` };
    }
  }
  if (request.tag === undefined) return { apps: selected, notes };

  const badTag = tagRefusal(request.tag);
  if (badTag) return { refused: `--tag ${badTag}` };
  const running = selected.filter((a) => a.tag === request.tag);
  if (running.length === 0) {
    const names = selected.map((a) => a.name);
    return {
      refused: `${from} does not run ${request.tag}: it runs ${runsList(source, names)}. Promote what ${from} runs (leave out --tag), or get ${request.tag} into ${from} first`,
    };
  }
  for (const app of selected.filter((a) => a.tag !== request.tag)) {
    notes.push(`${app.name}: ${from} runs ${app.tag}, not ${request.tag}; left out`);
  }
  return { apps: running, notes };
}

/**
 * Plans a promotion. Refused when `to` does not take its tags from `from`, or when --tag / --app
 * name something `from` does not run.
 */
export function planPromotion(states: StackState[], request: PromotionRequest): Planned {
  const { from, to } = request;
  const order = chainOrder(states);
  if (!Array.isArray(order)) return order;
  const unknown = unknownEnvironments(states, [from, to]);
  if (unknown) return { refused: unknown };
  const refusal = refusePromotion(chainLinks(states), from, to);
  if (refusal) return { refused: refusal };
  const source = states.find((s) => s.config.environment === from)!;
  const target = states.find((s) => s.config.environment === to)!;
  const selection = selectApps(source, target, request);
  if ("refused" in selection) return selection;
  const notes = [...selection.notes];

  const changes: AppChange[] = [];
  const edits: AppEdit[] = [];
  const already: string[] = [];
  for (const app of selection.apps) {
    const badTag = tagRefusal(app.tag);
    if (badTag) return { refused: `${source.file}: app ${app.name}: ${badTag}` };
    const targetApp = target.config.apps.find((a) => a.name === app.name)!;
    const current = targetApp.tag;
    const bypass = target.apps[app.name]?.bypass;
    // The same tag pinned as another artifact than the source runs is a change too.
    const sameDigest = app.digest === undefined || app.digest === targetApp.digest;
    if (current === app.tag && !bypass && sameDigest) {
      already.push(`${app.name} ${app.tag}`);
      continue;
    }
    changes.push({
      app: app.name,
      current,
      tag: app.tag,
      ...(app.digest ? { digest: app.digest } : {}),
      endsBypass: bypass,
    });
    // The source's digest goes with its tag; a digest of the old tag must not stay.
    const digest = app.digest ?? (targetApp.digest ? null : undefined);
    edits.push({
      app: app.name,
      tag: app.tag,
      ...(digest !== undefined ? { digest } : {}),
      bypass: null,
      // An override of the rules belonged to the promotion before this one.
      overrideRules: null,
    });
  }
  if (changes.length === 0) {
    return { nothingToDo: `${to} already runs what ${from} runs (${already.join(", ")})` };
  }
  for (const entry of already) notes.push(`${entry}: ${to} already runs it; left out`);

  const body = [`From ${from}:`, ...changeLines(changes)];
  for (const c of changes.filter((c) => c.endsBypass)) {
    body.push(`Ends the ${c.endsBypass!.kind} exception on ${c.app} (${c.endsBypass!.reason}).`);
  }
  return {
    plan: finishPlan(
      { kind: "promotion", env: to, file: target.file, from, changes, notes },
      edits,
      body,
    ),
  };
}
