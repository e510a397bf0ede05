/**
 * What a stack last deployed, read from its outputs: the `apps` output (each app's tag) and the
 * `promotionRecords` output (how each tag got there). The stack file says what an environment
 * should run; these say what its last `up` ran. Read by default with `pulumi stack output --json`,
 * or through scripts/stack.sh when the embedded default is in use; injectable for tests.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllRecords, type PromotionRecord } from "../rules/record";
import type { Run } from "./io";

/** Where scripts/stack.sh keeps the embedded default's file backend. */
const LOCAL_STATE_DIR = ".pulumi-state";

export type { PromotionRecord };

/** `promotionRecords`: per app, newest first. */
export type PromotionRecords = Record<string, PromotionRecord[]>;

export interface DeployedState {
  /** Per app, the tag the last `up` deployed; {} for a stack never deployed. */
  tags: Record<string, string>;
  /** Per app, how its tags got there, newest first. */
  records: PromotionRecords;
}

/** A stack that was never deployed: nothing ran yet. */
export const NOT_DEPLOYED: DeployedState = { tags: {}, records: {} };

/** Deployed state cannot be read (no pulumi, no backend, unexpected output): `reason` says why. */
export class RecordsUnavailable extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = "RecordsUnavailable";
  }
}

/** Reads what a stack last deployed; throws RecordsUnavailable. */
export type RecordReader = (stack: string) => DeployedState;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * A stack's deployed state from its outputs, read the way the program reads its previous outputs:
 * entries that are not records are dropped. A tag comes from the `apps` output, else (outputs of
 * an older program) from the newest record.
 */
export function deployedStateOf(outputs: unknown): DeployedState {
  const all = isObject(outputs) ? outputs : {};
  const records = parseAllRecords(all.promotionRecords);
  const tags: Record<string, string> = {};
  for (const [app, history] of Object.entries(records)) {
    if (history[0]) tags[app] = history[0].tag;
  }
  for (const [app, summary] of Object.entries(isObject(all.apps) ? all.apps : {})) {
    if (isObject(summary) && typeof summary.tag === "string") tags[app] = summary.tag;
  }
  return { tags, records };
}

/** How pulumi and scripts/stack.sh say that a stack does not exist yet. */
const NEVER_DEPLOYED = [/has not been deployed/, /no stack named/];

/** The secret marker of Pulumi's serialized property values: such an output needs the engine. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/**
 * The outputs of a stack in the embedded default's file backend (`.pulumi-state/`, the layout
 * `pulumi` 3.x writes: `.pulumi/meta.yaml` version 1, `.pulumi/stacks/<project>/<stack>.json`),
 * read from its checkpoint file without starting the engine: scripts/stack.sh would start the
 * toolchain and `pulumi stack output` once per stack, about a second each. Undefined when the
 * file is not plainly readable (another layout, compressed, a secret output): then ask stack.sh.
 */
function localCheckpointOutputs(projectDir: string, stack: string): unknown {
  try {
    const state = path.join(projectDir, LOCAL_STATE_DIR, ".pulumi");
    if (!/^version:\s*1\s*$/m.test(fs.readFileSync(path.join(state, "meta.yaml"), "utf8"))) {
      return undefined;
    }
    const project = /^name:\s*["']?([^"'\s#]+)/m.exec(
      fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"),
    )?.[1];
    if (!project) return undefined;
    const file = path.join(state, "stacks", project, `${stack}.json`);
    if (!fs.existsSync(file)) {
      // Never created here (nor compressed: that is another file name).
      return fs.existsSync(`${file}.gz`) ? undefined : {};
    }
    const text = fs.readFileSync(file, "utf8");
    if (text.includes(SECRET_SIGNATURE)) return undefined;
    const checkpoint = JSON.parse(text) as {
      checkpoint?: { latest?: { resources?: Array<{ type?: string; outputs?: unknown }> } };
    };
    const root = checkpoint.checkpoint?.latest?.resources?.find(
      (r) => r.type === "pulumi:pulumi:Stack",
    );
    return root?.outputs ?? {};
  } catch {
    return undefined;
  }
}

/**
 * Reads deployed state through the pulumi CLI, in the project directory; with the embedded
 * default (no pulumi on PATH, `.pulumi-state/`, no PULUMI_BACKEND_URL), from its checkpoint files.
 */
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
    if (localDefault && !process.env.PULUMI_BACKEND_URL) {
      const outputs = localCheckpointOutputs(projectDir, stack);
      if (outputs !== undefined) return deployedStateOf(outputs);
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
      if (NEVER_DEPLOYED.some((pattern) => pattern.test(message))) return NOT_DEPLOYED;
      throw new RecordsUnavailable(
        `${message}\n  (is the backend reachable, are you logged in? \`pulumi whoami -v\` tells)`,
      );
    }
    try {
      return deployedStateOf(JSON.parse(output));
    } catch {
      throw new RecordsUnavailable(
        `\`pulumi stack output --json --non-interactive --stack ${stack}\` did not print JSON`,
      );
    }
  };
}
