/** Timing whole processes for the benchmarks: wall time and peak memory, medians, paired ratios. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ProcessRun {
  ms: number;
  /** Peak resident memory of the largest single process of the run, in MB (GNU time's %M). */
  peakMb?: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = "/usr/bin/time";
const hasGnuTime = fs.existsSync(GNU_TIME);

/** Runs a command to its end; its wall time, and its peak memory where GNU time is installed. */
export function timeProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ProcessRun {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-time-")), "time");
  const [file, argv] = hasGnuTime
    ? [GNU_TIME, ["-f", "%M", "-o", out, command, ...args]]
    : [command, args];
  const start = performance.now();
  const run = spawnSync(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  let peakMb: number | undefined;
  if (hasGnuTime) {
    const kb = Number(fs.readFileSync(out, "utf8").trim().split("\n").pop());
    if (Number.isFinite(kb)) peakMb = kb / 1024;
  }
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return { ms, peakMb, status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmt = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);

/** A markdown table. */
export function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}
