/**
 * Planning a change of one stack file, as pure functions: a promotion from the upstream, a
 * rollback to a tag the environment ran before, a hotfix. A plan says which tag lines change, the
 * branch, the commit message; or why the change is refused, or that there is nothing to do.
 */
import type { EnvironmentConfig } from "../model/environment";
import { ChainError, orderChain, refusePromotion, type ChainLink } from "../rules/chain";
import { ACCEPTED_IMAGE_TAGS, checkImageTag } from "../rules/imageTag";
import type { AppEdit, AppState, Bypass, BypassKind } from "./stackText";

/** One environment as the command line sees it. */
export interface StackState {
  /** The validated stack config. */
  config: EnvironmentConfig;
  /** The stack file's name, `Pulumi.<env>.yaml`. */
  file: string;
  /** The stack file read without validation: tags and bypass blocks. */
  apps: Record<string, AppState>;
}

export type ChangeKind = "promotion" | BypassKind;

export interface AppChange {
  app: string;
  /** The tag the environment runs now. */
  current: string;
  /** The tag it runs after the change. */
  tag: string;
  /** A bypass the change ends (promotions remove it). */
  endsBypass?: Bypass;
  /** For a rollback: the version of the stack file where the environment last ran `tag`. */
  ranSince?: StackVersionRef;
  /** Said in the PR body, e.g. that the tag was rolled back from before. */
  warning?: string;
}

export interface ChangePlan {
  kind: ChangeKind;
  /** The environment whose stack file changes. */
  env: string;
  file: string;
  /** For a promotion: where the tags come from. */
  from?: string;
  /** For a rollback or hotfix: why. */
  reason?: string;
  changes: AppChange[];
  edits: AppEdit[];
  branch: string;
  commitSubject: string;
  commitBody: string;
  /** Said on the terminal along with the plan (apps left out and why). */
  notes: string[];
}

export type Planned = { plan: ChangePlan } | { refused: string } | { nothingToDo: string };

export const REASON_REQUIRED =
  "--reason is required: say why, it is recorded in the stack and on the Argo CD Application";

export function chainLinks(states: StackState[]): ChainLink[] {
  return states.map((s) => ({ environment: s.config.environment, upstream: s.config.upstream }));
}

/** The environments in chain order, or the chain's problems. */
export function chainOrder(states: StackState[]): string[] | { refused: string } {
  try {
    return orderChain(chainLinks(states));
  } catch (error) {
    if (error instanceof ChainError) return { refused: error.message };
    throw error;
  }
}

function unknownEnvironment(env: string, states: StackState[]): string {
  const order = chainOrder(states);
  const names = Array.isArray(order) ? order : states.map((s) => s.config.environment).sort();
  return `unknown environment "${env}"; accepted: ${names.join(", ")} (one Pulumi.<env>.yaml each)`;
}

/** A git ref component made from a tag: `@sha256:<hex>` becomes `sha256-<hex>`. */
export function branchPart(tag: string): string {
  return tag.replace(/^@sha256:/, "sha256-").replace(/[^A-Za-z0-9._-]/g, "-");
}

/** "sha-abc" when every app gets the same tag, else "dex sha-abc, api sha-def". */
export function tagSummary(changes: AppChange[]): string {
  const tags = [...new Set(changes.map((c) => c.tag))];
  return tags.length === 1 ? tags[0] : changes.map((c) => `${c.app} ${c.tag}`).join(", ");
}

const BRANCH_PREFIX: Record<ChangeKind, string> = {
  promotion: "promote",
  rollback: "rollback",
  hotfix: "hotfix",
};

export function branchName(kind: ChangeKind, env: string, changes: AppChange[]): string {
  const tags = [...new Set(changes.map((c) => c.tag))];
  const suffix =
    tags.length === 1
      ? branchPart(tags[0])
      : changes.map((c) => `${c.app}-${branchPart(c.tag)}`).join("-");
  return `${BRANCH_PREFIX[kind]}-${env}-${suffix}`;
}

export function commitSubject(kind: ChangeKind, env: string, changes: AppChange[]): string {
  const tags = tagSummary(changes);
  if (kind === "promotion") return `chore: promote ${tags} to ${env}`;
  if (kind === "rollback") return `chore: roll back ${env} to ${tags}`;
  return `chore: hotfix ${env} to ${tags}`;
}

function changeLines(changes: AppChange[]): string[] {
  return changes.map((c) => `${c.app}: ${c.current} -> ${c.tag}`);
}

function finish(
  partial: Omit<ChangePlan, "branch" | "commitSubject" | "commitBody" | "edits">,
  edits: AppEdit[],
  body: string[],
): ChangePlan {
  return {
    ...partial,
    edits,
    branch: branchName(partial.kind, partial.env, partial.changes),
    commitSubject: commitSubject(partial.kind, partial.env, partial.changes),
    commitBody: body.join("\n"),
  };
}

function tagRefusal(tag: string): string | undefined {
  const checked = checkImageTag(tag);
  return "refused" in checked
    ? `tag "${tag}" is refused by the image tag policy: ${checked.refused}; accepted: ${ACCEPTED_IMAGE_TAGS}`
    : undefined;
}

