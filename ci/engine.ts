/**
 * The engine, as CI runs it: `scripts/stack.sh <preview|up|output> <stack>`, the project's one way
 * to run pulumi (the embedded default with no cloud account; PULUMI_BACKEND_URL, the passphrase and
 * PULUMI_HOME when set). A preview also writes the engine's event log (`--event-log`, enabled by
 * PULUMI_DEBUG_COMMANDS as the Automation API does), the only place policy results appear.
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

/** The arguments of scripts/stack.sh for one run. */
export function stackShArgs(op: EngineOp, stack: string, eventLog?: string): string[] {
  switch (op) {
    case "preview":
      return ["preview", stack, "--json", ...(eventLog ? ["--event-log", eventLog] : [])];
    case "up":
      return ["up", stack];
    case "output":
      return ["output", stack];
  }
}

export function describeRun(op: EngineOp, stack: string): string {
  const env = op === "preview" ? "PULUMI_DEBUG_COMMANDS=true " : "";
  return `${env}${[STACK_SH, ...stackShArgs(op, stack, "<temporary file>")].join(" ")}`;
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
): Engine {
  return {
    describe: describeRun,
    run: async (op, stack) => {
      const scratch =
        op === "preview" ? fs.mkdtempSync(path.join(os.tmpdir(), "ci-preview-")) : undefined;
      const eventLog = scratch ? path.join(scratch, "events.jsonl") : undefined;
      try {
        const result = await spawnCollect(
          path.join(projectDir, STACK_SH),
          stackShArgs(op, stack, eventLog),
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
