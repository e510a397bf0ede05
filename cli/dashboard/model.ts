/**
 * The dashboard's data, assembled as a pure function of what `status` reads (stack files, deployed
 * state), the git history of each stack file and the live Argo CD Applications (or why they could
 * not be read): environments in chain order, one cell per environment and app (the status row,
 * with its digest and live state), the next promotion between each pair of neighbouring
 * environments as the CLI and the gate would decide it, and every promotion record as a timeline.
 * `dashboard --json` prints it; cli/dashboard/html.ts renders it.
 */
import {
  decideGate,
  decideUpstreamHealth,
  type UpstreamApplication,
  type UpstreamTags,
} from "../../rules/gate";
import { imageReference } from "../../rules/imageTag";
import { formatRefusal } from "../../rules/verdict";
import type { DeployedState, PromotionRecord } from "../deployed";
import type { StackVersion } from "../plan/history";
import { promotionRisks, describeRisk } from "../plan/confirm";
import { deployedMismatch, upCommand } from "../plan/deployed";
import { planPromotion } from "../plan/promotion";
import type { StackState } from "../plan/state";
import { promoteCommandLine } from "../shell";
import { statusRows, type StatusRow } from "../status";
import type { StatusSources } from "../statusSources";

/** An Application's live state as Argo CD reports it, or why it is unknown. */
export type LiveState =
  | { known: true; application: string; sync: string; health: string }
  | { known: false; why: string };

/** One environment and app: the status row, its digest and its live state. */
export interface DashboardCell extends StatusRow {
  /** The pinned digest (`sha256:...`) when the stack file pins one, else null. */
  digest: string | null;
  live: LiveState;
}

export interface DashboardEnvironment {
  name: string;
  /** `Pulumi.<env>.yaml`. */
  file: string;
  upstream: string | null;
  /** Why its stack file cannot be read; null when it can. */
  error: string | null;
}

/**
 * The next promotion into `to` from its upstream `from`: `ready` (allowed now), `blocked` (the
 * reasons say why, in the gate's and the CLI's own words), `confirm` (allowed with --confirm, the
 * reasons say what must be confirmed) or `up-to-date` (nothing to promote).
 */
export interface NextPromotion {
  from: string;
  to: string;
  state: "ready" | "blocked" | "confirm" | "up-to-date";
  /** What would change: each app's tag in `to` now and after. */
  changes: Array<{ app: string; current: string; tag: string }>;
  reasons: string[];
  /** What could not be checked, and other remarks. */
  notes: string[];
  /**
   * Whether the lineage gate was checked against what both environments deployed; false when
   * deployed state is unknown (then `ready` means: the plan and the history allow it).
   */
  gateChecked: boolean;
  /** The command that opens the promotion's pull request. */
  command: string;
}

/** One promotion record with where it happened. */
export interface TimelineEntry extends PromotionRecord {
  environment: string;
  app: string;
}

export interface DashboardData {
  /** When the data was assembled (ISO 8601). */
  generatedAt: string;
  chain: string[];
  /** Every app of any environment, in chain order of first appearance. */
  apps: string[];
  environments: DashboardEnvironment[];
  /** Why deployed state could not be read, or null. */
  recordsUnavailable: string | null;
  cells: DashboardCell[];
  /** One per environment that has an upstream, in chain order. */
  promotions: NextPromotion[];
  /** Every promotion record of every environment and app, newest first. */
  timeline: TimelineEntry[];
}

export interface DashboardSources extends StatusSources {
  /** Per environment, the git history of its stack file ([] outside a git repository). */
  histories: Map<string, StackVersion[]>;
  /** Per `<env>/<app>`, the live Application (status) or why it cannot be read. */
  live: Map<string, UpstreamApplication>;
  now: Date;
}

export const liveKey = (env: string, app: string): string => `${env}/${app}`;

function liveState(application: UpstreamApplication | undefined): LiveState {
  if (!application) return { known: false, why: "not read" };
  if (!application.readable) return { known: false, why: application.why };
  return {
    known: true,
    application: application.name,
    sync: application.status?.sync?.status ?? "Unknown",
    health: application.status?.health?.status ?? "Unknown",
  };
}

/** The gate's and health check's refusals of the planned tags, or notes of what was not checked. */
function gateFindings(
  target: StackState,
  source: StackState,
  changes: NextPromotion["changes"],
  sources: DashboardSources,
): { reasons: string[]; notes: string[]; checked: boolean } {
  const from = source.config.environment;
  const to = target.config.environment;
  const upstreamRan = sources.deployed.get(from);
  const ownRan = sources.deployed.get(to);
  if (!upstreamRan || !ownRan) {
    return {
      reasons: [],
      notes: [
        `what ${from} and ${to} last deployed is unknown, so the promotion gate was not checked`,
      ],
      checked: false,
    };
  }
  const mismatch = deployedMismatch(
    source,
    upstreamRan,
    changes.map((c) => c.app),
  );
  // The CLI's own refusal (`promote` refuses it so), before the gate says the same at preview.
  if (mismatch) {
    return { reasons: [`${mismatch}: run '${upCommand(from)}' first`], notes: [], checked: true };
  }

  const reasons: string[] = [];
  const notes: string[] = [];
  const neverDeployed =
    Object.keys(ownRan.tags).length === 0 && Object.keys(ownRan.records).length === 0;
  const upstreamTags: UpstreamTags =
    Object.keys(upstreamRan.tags).length === 0 ? "no record" : upstreamRan.tags;
  const pinned = Object.fromEntries(source.config.apps.map((a) => [a.name, a.tag]));
  for (const change of changes) {
    const app = target.config.apps.find((a) => a.name === change.app)!;
    const decision = decideGate({
      environment: to,
      app: app.name,
      tag: change.tag,
      upstream: { environment: from, tags: upstreamTags, pinned },
      own: neverDeployed
        ? "no record"
        : { tag: ownRan.tags[app.name], history: ownRan.records[app.name] ?? [] },
    });
    if (!decision.allowed) {
      reasons.push(...decision.refusals.map(formatRefusal));
      continue;
    }
    if (!decision.value.checkUpstream || !target.config.gate) continue;
    const live = sources.live.get(liveKey(from, app.name));
    if (!live && target.config.kubernetes.mode === "render") {
      // As the gate of a stack that renders manifests: there is no cluster to read from.
      notes.push(`${app.name}: upstream not checked: ${to} renders manifests (no cluster)`);
      continue;
    }
    const outcome = decideUpstreamHealth({
      environment: to,
      app: app.name,
      upstream: from,
      tag: change.tag,
      imageRef: imageReference(app.image, change.tag),
      settings: target.config.gate,
      application: live ?? {
        readable: false,
        why: `${from}'s live Application was not read`,
      },
      now: sources.now,
    });
    if (!outcome.allowed) reasons.push(...outcome.refusals.map(formatRefusal));
    else if (!outcome.value.checked) notes.push(`${app.name}: upstream ${outcome.value.checks}`);
  }
  return { reasons, notes, checked: true };
}