function runsList(state: StackState, apps?: string[]): string {
  return state.config.apps
    .filter((a) => !apps || apps.includes(a.name))
    .map((a) => `${a.name} ${a.tag}`)
    .join(", ");
}

export interface PromotionRequest {
  from: string;
  to: string;
  app?: string;
  tag?: string;
}

/**
 * Plans a promotion: each app of `to` takes the tag `from` runs. Refused when `to` does not take
 * its tags from `from`, or when --tag / --app name something `from` does not run.
 */
export function planPromotion(states: StackState[], request: PromotionRequest): Planned {
  const { from, to } = request;
  const order = chainOrder(states);
  if (!Array.isArray(order)) return order;
  const refusal = refusePromotion(chainLinks(states), from, to);
  if (refusal) return { refused: refusal };
  const source = states.find((s) => s.config.environment === from)!;
  const target = states.find((s) => s.config.environment === to)!;
  const targetApps = new Set(target.config.apps.map((a) => a.name));
  const notes: string[] = [];

  let selected = source.config.apps;
  if (request.app !== undefined) {
    selected = selected.filter((a) => a.name === request.app);
    if (selected.length === 0) {
      return {
        refused: `${from} runs no app "${request.app}"; it runs ${runsList(source)}`,
      };
    }
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

  if (request.tag !== undefined) {
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
    selected = running;
  }

  const changes: AppChange[] = [];
  const edits: AppEdit[] = [];
  const already: string[] = [];
  for (const app of selected) {
    const badTag = tagRefusal(app.tag);
    if (badTag) return { refused: `${source.file}: app ${app.name}: ${badTag}` };
    const current = target.config.apps.find((a) => a.name === app.name)!.tag;
    const bypass = target.apps[app.name]?.bypass;
    if (current === app.tag && !bypass) {
      already.push(`${app.name} ${app.tag}`);
      continue;
    }
    changes.push({ app: app.name, current, tag: app.tag, endsBypass: bypass });
    edits.push({ app: app.name, tag: app.tag, bypass: null });
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
    plan: finish(
      { kind: "promotion", env: to, file: target.file, from, changes, notes },
      edits,
      body,
    ),
  };
}

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
    if (last?.tag === state.tag) continue;
    if (last && state.bypass?.kind === "rollback") {
      last.rolledBackFrom ??= { ...ref(version), reason: state.bypass.reason };
    }
    runs.push({ tag: state.tag, since: ref(version) });
  }
  return runs.reverse();
}

function shortRun(run: TagRun): string {
  return `${run.tag} (${run.since.date.slice(0, 10)}, ${run.since.commit.slice(0, 7)})`;
}

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
): { run: TagRun; warning?: string } | { refused: string } {
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
      };
    }
    const warning = run.rolledBackFrom
      ? `${requested} was rolled back from on ${run.rolledBackFrom.date.slice(0, 10)} (${run.rolledBackFrom.reason})`
      : undefined;
    return { run, warning };
  }
  const run = earlier.find((r) => !r.rolledBackFrom);
  if (!run) {
    const skipped = earlier.map((r) => `${r.tag} was rolled back from`);
    return {
      refused: `the git history of ${file} shows no earlier tag of ${app} to roll back to${
        skipped.length > 0 ? ` (${skipped.join(", ")})` : ""
      }; name one with --to`,
    };
  }
  return { run };
}

export interface RollbackRequest {
  env: string;
  app?: string;
  to?: string;
  reason?: string;
}

/** Checks a bypass reason: required and not blank. */
export function reasonRefusal(reason: string | undefined): string | undefined {
  return reason === undefined || reason.trim() === "" ? REASON_REQUIRED : undefined;
}

function findEnvironment(
  states: StackState[],
  env: string,
  app: string | undefined,
): { state: StackState; apps: string[] } | { refused: string } {
  const state = states.find((s) => s.config.environment === env);
  if (!state) return { refused: unknownEnvironment(env, states) };
  const names = state.config.apps.map((a) => a.name);
  if (app !== undefined && !names.includes(app)) {
    return { refused: `${env} runs no app "${app}"; it runs ${runsList(state)}` };
  }
  return { state, apps: app === undefined ? names : [app] };
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
    if ("refused" in chosen) return chosen;
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
      ranSince: chosen.run.since,
      warning: chosen.warning,
    });
  }
  const bypass: Bypass = { kind: "rollback", reason };
  const body = [
    `Reason: ${reason}`,
    "",
    ...changes.map(
      (c) =>
        `${c.app}: ${c.current} -> ${c.tag} (ran since ${c.ranSince!.commit.slice(0, 7)}, ${c.ranSince!.date.slice(0, 10)})`,
    ),
  ];
  return {
    plan: finish(
      {
        kind: "rollback",
        env: state.config.environment,
        file: state.file,
        reason,
        changes,
        notes: [],
      },
      changes.map((c) => ({ app: c.app, tag: c.tag, bypass })),
      body,
    ),
  };
}

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
    plan: finish(
      {
        kind: "hotfix",
        env: state.config.environment,
        file: state.file,
        reason,
        changes,
        notes: [],
      },
      [{ app: request.app, tag: request.tag, bypass: { kind: "hotfix", reason } }],
      body,
    ),
  };
}
