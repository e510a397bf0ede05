/**
 * What the command line touches outside its own logic: output streams, external commands (git,
 * gh, pulumi) and the PATH. Everything here is injectable, so tests run `main` in-process against
 * a temporary repository without pulumi or gh.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RegistryClient } from "../adapters/registry";
import type { RecordReader } from "./deployed";
import type { StackState } from "./plan/state";
import type { UpstreamApplication } from "../rules/gate";

export interface RunOptions {
  cwd: string;
  /** Text written to the command's standard input. */
  input?: string;
}

/** Runs a command and returns its standard output; throws CommandFailed when it fails. */
export type Run = (command: string, args: string[], options: RunOptions) => string;

export class CommandFailed extends Error {
  constructor(
    public readonly command: string,
    public readonly args: string[],
    public readonly stderr: string,
    public readonly status: number | null,
  ) {
    const detail = stderr.trim().split("\n").filter(Boolean).slice(-3).join("\n  ");
    super(`\`${[command, ...args].join(" ")}\` failed${detail ? `:\n  ${detail}` : ""}`);
    this.name = "CommandFailed";
  }
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return "";
}

/** Builds a Run that executes commands with the given environment (default: this process's). */
export function commandRunner(env: NodeJS.ProcessEnv = process.env): Run {
  return (command, args, options) => {
    try {
      return execFileSync(command, args, {
        cwd: options.cwd,
        input: options.input,
        env,
        encoding: "utf8",
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const failure = error as { stderr?: unknown; status?: number | null; message?: string };
      const stderr = text(failure.stderr) || failure.message || "";
      throw new CommandFailed(command, args, stderr, failure.status ?? null);
    }
  };
}

/** Whether an executable named `command` is in one of the PATH directories. */
export function onPath(command: string, pathVariable = process.env.PATH ?? ""): boolean {
  const extensions = process.platform === "win32" ? ["", ".exe", ".cmd", ".bat"] : [""];
  return pathVariable
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) =>
      extensions.some((ext) => {
        try {
          fs.accessSync(path.join(dir, command + ext), fs.constants.X_OK);
          return fs.statSync(path.join(dir, command + ext)).isFile();
        } catch {
          return false;
        }
      }),
    );
}

/** What `main` needs from the outside world. */
export interface CliIo {
  /** The project directory: it holds Pulumi.yaml and the Pulumi.<env>.yaml stack files. */
  cwd: string;
  /** Writes one or more lines to standard output. */
  out(text: string): void;
  /** Writes one or more lines to standard error. */
  err(text: string): void;
  /** Runs git, gh and pulumi. */
  run: Run;
  /** Whether a command (gh, pulumi) is installed. */
  onPath(command: string): boolean;
  /**
   * Reads what a stack last deployed (tags, promotion records); defaults to `pulumi stack output
   * --json` or scripts/stack.sh. See deployed.ts.
   */
  readRecords?: RecordReader;
  /**
   * Reads the live Argo CD Applications (per `<env>/<app>`) for the dashboard; defaults to a GET
   * on each environment's cluster (cli/dashboard/live.ts).
   */
  readLive?: (states: StackState[]) => Promise<Map<string, UpstreamApplication>>;
  /**
   * The environment evidence sources are read with (GITHUB_API_URL, GITHUB_TOKEN or GH_TOKEN);
   * defaults to this process's.
   */
  env?: Record<string, string | undefined>;
  /**
   * Deploys a stack (after `verify` pushed an automatic rollback); defaults to running
   * scripts/stack.sh up <env> in the project directory.
   */
  up?: (env: string) => Promise<void>;
  /**
   * The OCI registry (adapters/registry.ts) that promote, hotfix, pin-digests, discover and the
   * dev bump ask for a tag's digest; the real registries, with credentials from the environment or
   * the docker config. Without it (an embedding that gives none), changes keep the digests the
   * stack files already pin and resolve nothing, and say so.
   */
  registry?: Pick<RegistryClient, "resolve" | "listTags" | "created" | "signatures">;
  /** Waits between two rounds of `discover --watch` (a timer; tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

/** The directory holding Pulumi.yaml: `start` or its nearest ancestor that has one. */
function findProjectDir(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

/** The real world: this process's streams, commands and PATH. */
export function processIo(): CliIo {
  return {
    cwd: findProjectDir(process.cwd()),
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    run: commandRunner(),
    onPath: (command) => onPath(command),
    registry: new RegistryClient(),
  };
}
