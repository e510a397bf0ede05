/**
 * Runs the real program (index.ts) under Pulumi mocks with a given stack's config, and records
 * every resource it declares. Each run loads a fresh copy of the program's modules. Stack
 * references read the outputs given per stack in `RunOptions.stackOutputs` (by default: every stack
 * of the project deployed as its file pins, see `deployedAsPinned`), and reads of Argo CD
 * Applications the live objects in `RunOptions.liveObjects`.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { engineConfig, listStacks, loadStackFile } from "../config/stackFiles";

export const PROJECT_DIR = path.resolve(__dirname, "..");

export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}

export interface ProgramRun {
  resources: DeclaredResource[];
  outputs: Record<string, unknown>;
}

export interface RunOptions {
  /**
   * Outputs of other stacks (and of the stack's own previous run), by stack name (`stage`); `{}`
   * for a fresh backend. Without it, every stack runs what its file pins (`deployedAsPinned`).
   */
  stackOutputs?: Record<string, Record<string, unknown>>;
  /** Live objects that reads (`CustomResource.get`) find, by id (`argocd/dex-stage`). */
  liveObjects?: Record<string, Record<string, unknown>>;
  /**
   * Project directory with the stack files; the program runs in it. Defaults to the repository
   * root, whose stack files change with every promotion: a test that pins a tag or the list of
   * environments names a frozen fixture here (tests/fixtures/index.ts).
   */
  projectDir?: string;
}

export const STACK_REFERENCE = "pulumi:pulumi:StackReference";

export class ProgramFailed extends Error {
  constructor(
    public readonly cause: unknown,
    public readonly resources: DeclaredResource[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function forgetProgramModules(): void {
  for (const file of Object.keys(require.cache)) {
    const relative = path.relative(PROJECT_DIR, file);
    if (
      !relative.startsWith("node_modules") &&
      !relative.startsWith("tests") &&
      !relative.startsWith("harness") &&
      // The command line and CI keep their modules (they load commands on first use, and their
      // error classes must stay the ones the tests' stand-ins throw).
      !relative.startsWith("cli") &&
      !relative.startsWith("ci") &&
      !relative.startsWith("..")
    ) {
      delete require.cache[file];
    }
  }
}

async function settle(resources: DeclaredResource[]): Promise<void> {
  // Registrations are asynchronous: wait until no new resource shows up for a while.
  let stableTicks = 0;
  let last = -1;
  while (stableTicks < 25) {
    await new Promise((resolve) => setImmediate(resolve));
    if (resources.length === last) stableTicks++;
    else stableTicks = 0;
    last = resources.length;
  }
}

async function resolveOutputs(exports: Record<string, unknown>): Promise<Record<string, unknown>> {
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) {
    outputs[key] = pulumi.Output.isInstance(value)
      ? await new Promise((resolve) => value.apply(resolve))
      : value;
  }
  return outputs;
}

/**
 * Runs index.ts for `stack` with `config` (defaults: the stack file as the engine would read it,
 * with `overrides` applied; an override of `undefined` removes the key).
 */
/**
 * The outputs of a project whose every stack was deployed as its stack file pins (the `apps`
 * output: image, tag and digest per app, no records): what a test that is not about the gate
 * runs against, so a stack with an upstream is neither a first deployment nor a promotion. A stack
 * file that does not validate is left out (its own run says why).
 */
export function deployedAsPinned(projectDir: string): Record<string, Record<string, unknown>> {
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const stack of listStacks(projectDir)) {
    let apps: Record<string, unknown>;
    try {
      apps = Object.fromEntries(
        loadStackFile(projectDir, stack).apps.map((app) => [
          app.name,
          { image: app.image, tag: app.tag, ...(app.digest ? { digest: app.digest } : {}) },
        ]),
      );
    } catch {
      continue;
    }
    outputs[stack] = { apps };
  }
  return outputs;
}

/**
 * `deployedAsPinned(projectDir)` with `outputs` laid over it, stack by stack: a test that gives
 * one stack's outputs (its governance, say) while every stack runs what its file pins.
 */
export function withDeployed(
  projectDir: string,
  outputs: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const deployed = deployedAsPinned(projectDir);
  for (const [stack, given] of Object.entries(outputs)) {
    deployed[stack] = { ...deployed[stack], ...given };
  }
  return deployed;
}

export async function runProgram(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  baseConfig?: Record<string, string>,
  options: RunOptions = {},
): Promise<ProgramRun> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const config: Record<string, string> = { ...(baseConfig ?? engineConfig(projectDir, stack)) };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete config[key];
    else config[key] = value;
  }
  const resources: DeclaredResource[] = [];
  const stackOutputs = options.stackOutputs ?? deployedAsPinned(projectDir);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          provider: args.provider,
        });
        if (args.type === STACK_REFERENCE) {
          const name = String(args.inputs.name);
          const outputs = stackOutputs[name.split("/").pop() ?? ""] ?? {};
          return { id: name, state: { name, outputs } };
        }
        if (args.id) {
          // A read of an existing object: like the engine, fail when there is none.
          const live = options.liveObjects?.[args.id];
          if (!live) throw new Error(`resource '${args.id}' does not exist`);
          return { id: args.id, state: live };
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    "promotion",
    stack,
    true,
    "organization",
  );
  pulumi.runtime.setAllConfig(config, []);
  forgetProgramModules();
  const cwd = process.cwd();
  process.chdir(projectDir);
  try {
    let programExports: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded: unknown = require(path.join(PROJECT_DIR, "index.ts"));
      // An async main (`export = async () => ({...})`) returns the outputs, as under the engine.
      programExports = (
        typeof loaded === "function" ? await (loaded as () => Promise<unknown>)() : loaded
      ) as Record<string, unknown>;
    } catch (error) {
      await settle(resources);
      throw new ProgramFailed(error, resources);
    }
    await settle(resources);
    return { resources, outputs: await resolveOutputs(programExports) };
  } finally {
    process.chdir(cwd);
  }
}

/**
 * runProgram on the stack files of another project directory, such as a frozen fixture
 * (`runIn(SEED.dir, "prod")`, tests/fixtures/index.ts) or a temporary project made from one.
 */
export function runIn(
  projectDir: string,
  stack: string,
  overrides: Record<string, string | undefined> = {},
  options: Omit<RunOptions, "projectDir"> = {},
): Promise<ProgramRun> {
  return runProgram(stack, overrides, undefined, { ...options, projectDir });
}

/** JSON-encodes a structured value the way the engine passes it to the program. */
export const json = (value: unknown): string => JSON.stringify(value);

export function ofType(run: ProgramRun, type: string): DeclaredResource[] {
  return run.resources.filter((r) => r.type === type);
}
