/**
 * Start-up of the command line against a bare Node start (`node -e ''`), run in turn (A B A B ...)
 * so a drift of the machine's speed hits both; the ratio is taken pair by pair, its median quoted.
 * The CLI runs as `npm run promote` runs it (node boot/run.js cli/main.ts), from its built
 * JavaScript (boot/build.js, brought up to date first); `npm run` itself adds npm's own start.
 */
import * as path from "path";
import { PROJECT_DIR } from "../harness/program";
import { fmt, median, table, timeProcess } from "./measure";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureBuilt } = require("../boot/build") as { ensureBuilt: (root: string) => unknown };

export interface CliRow {
  what: string;
  ms: number;
  bareMs: number;
  ratio: number;
  peakMb?: number;
  bareMb?: number;
}

export function benchCli(pairs: number): CliRow[] {
  ensureBuilt(PROJECT_DIR);
  const node = process.execPath;
  const run = path.join(PROJECT_DIR, "boot", "run.js");
  const commands: Array<[string, string[]]> = [
    ["promote --help", [run, "cli/main.ts", "--help"]],
    ["promote status", [run, "cli/main.ts", "status"]],
  ];
  const rows: CliRow[] = [];
  for (const [what, args] of commands) {
    const ours: number[] = [];
    const bare: number[] = [];
    const ratios: number[] = [];
    const peaks: number[] = [];
    const barePeaks: number[] = [];
    timeProcess(node, args, { cwd: PROJECT_DIR }); // warm-up: file cache
    for (let i = 0; i < pairs; i++) {
      const a = timeProcess(node, args, { cwd: PROJECT_DIR });
      const b = timeProcess(node, ["-e", ""], { cwd: PROJECT_DIR });
      ours.push(a.ms);
      bare.push(b.ms);
      ratios.push(a.ms / b.ms);
      if (a.peakMb !== undefined) peaks.push(a.peakMb);
      if (b.peakMb !== undefined) barePeaks.push(b.peakMb);
    }
    rows.push({
      what,
      ms: median(ours),
      bareMs: median(bare),
      ratio: median(ratios),
      peakMb: peaks.length ? median(peaks) : undefined,
      bareMb: barePeaks.length ? median(barePeaks) : undefined,
    });
  }
  return rows;
}

export function formatCliRows(rows: CliRow[], pairs: number): string {
  return [
    `CLI start-up vs a bare \`node -e ''\`, ${pairs} pairs run in turn (medians; ratio: median of the pairs' ratios)`,
    table(
      ["command", "ms", "bare node ms", "x bare", "peak MB", "bare peak MB"],
      rows.map((r) => [
        `\`${r.what}\``,
        fmt(r.ms),
        fmt(r.bareMs),
        fmt(r.ratio, 2),
        fmt(r.peakMb),
        fmt(r.bareMb),
      ]),
    ),
  ].join("\n");
}
