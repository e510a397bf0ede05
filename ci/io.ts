/**
 * What the ci command touches outside its own logic: the streams, the environment, git and the
 * engine. Everything is injectable, so tests run `main` in-process against a temporary repository
 * with the engine replaced by captured output.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stackShEngine, type Engine } from "./engine";

/** A git command failed: its arguments, exit status and error output. */
export class GitFailed extends Error {
  constructor(
    public readonly args: string[],
    public readonly stderr: string,
    public readonly status: number | null,
  ) {
    super(`\`git ${args.join(" ")}\` failed${stderr.trim() ? `: ${stderr.trim()}` : ""}`);
    this.name = "GitFailed";
  }
}

/** Runs git in the project directory and returns its standard output; throws GitFailed. */
export type Git = (args: string[]) => string;

export interface CiIo {
  /** The project directory: it holds Pulumi.yaml and the Pulumi.<env>.yaml stack files. */
  cwd: string;
  /** The environment (GITHUB_STEP_SUMMARY). */
  env: Record<string, string | undefined>;
  /** Writes to standard output (results: JSON, the comment, the check lines). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  err(text: string): void;
  git: Git;
  engine: Engine;
}

export function gitRunner(cwd: string, env: NodeJS.ProcessEnv = process.env): Git {
  return (args) => {
    try {
      return execFileSync("git", args, {
        cwd,
        env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const failure = error as { stderr?: unknown; status?: number | null; message?: string };
      const stderr =
        typeof failure.stderr === "string" && failure.stderr !== ""
          ? failure.stderr
          : (failure.message ?? "");
      throw new GitFailed(args, stderr, failure.status ?? null);
    }
  };
}

/** The directory holding Pulumi.yaml: `start` or its nearest ancestor that has one. */
export function findProjectDir(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

const line = (text: string): string => (text.endsWith("\n") ? text : `${text}\n`);

/** The real world: this process's streams and environment, git, scripts/stack.sh. */
export function processIo(): CiIo {
  const cwd = findProjectDir(process.cwd());
  return {
    cwd,
    env: process.env,
    out: (text) => process.stdout.write(line(text)),
    err: (text) => process.stderr.write(line(text)),
    git: gitRunner(cwd),
    engine: stackShEngine(cwd, process.env, (chunk) => process.stderr.write(chunk)),
  };
}
