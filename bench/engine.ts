/**
 * `pulumi preview` with the real engine (scripts/toolchain.sh), file backend, render mode, no
 * GitHub token, for stacks scaled to N apps (compact form, bench/scale.ts), each next to a bare
 * program run in the same command: plain JavaScript declaring as many plain resources (ConfigMaps
 * through the same render-mode Kubernetes provider) and nothing else. The ratio is all our
 * program adds: config validation, reading the sibling stack files, the chain, governance and
 * lineage checks (stack references), the components and manifests. Both start the same way (the
 * language host registers ts-node for either), so start-up cancels out of the ratio.
 */
import * as fs from "fs";
import * as path from "path";
import { listStacks, loadStackFile } from "../config/stackFiles";
import { orderChain } from "../rules/chain";
import { stackFileName } from "../rules/names";
import { PROJECT_DIR } from "../harness/program";
import { copyProject, engineStack, toolchainBin, type EngineProject } from "../harness/engine";
import { fmt, median, table, timeProcess, type ProcessRun } from "./measure";
import { scaledStackFile } from "./scale";

const BARE_PROGRAM = `"use strict";
const k8s = require("@pulumi/kubernetes");
const pulumi = require("@pulumi/pulumi");
const count = Number(new pulumi.Config().require("count"));
const provider = new k8s.Provider("render", { renderYamlToDirectory: "rendered" });
for (let i = 0; i < count; i++) {
  new k8s.core.v1.ConfigMap(\`cm-\${i}\`, { metadata: { name: \`cm-\${i}\` }, data: { index: String(i) } }, { provider });
}
`;

function bareProject(project: EngineProject): EngineProject {
  const dir = path.join(path.dirname(project.dir), "bare");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bare\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "bare", "main": "index.js" }\n');
  fs.writeFileSync(path.join(dir, "index.js"), BARE_PROGRAM);
  fs.copyFileSync(path.join(PROJECT_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  return { ...project, dir };
}

/** `pulumi preview --json` of a stack of a project copy, timed as a whole process. */
function preview(project: EngineProject, stack: string): ProcessRun & { creates: number } {
  const run = timeProcess(
    path.join(toolchainBin(), "pulumi"),
    ["preview", "--stack", stack, "--non-interactive", "--json"],
    { cwd: project.dir, env: { ...process.env, ...project.envVars } },
  );
  let creates = NaN;
  try {
    creates =
      (JSON.parse(run.stdout) as { changeSummary?: { create?: number } }).changeSummary?.create ??
      NaN;
  } catch {
    // not JSON: the failure below says what the engine printed
  }
  if (run.status !== 0 || Number.isNaN(creates)) {
    throw new Error(
      `pulumi preview of ${stack} in ${project.dir} failed (exit ${run.status}):\n${run.stderr.slice(-3000)}${run.stdout.slice(-3000)}`,
    );
  }
  return { ...run, creates };
}

export interface EngineRow {
  stack: string;
  apps: number;
  /** Pairs run (ours, then bare). */
  runs: number;
  resources: number;
  configKb: number;
  explicitKb: number;
  ms: number;
  bareMs: number;
  /** Median of the pairs' ratios. */
  ratio: number;
  peakMb?: number;
  barePeakMb?: number;
}

export function chainStacks(): string[] {
  return orderChain(
    listStacks(PROJECT_DIR).map((s) => {
      const env = loadStackFile(PROJECT_DIR, s);
      return { environment: env.environment, upstream: env.upstream };
    }),
  );
}

export async function benchEngine(
  stacks: string[],
  counts: number[],
  repeatsFor: (apps: number) => number,
  log: (line: string) => void,
): Promise<EngineRow[]> {
  const chain = chainStacks();
  const rows: EngineRow[] = [];
  for (const apps of counts) {
    const scaled = Object.fromEntries(chain.map((s) => [s, scaledStackFile(PROJECT_DIR, s, apps)]));
    const project = copyProject(
      Object.fromEntries(chain.map((s) => [stackFileName(s), scaled[s].text])),
    );
    const bare = bareProject(project);
    try {
      // Every stack exists before any preview: the gate reads the upstream's (empty) outputs.
      for (const stack of chain) await engineStack(project, stack);
      for (const stack of stacks) {
        const bareStack = `${stack}-${apps}`;
        await engineStack(bare, bareStack);
        // In turn, ours then bare, `repeats` times; medians, and the median of the pairs' ratios.
        const pairs: Array<[ReturnType<typeof preview>, ReturnType<typeof preview>]> = [];
        for (let i = 0; i < repeatsFor(apps); i++) {
          const ours = preview(project, stack);
          fs.writeFileSync(
            path.join(bare.dir, `Pulumi.${bareStack}.yaml`),
            `config:\n  bare:count: "${Math.max(ours.creates - 2, 0)}"\n`,
          );
          pairs.push([ours, preview(bare, bareStack)]);
        }
        const peaks = (runs: ProcessRun[]) =>
          runs.some((r) => r.peakMb === undefined) ? undefined : median(runs.map((r) => r.peakMb!));
        const row: EngineRow = {
          stack,
          apps,
          runs: pairs.length,
          resources: pairs[0][0].creates,
          configKb: scaled[stack].compactBytes / 1024,
          explicitKb: scaled[stack].explicitBytes / 1024,
          ms: median(pairs.map(([a]) => a.ms)),
          bareMs: median(pairs.map(([, b]) => b.ms)),
          ratio: median(pairs.map(([a, b]) => a.ms / b.ms)),
          peakMb: peaks(pairs.map(([a]) => a)),
          barePeakMb: peaks(pairs.map(([, b]) => b)),
        };
        log(
          `  ${stack} with ${apps} app(s): ${row.resources} resources, ${fmt(row.ms)} ms vs bare ${fmt(row.bareMs)} ms`,
        );
        rows.push(row);
      }
    } finally {
      project.cleanup();
    }
  }
  return rows;
}

export function formatEngineRows(rows: EngineRow[]): string {
  const perApp = (row: EngineRow, ms: (r: EngineRow) => number) => {
    const base = rows.find((r) => r.stack === row.stack && r.apps === 1);
    return base && row.apps > 1 ? (ms(row) - ms(base)) / (row.apps - 1) : NaN;
  };
  return [
    "`pulumi preview` with the real engine: this program vs a bare program declaring as many resources (in turn; medians, x bare = median of the pairs' ratios)",
    table(
      [
        "stack",
        "apps",
        "runs",
        "resources",
        "config KB (compact / written out; limit 128)",
        "ms",
        "bare ms",
        "x bare",
        "ms per app",
        "bare ms per app",
        "peak MB",
        "bare peak MB",
      ],
      rows.map((r) => [
        r.stack,
        String(r.apps),
        String(r.runs),
        String(r.resources),
        `${fmt(r.configKb, 1)} / ${fmt(r.explicitKb, 1)}`,
        fmt(r.ms),
        fmt(r.bareMs),
        fmt(r.ratio, 2),
        fmt(
          perApp(r, (x) => x.ms),
          2,
        ),
        fmt(
          perApp(r, (x) => x.bareMs),
          2,
        ),
        fmt(r.peakMb),
        fmt(r.barePeakMb),
      ]),
    ),
  ].join("\n");
}
