/**
 * The engine, as CI runs it: `scripts/stack.sh <preview|up|output> <stack>`, the project's one way
 * to run pulumi (the embedded default with no cloud account; PULUMI_BACKEND_URL, the passphrase and
 * PULUMI_HOME when set). A preview also writes the engine's event log (`--event-log`, enabled by
 * PULUMI_DEBUG_COMMANDS as the Automation API does), the only place policy results appear.
 *
 * Previews and ups run with the project's policy pack (`policy/`, docs/policy.md) when it has one,
 * so CI enforces it whoever edits the program; a pack that is there but not installed fails the run
 * with what to do, never skipped quietly.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineRun } from "../rules/ci/preview";

export type EngineOp = "preview" | "up" | "output";

/** What a run printed, and its event log (preview only): what rules/ci/preview.ts reads. */
export type EngineResult = EngineRun;

export interface Engine {
  /** The command a run is, as a user would type it from the project directory. */
  describe(op: EngineOp, stack: string): string;
  run(op: EngineOp, stack: string): Promise<EngineResult>;
}

const STACK_SH = "scripts/stack.sh";
/** What makes pulumi accept `--event-log` (a debug flag the Automation API enables the same way). */
const EVENT_LOG_ENV = { PULUMI_DEBUG_COMMANDS: "true" };

/** The project's CrossGuard pack, relative to the project directory. */
export const POLICY_PACK_DIR = "policy";

/**
 * The project's policy pack: none when the project has no `policy/PulumiPolicy.yaml`, else its
 * directory (relative), or why it cannot run.
 */
export type PolicyPack = { dir: string } | { missing: string } | undefined;

export function findPolicyPack(projectDir: string): PolicyPack {
  const dir = path.join(projectDir, POLICY_PACK_DIR);
  if (!fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))) return undefined;
  if (!fs.existsSync(path.join(dir, "node_modules", "@pulumi", "policy"))) {
    return {
      missing: `the policy pack ${POLICY_PACK_DIR}/ is not installed (no ${POLICY_PACK_DIR}/node_modules/@pulumi/policy): run 'npm ci --prefix ${POLICY_PACK_DIR}' (docs/policy.md); CI never runs the engine without it`,
    };
  }
  return { dir: POLICY_PACK_DIR };
}

/** The arguments of scripts/stack.sh for one run. */
export function stackShArgs(
  op: EngineOp,
  stack: string,
  eventLog?: string,
  policyPack?: string,
): string[] {
  const pack = policyPack ? ["--policy-pack", policyPack] : [];
  switch (op) {
    case "preview":
      return ["preview", stack, "--json", ...pack, ...(eventLog ? ["--event-log", eventLog] : [])];
    case "up":
      return ["up", stack, ...pack];
    case "output":
      return ["output", stack];
  }
}

export function describeRun(op: EngineOp, stack: string, policyPack?: string): string {
  const env = op === "preview" ? "PULUMI_DEBUG_COMMANDS=true " : "";
  return `${env}${[STACK_SH, ...stackShArgs(op, stack, "<temporary file>", policyPack)].join(" ")}`;
}

/**
 * Runs scripts/stack.sh of `projectDir`. Its error output, and an up's progress, are passed to
 * `echo` as they come (the job log shows the engine working); the JSON a preview or an output
 * prints is only returned.
 */
export function stackShEngine(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  echo: (chunk: string) => void,
  policyPack: PolicyPack = findPolicyPack(projectDir),
): Engine {
  const packDir = policyPack && "dir" in policyPack ? policyPack.dir : undefined;
  return {
    describe: (op, stack) => describeRun(op, stack, packDir),
    run: async (op, stack) => {
      if (op !== "output" && policyPack && "missing" in policyPack) {
        return { exitCode: 1, stdout: "", stderr: `${policyPack.missing}\n` };
      }
      const scratch =
        op === "preview" ? fs.mkdtempSync(path.join(os.tmpdir(), "ci-preview-")) : undefined;
      const eventLog = scratch ? path.join(scratch, "events.jsonl") : undefined;
      try {
        const result = await spawnCollect(
          path.join(projectDir, STACK_SH),
          stackShArgs(op, stack, eventLog, packDir),
          { cwd: projectDir, env: op === "preview" ? { ...env, ...EVENT_LOG_ENV } : env },
          echo,
          op === "up",
        );
        if (eventLog && fs.existsSync(eventLog)) result.events = fs.readFileSync(eventLog, "utf8");
        return result;
      } finally {
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}

function spawnCollect(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  echo: (chunk: string) => void,
  echoStdout: boolean,
): Promise<EngineResult> {
  return new Promise((resolve) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout.push(chunk);
      if (echoStdout) echo(chunk);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr.push(chunk);
      echo(chunk);
    });
    child.on("error", (error) =>
      resolve({
        exitCode: 127,
        stdout: stdout.join(""),
        stderr: `${stderr.join("")}${error.message}\n`,
      }),
    );
    child.on("close", (code, signal) =>
      resolve({
        exitCode: code ?? 128,
        stdout: stdout.join(""),
        stderr: stderr.join("") + (signal ? `killed by ${signal}\n` : ""),
      }),
    );
  });
}
