/**
 * `pulumi preview` wall time per stack with the real engine, for 1, 10 and 100 apps, next to a
 * minimal Pulumi program that declares the same number of plain resources (ConfigMaps through the
 * same render-mode Kubernetes provider), run in the same command. The ratio is our overhead:
 * config validation, the governance and lineage checks, components, stack references.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { parse, stringify } from "yaml";
import { listStacks } from "../config/stackFiles";
import { orderChain } from "../rules/chain";
import { loadStackFile } from "../config/stackFiles";
import { PROJECT_DIR } from "../harness/program";
import { copyProject, engineStack, type EngineProject } from "../harness/engine";
import { APP_COUNTS } from "./mocks";

const BASELINE_PROGRAM = `import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
const count = Number(new pulumi.Config().require("count"));
const provider = new k8s.Provider("render", { renderYamlToDirectory: "rendered" });
for (let i = 0; i < count; i++) {
  new k8s.core.v1.ConfigMap(\`cm-\${i}\`, { metadata: { name: \`cm-\${i}\` }, data: { index: String(i) } }, { provider });
}
`;

/** The stack file with its first app copied `count` times. */
function scaledStackFile(stack: string, count: number): string {
  const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
  const apps = doc.config["promotion:apps"] as Record<string, unknown>;
  const [name, template] = Object.entries(apps)[0];
  const scaled: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) scaled[count === 1 ? name : `${name}-${i}`] = template;
  doc.config["promotion:apps"] = scaled;
  return stringify(doc);
}

function baselineProject(project: EngineProject): EngineProject {
  const dir = path.join(path.dirname(project.dir), "baseline");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: baseline\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "baseline", "main": "index.ts" }\n');
  fs.writeFileSync(path.join(dir, "index.ts"), BASELINE_PROGRAM);
  fs.copyFileSync(path.join(PROJECT_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  if (!fs.existsSync(path.join(dir, "node_modules"))) {
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  }
  return { ...project, dir };
}

async function timedPreview(
  project: EngineProject,
  stackName: string,
): Promise<{ ms: number; creates: number }> {
  const stack = await engineStack(project, stackName);
  const start = performance.now();
  const preview = await stack.preview({ diff: false });
  return { ms: performance.now() - start, creates: preview.changeSummary.create ?? 0 };
}

export interface EngineRow {
  stack: string;
  apps: number;
  resources: number;
  programMs: number;
  baselineMs: number;
}

export async function benchEngine(log: (line: string) => void): Promise<EngineRow[]> {
  const stacks = orderChain(
    listStacks(PROJECT_DIR).map((s) => {
      const env = loadStackFile(PROJECT_DIR, s);
      return { environment: env.environment, upstream: env.upstream };
    }),
  );
  const rows: EngineRow[] = [];
  for (const apps of APP_COUNTS) {
    const files = Object.fromEntries(
      stacks.map((s) => [`Pulumi.${s}.yaml`, scaledStackFile(s, apps)]),
    );
    const project = copyProject(files);
    const baseline = baselineProject(project);
    try {
      // Every stack exists before any preview: the gate reads the upstream's (empty) outputs.
      for (const stack of stacks) await engineStack(project, stack);
      for (const stack of stacks) {
        const program = await timedPreview(project, stack);
        const baselineStackName = `${stack}-${apps}`;
        const baselineStack = await engineStack(baseline, baselineStackName);
        await baselineStack.setConfig("count", { value: String(Math.max(program.creates - 2, 0)) });
        const plain = await timedPreview(baseline, baselineStackName);
        const row = {
          stack,
          apps,
          resources: program.creates,
          programMs: program.ms,
          baselineMs: plain.ms,
        };
        log(
          `  ${stack} with ${apps} app(s): ${row.resources} resources, ${row.programMs.toFixed(0)} ms vs ${row.baselineMs.toFixed(0)} ms`,
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
  const lines = [
    "pulumi preview with the real engine: this program vs a plain program with as many resources",
    "stack   apps  resources  program ms  plain ms  overhead x",
  ];
  for (const r of rows) {
    lines.push(
      `${r.stack.padEnd(7)} ${String(r.apps).padStart(4)} ${String(r.resources).padStart(10)} ${r.programMs.toFixed(0).padStart(11)} ${r.baselineMs.toFixed(0).padStart(9)} ${(r.programMs / r.baselineMs).toFixed(2).padStart(11)}`,
    );
  }
  return lines.join("\n");
}