/** The next promotion from `source` into `target`, decided as `promote` and the gate would. */
function nextPromotion(
  states: StackState[],
  source: StackState,
  target: StackState,
  sources: DashboardSources,
): NextPromotion {
  const from = source.config.environment;
  const to = target.config.environment;
  const base = {
    from,
    to,
    changes: [],
    notes: [],
    gateChecked: false,
    command: promoteCommandLine(["promote", "--from", from, "--to", to]),
  };
  const planned = planPromotion(states, { from, to });
  if ("refused" in planned) return { ...base, state: "blocked", reasons: [planned.refused] };
  if ("nothingToDo" in planned) {
    return { ...base, state: "up-to-date", reasons: [planned.nothingToDo] };
  }
  const plan = planned.plan;
  const changes = plan.changes.map((c) => ({ app: c.app, current: c.current, tag: c.tag }));
  const { reasons, notes, checked } = gateFindings(target, source, changes, sources);
  notes.unshift(...plan.notes);
  const found = { ...base, changes, notes, gateChecked: checked };
  if (reasons.length > 0) return { ...found, state: "blocked", reasons };
  const risks = promotionRisks(plan, sources.histories.get(to) ?? []);
  if (risks.length > 0) {
    return {
      ...found,
      state: "confirm",
      reasons: risks.map((r) => describeRisk(r)),
      command: `${base.command} --confirm "<why it is safe now>"`,
    };
  }
  return { ...found, state: "ready", reasons: [] };
}

/** Every record of every environment and app, newest first (then in chain order). */
function timeline(order: string[], deployed: Map<string, DeployedState>): TimelineEntry[] {
  const entries: Array<TimelineEntry & { rank: number }> = [];
  for (const [rank, env] of order.entries()) {
    for (const [app, records] of Object.entries(deployed.get(env)?.records ?? {})) {
      for (const record of records) entries.push({ ...record, environment: env, app, rank });
    }
  }
  entries.sort((a, b) => (a.at === b.at ? a.rank - b.rank : a.at < b.at ? 1 : -1));
  return entries.map(({ rank: _rank, ...entry }) => entry);
}

/** The dashboard's data from what was read. */
export function dashboardData(sources: DashboardSources): DashboardData {
  const { loaded, order, deployed } = sources;
  const byEnv = new Map(loaded.states.map((s) => [s.config.environment, s]));
  const rows = statusRows(order, loaded.states, loaded.broken, deployed);
  const cells = rows.map((row): DashboardCell => ({
    ...row,
    digest: row.tag.startsWith("@") ? row.tag.slice(1) : null,
    live:
      row.error === null
        ? liveState(sources.live.get(liveKey(row.environment, row.app)))
        : { known: false, why: "its stack file cannot be read" },
  }));
  const environments = order.map((name): DashboardEnvironment => {
    const state = byEnv.get(name);
    const broken = loaded.broken.find((b) => b.environment === name);
    return {
      name,
      file: state?.file ?? broken?.file ?? `Pulumi.${name}.yaml`,
      upstream: state?.config.upstream ?? broken?.upstream ?? null,
      error: broken ? broken.problems.join("\n") : null,
    };
  });
  const promotions: NextPromotion[] = [];
  for (const env of environments) {
    if (env.upstream === null) continue;
    const target = byEnv.get(env.name);
    const source = byEnv.get(env.upstream);
    if (!target || !source) {
      const file = !target ? env.file : `Pulumi.${env.upstream}.yaml`;
      promotions.push({
        from: env.upstream,
        to: env.name,
        state: "blocked",
        changes: [],
        reasons: [`${file} cannot be read; fix it first`],
        notes: [],
        gateChecked: false,
        command: promoteCommandLine(["promote", "--from", env.upstream, "--to", env.name]),
      });
      continue;
    }
    promotions.push(nextPromotion(loaded.states, source, target, sources));
  }
  const apps = [...new Set(cells.filter((c) => c.error === null).map((c) => c.app))];
  return {
    generatedAt: sources.now.toISOString(),
    chain: order,
    apps,
    environments,
    recordsUnavailable: sources.unavailable ?? null,
    cells,
    promotions,
    timeline: timeline(order, deployed),
  };
}
