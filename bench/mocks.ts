/**
 * The program under Pulumi mocks, per stack, with its first app scaled to N apps (compact form):
 * each size in a process of its own (so its peak memory is its own), the median of the repeats
 * after a warm-up run. Ratios against the 1-app run of the same stack; the cost per app is the
 * time above the 1-app run divided by the apps added, so a flat column means linear scaling.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "../harness/program";
import { fmt, table } from "./measure";

export interface MockRow {
  stack: string;
  apps: number;
  ms: number;
  /** CPU time (user + system) of the run: the per-app figures come from it. */
  cpuMs: number;
  peakMb: number;
}

export function benchMocks(stacks: string[], counts: number[], repeats: number): MockRow[] {
  const rows: MockRow[] = [];
  for (const stack of stacks) {
    for (const apps of counts) {
      const child = spawnSync(
        process.execPath,
        [
          "-r",
          "ts-node/register/transpile-only",
          path.join(PROJECT_DIR, "bench", "mockRun.ts"),
          stack,
          String(apps),
          String(repeats),
        ],
        { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      if (child.status !== 0) throw new Error(`mock run of ${stack} with ${apps} apps failed`);
      const { ms, cpuMs, peakMb } = JSON.parse(child.stdout.trim().split("\n").pop()!) as {
        ms: number;
        cpuMs: number;
        peakMb: number;
      };
      rows.push({ stack, apps, ms, cpuMs, peakMb });
    }
  }
  return rows;
}

/** CPU ms per app above the 1-app run of the same stack. */
export function perApp(rows: MockRow[], row: MockRow): number {
  const base = rows.find((r) => r.stack === row.stack && r.apps === 1);
  return base && row.apps > 1 ? (row.cpuMs - base.cpuMs) / (row.apps - 1) : NaN;
}

export function formatMockRows(rows: MockRow[], repeats: number): string {
  return [
    `Program under Pulumi mocks (median of ${repeats} after a warm-up; one process per row; per app and x from CPU time, which other work on the machine barely moves)`,
    table(
      ["stack", "apps", "wall ms", "CPU ms", "x vs 1 app (CPU)", "CPU ms per app", "peak MB"],
      rows.map((row) => {
        const base = rows.find((r) => r.stack === row.stack && r.apps === 1);
        return [
          row.stack,
          String(row.apps),
          fmt(row.ms),
          fmt(row.cpuMs),
          base ? fmt(row.cpuMs / base.cpuMs, 2) : "-",
          fmt(perApp(rows, row), 2),
          fmt(row.peakMb),
        ];
      }),
    ),
  ].join("\n");
}
