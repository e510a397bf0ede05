/**
 * `status` as pure functions: one row per environment and app with the tag its stack file pins,
 * what its last `up` deployed, its upstream's tag, an exception in force and the last promotion
 * record; and the rows as a text table.
 */
import type { DeployedState, PromotionRecord } from "./deployed";
import type { BrokenStack } from "./load";
import type { StackState } from "./plan/state";
import type { Bypass } from "./stackText";

/**
 * One row of the table, and of `status --json`: every key is always there (null when it does not
 * apply), so the JSON has exactly the keys docs/cli.md lists.
 */
export interface StatusRow {
  environment: string;
  /** "-" on an error row. */
  app: string;
  /** The tag the stack file pins; "-" on an error row. */
  tag: string;
  /** The tag the last `up` deployed; null when unknown (no deployed state, never deployed). */
  deployedTag: string | null;
  /** Whether the last `up` deployed `tag`; null when deployed state could not be read. */
  deployed: boolean | null;
  /** null for the first environment. */
  upstream: string | null;
  /**
   * Whether the stack file lets the scheduled auto-promotion promote into this environment
   * (`promotion:autoPromote`); null on an error row.
   */
  autoPromote: boolean | null;
  /** What the upstream pins for this app; null when there is no upstream or it lacks the app. */
  upstreamTag: string | null;
  /** The upstream pins a different tag; null when there is nothing to compare with. */
  behind: boolean | null;
  /** A rollback or hotfix exception in force. */
  bypass: Bypass | null;
  /** The newest promotion record, when records could be read. */
  lastRecord: PromotionRecord | null;
  /** Why the environment's stack file cannot be read; null on every other row. */
  error: string | null;
}

const EMPTY_ROW = {
  deployedTag: null,
  deployed: null,
  upstream: null,
  autoPromote: null,
  upstreamTag: null,
  behind: null,
  bypass: null,
  lastRecord: null,
  error: null,
} as const;

/**
 * One row per environment (chain order) and app (the stack's order); one row for an environment
 * whose stack file is broken, with its problems. `deployed` has the environments whose deployed
 * state could be read.
 */
export function statusRows(
  order: string[],
  states: StackState[],
  broken: BrokenStack[],
  deployed: Map<string, DeployedState>,
): StatusRow[] {
  const byEnv = new Map(states.map((s) => [s.config.environment, s]));
  const rows: StatusRow[] = [];
  for (const env of order) {
    const state = byEnv.get(env);
    if (!state) {
      const problems = broken.find((b) => b.environment === env)?.problems ?? [];
      rows.push({ ...EMPTY_ROW, environment: env, app: "-", tag: "-", error: problems.join("\n") });
      continue;
    }
    const upstream = state.config.upstream ?? null;
    const upstreamState = upstream ? byEnv.get(upstream) : undefined;
    const ran = deployed.get(env);
    for (const app of state.config.apps) {
      const upstreamTag = upstreamState?.config.apps.find((a) => a.name === app.name)?.tag ?? null;
      const deployedTag = ran?.tags[app.name] ?? null;
      rows.push({
        ...EMPTY_ROW,
        environment: env,
        app: app.name,
        tag: app.tag,
        deployedTag,
        deployed: ran ? deployedTag === app.tag : null,
        upstream,
        autoPromote: state.config.autoPromote,
        upstreamTag,
        behind: upstreamTag === null ? null : upstreamTag !== app.tag,
        bypass: state.apps[app.name]?.bypass ?? null,
        lastRecord: ran?.records[app.name]?.[0] ?? null,
      });
    }
  }
  return rows;
}

/** "promotion sha-abc from dev by alice 2026-01-28T10:30:00Z", "rollback sha-def by bob ...". */
function formatRecord(record: PromotionRecord, environment: string): string {
  const parts = [record.kind, record.tag];
  if (record.from && record.from !== environment) parts.push(`from ${record.from}`);
  if (record.by) parts.push(`by ${record.by}`);
  parts.push(record.at);
  return parts.join(" ") + (record.reason ? ` (${record.reason})` : "");
}

/** "yes", "no: sha-old", "no: not deployed", or "-" when deployed state is unknown. */
function deployedCell(row: StatusRow): string {
  if (row.deployed === null) return "-";
  if (row.deployed) return "yes";
  return `no: ${row.deployedTag ?? "not deployed"}`;
}

const HEADER = [
  "ENVIRONMENT",
  "APP",
  "TAG",
  "DEPLOYED",
  "UPSTREAM",
  "UPSTREAM TAG",
  "BEHIND",
  "EXCEPTION",
  "LAST RECORD",
];

/** The rows as an aligned text table. */
export function formatStatusTable(rows: StatusRow[]): string {
  const tableRows = rows.filter((r) => r.error === null);
  const cells = tableRows.map((r) => [
    r.environment,
    r.app,
    r.tag,
    deployedCell(r),
    r.upstream ?? "-",
    r.upstreamTag ?? "-",
    r.behind === null ? "-" : r.behind ? "yes" : "no",
    r.bypass?.kind ?? "-",
    r.lastRecord ? formatRecord(r.lastRecord, r.environment) : "-",
  ]);
  // An error row's environment and "ERROR" are aligned with the others; its message is not.
  const errorCells = rows.filter((r) => r.error !== null).map((r) => [r.environment, "ERROR"]);
  const widths = HEADER.map((h, i) =>
    Math.max(
      h.length,
      ...cells.map((c) => c[i].length),
      ...errorCells.map((c) => c[i]?.length ?? 0),
    ),
  );
  const line = (cellsOfLine: string[]) =>
    cellsOfLine
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  // An error row names the environment and "ERROR", then the problem as the rest of the line: it
  // is too long for a column, and padding every row to it would hide the table.
  const lines = [line(HEADER)];
  for (const row of rows) {
    if (row.error === null) lines.push(line(cells[tableRows.indexOf(row)]));
    else
      for (const problem of row.error.split("\n"))
        lines.push(line([row.environment, "ERROR", problem]));
  }
  return lines.join("\n");
}
