/**
 * `status`: which tag each environment runs, what its upstream runs, and the last promotion
 * record from the stack's `promotionRecords` output. The table is built by pure functions; the
 * records come from a RecordReader, by default `pulumi stack output --json`.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllRecords, type PromotionRecord } from "../rules/record";
import type { Run } from "./io";
import type { BrokenStack } from "./load";
import type { StackState } from "./plan/state";
import type { Bypass } from "./stackText";

/** Where scripts/stack.sh keeps the embedded default's file backend. */
export const LOCAL_STATE_DIR = ".pulumi-state";

export type { PromotionRecord };

/** `promotionRecords`: per app, newest first. */
export type PromotionRecords = Record<string, PromotionRecord[]>;

/** Records cannot be read (no pulumi, no backend, unexpected output): `reason` says why. */
export class RecordsUnavailable extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = "RecordsUnavailable";
  }
}

/** Reads a stack's records; throws RecordsUnavailable. {} when the stack has none yet. */
export type RecordReader = (stack: string) => PromotionRecords;

/** Reads `promotionRecords` through the pulumi CLI, in the project directory. */
export function pulumiRecordReader(run: Run, projectDir: string, hasPulumi: boolean): RecordReader {
  return (stack) => {
    // The embedded default (npm run stack) keeps its engine in a cache and its state in
    // .pulumi-state/: read through the same script when no pulumi is on PATH.
    const localDefault = !hasPulumi && fs.existsSync(path.join(projectDir, LOCAL_STATE_DIR));
    if (!hasPulumi && !localDefault) {
      // The project's own way to deploy needs no Pulumi CLI: point to it, not to an install.
      throw new RecordsUnavailable(
        `pulumi is not on PATH and there is no ${LOCAL_STATE_DIR}/ here, so no stack was deployed with the embedded default: run 'npm run stack -- up ${stack}' (it brings its own engine)`,
      );
    }
    let output: string;
    try {
      output = localDefault
        ? run(path.join(projectDir, "scripts", "stack.sh"), ["output", stack], { cwd: projectDir })
        : run("pulumi", ["stack", "output", "--json", "--non-interactive", "--stack", stack], {
            cwd: projectDir,
          });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new RecordsUnavailable(
        `${message}\n  (is the backend reachable, are you logged in? \`pulumi whoami -v\` tells)`,
      );
    }
    let outputs: unknown;
    try {
      outputs = JSON.parse(output);
    } catch {
      throw new RecordsUnavailable(
        `\`pulumi stack output --json --non-interactive --stack ${stack}\` did not print JSON`,
      );
    }
    // Read the way the program reads its previous outputs: entries that are not records are dropped.
    return parseAllRecords((outputs as Record<string, unknown> | null)?.promotionRecords);
  };
}

export interface StatusRow {
  environment: string;
  /** Why the environment's stack file cannot be read; the other fields are then empty. */
  error?: string;
  app: string;
  tag: string;
  /** Undefined for the first environment. */
  upstream?: string;
  /** What the upstream runs for this app; undefined when there is no upstream or it lacks it. */
  upstreamTag?: string;
  /** The upstream runs a different tag; undefined when there is nothing to compare with. */
  behind?: boolean;
  /** A rollback or hotfix exception in force. */
  bypass?: Bypass;
  /** The newest promotion record, when records could be read. */
  lastRecord?: PromotionRecord;
}

/**
 * One row per environment (chain order) and app (the stack's order); one row per problem of an
 * environment whose stack file is broken.
 */
export function statusRows(
  order: string[],
  states: StackState[],
  broken: BrokenStack[],
  records: Map<string, PromotionRecords>,
): StatusRow[] {
  const byEnv = new Map(states.map((s) => [s.config.environment, s]));
  const rows: StatusRow[] = [];
  for (const env of order) {
    const state = byEnv.get(env);
    if (!state) {
      const problems = broken.find((b) => b.environment === env)?.problems ?? [];
      rows.push({ environment: env, app: "-", tag: "-", error: problems.join("\n") });
      continue;
    }
    const upstream = state.config.upstream;
    const upstreamState = upstream ? byEnv.get(upstream) : undefined;
    for (const app of state.config.apps) {
      const upstreamTag = upstreamState?.config.apps.find((a) => a.name === app.name)?.tag;
      rows.push({
        environment: env,
        app: app.name,
        tag: app.tag,
        upstream,
        upstreamTag,
        behind: upstreamTag === undefined ? undefined : upstreamTag !== app.tag,
        bypass: state.apps[app.name]?.bypass,
        lastRecord: records.get(env)?.[app.name]?.[0],
      });
    }
  }
  return rows;
}

/** "promotion sha-abc from dev by alice 2026-01-28T10:30:00Z", "rollback sha-def by bob ...". */
export function formatRecord(record: PromotionRecord, environment: string): string {
  const parts = [record.kind, record.tag];
  if (record.from && record.from !== environment) parts.push(`from ${record.from}`);
  if (record.by) parts.push(`by ${record.by}`);
  parts.push(record.at);
  return parts.join(" ") + (record.reason ? ` (${record.reason})` : "");
}

/** The rows as an aligned text table. */
export function formatStatusTable(rows: StatusRow[]): string {
  const header = [
    "ENVIRONMENT",
    "APP",
    "TAG",
    "UPSTREAM",
    "UPSTREAM TAG",
    "BEHIND",
    "EXCEPTION",
    "LAST RECORD",
  ];
  const tableRows = rows.filter((r) => r.error === undefined);
  const cells = tableRows.map((r) => [
    r.environment,
    r.app,
    r.tag,
    r.upstream ?? "-",
    r.upstreamTag ?? "-",
    r.behind === undefined ? "-" : r.behind ? "yes" : "no",
    r.bypass?.kind ?? "-",
    r.lastRecord ? formatRecord(r.lastRecord, r.environment) : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (cellsOfLine: string[]) =>
    cellsOfLine
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  // An error row names the environment and "ERROR", then the problem as the rest of the line: it
  // is too long for a column, and padding every row to it would hide the table.
  const lines = [line(header)];
  for (const row of rows) {
    if (row.error === undefined) lines.push(line(cells[tableRows.indexOf(row)]));
    else
      for (const problem of row.error.split("\n"))
        lines.push(line([row.environment, "ERROR", problem]));
  }
  return lines.join("\n");
}
