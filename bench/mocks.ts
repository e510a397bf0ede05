/**
 * Wall time of one program run per stack under Pulumi mocks, for 1, 10 and 100 apps. Each row is
 * the median of several runs; ratios are against the 1-app run of the same stack in this process.
 */
import { performance } from "perf_hooks";
import { listStacks } from "../config/stackFiles";
import { PROJECT_DIR, runProgram } from "../harness/program";
import { configWithApps } from "./appsConfig";

export const APP_COUNTS = [1, 10, 100];

async function timeRun(stack: string, config: Record<string, string>): Promise<number> {
  const start = performance.now();
  await runProgram(stack, {}, config);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export interface MockRow {
  stack: string;
  apps: number;
  ms: number;
}

export async function benchMocks(repeats: number): Promise<MockRow[]> {
  const rows: MockRow[] = [];
  for (const stack of listStacks(PROJECT_DIR)) {
    await timeRun(stack, configWithApps(PROJECT_DIR, stack, 1)); // warm-up: module loading, JIT
    for (const apps of APP_COUNTS) {
      const config = configWithApps(PROJECT_DIR, stack, apps);
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) times.push(await timeRun(stack, config));
      rows.push({ stack, apps, ms: median(times) });
    }
  }
  return rows;
}

export function formatMockRows(rows: MockRow[]): string {
  const lines = [
    "Program run under mocks (median wall time)",
    "stack   apps   time ms   x vs 1 app   ms per extra app",
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.stack === row.stack && r.apps === 1)!;
    const perApp = row.apps > 1 ? ((row.ms - base.ms) / (row.apps - 1)).toFixed(2) : "-";
    lines.push(
      `${row.stack.padEnd(7)} ${String(row.apps).padStart(4)} ${row.ms.toFixed(1).padStart(9)} ${(row.ms / base.ms).toFixed(2).padStart(12)} ${perApp.padStart(18)}`,
    );
  }
  return lines.join("\n");
}
