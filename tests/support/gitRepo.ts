/**
 * Temporary git repositories holding a copy of a frozen fixture project (tests/fixtures/<name>:
 * Pulumi.yaml and stack files), with a local bare repository as `origin`, for running the promotion
 * command line in-process. Never the live root stack files: a promotion, a CI tag bump or a new
 * canary changes those, and the CLI tests pin exact tags and environments.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { listStacks } from "../../config/stackFiles";
import { CommandFailed, commandRunner, type CliIo, type Run } from "../../cli/io";
import type { RecordReader } from "../../cli/deployed";
import { editStackText } from "../../cli/stackText";
import { main } from "../../cli/main";

/** The frozen fixture projects (tests/fixtures/README.md). */
export const FIXTURES_DIR = path.resolve(__dirname, "..", "fixtures");

/** A fixture project's directory: a name under tests/fixtures, or a path to any project. */
export function fixtureDir(fixture: string): string {
  return path.isAbsolute(fixture) ? fixture : path.join(FIXTURES_DIR, fixture);
}

/**
 * git with no setting from the machine or an enclosing repository: no GIT_DIR from a hook, no
 * global config (signing, hooks, default branch), a fixed identity.
 */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("GIT_")) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    GIT_CONFIG_GLOBAL: path.join(home, "gitconfig"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Test Promoter",
    GIT_AUTHOR_EMAIL: "promoter@example.com",
    GIT_COMMITTER_NAME: "Test Promoter",
    GIT_COMMITTER_EMAIL: "promoter@example.com",
  };
}

export interface GhCall {
  args: string[];
  input?: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Pretend gh is installed; its calls are recorded in `ghCalls` and print a PR URL. */
  gh?: boolean;
  /** gh fails with this message (after recording the call), as with bad credentials. */
  ghFails?: string;
  records?: RecordReader;
  /** The live Argo CD Applications the dashboard reads, instead of a GET on a cluster. */
  live?: CliIo["readLive"];
  /** The environment evidence is read with (GITHUB_API_URL, GITHUB_TOKEN); default: none. */
  env?: Record<string, string | undefined>;
  /** What `verify` runs to deploy an automatic rollback, instead of scripts/stack.sh up. */
  up?: CliIo["up"];
}

export interface AsyncRunOptions extends RunOptions {
  /** The registry the command asks (a RegistryClient pointed at a test registry). */
  registry?: CliIo["registry"];
  /** Replaces the timer of `discover --watch`. */
  sleep?: CliIo["sleep"];
}

export class TempProject {
  /** The work tree: the project directory and repository root. */
  readonly dir: string;
  /** The bare repository the work tree has as `origin`. */
  readonly origin: string;
  readonly run: Run;
  readonly ghCalls: GhCall[] = [];

  constructor(
    private readonly root: string,
    withOrigin: boolean,
    fixture: string,
  ) {
    this.dir = path.join(root, "work");
    this.origin = path.join(root, "origin.git");
    fs.mkdirSync(path.join(root, "home"));
    fs.writeFileSync(path.join(root, "home", "gitconfig"), "");
    this.run = commandRunner(isolatedEnv(path.join(root, "home")));
    fs.mkdirSync(this.dir);
    const source = fixtureDir(fixture);
    // Read and written, not copied: a fixture's Pulumi.yaml is a symlink to the real one, and a
    // relative link would dangle in the copy.
    for (const file of ["Pulumi.yaml", ...listStacks(source).map((s) => `Pulumi.${s}.yaml`)]) {
      fs.writeFileSync(path.join(this.dir, file), fs.readFileSync(path.join(source, file)));
    }
    this.git("init", "--quiet", "--initial-branch=main");
    this.git("config", "user.name", "Test Promoter");
    this.git("config", "user.email", "promoter@example.com");
    this.git("config", "commit.gpgsign", "false");
    this.git("add", ".");
    this.git("commit", "--quiet", "-m", "Initial stack files");
    if (withOrigin) {
      this.run("git", ["init", "--quiet", "--bare", this.origin], { cwd: root });
      this.git("remote", "add", "origin", this.origin);
      this.git("push", "--quiet", "origin", "main");
    }
  }

  git(...args: string[]): string {
    return this.run("git", args, { cwd: this.dir });
  }

  /** git in the bare origin. */
  originGit(...args: string[]): string {
    return this.run("git", args, { cwd: this.origin });
  }

  read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), "utf8");
  }

  write(file: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, file), text);
  }

  /** Commits a new tag for an app in an environment's stack file on the current branch. */
  commitTag(env: string, app: string, tag: string, message = `ci: ${env} runs ${tag}`): void {
    const file = `Pulumi.${env}.yaml`;
    this.write(file, editStackText(this.read(file), file, [{ app, tag }]));
    this.git("commit", "--quiet", "-m", message, "--", file);
  }

  /**
   * Runs the command line in-process against this project, for the commands that answer at once
   * (no registry is given: see cliAsync).
   */
  cli(argv: string[], options: RunOptions = {}): CliResult {
    const { io, result } = this.cliIo(options);
    const code = main(argv, io);
    if (typeof code !== "number") {
      throw new Error(`${argv[0]} asked the registry: run it with cliAsync`);
    }
    return result(code);
  }

  /** Runs the command line in-process, with a registry to ask (promote, discover...). */
  async cliAsync(argv: string[], options: AsyncRunOptions = {}): Promise<CliResult> {
    const { io, result } = this.cliIo(options);
    io.registry = options.registry;
    io.sleep = options.sleep;
    return result(await main(argv, io));
  }

  private cliIo(options: RunOptions): { io: CliIo; result: (code: number) => CliResult } {
    const out: string[] = [];
    const err: string[] = [];
    const run: Run = (command, args, runOptions) => {
      if (command === "gh") {
        this.ghCalls.push({ args, input: runOptions.input });
        if (options.ghFails !== undefined) throw new CommandFailed("gh", args, options.ghFails, 1);
        return "https://github.com/data-literate/dex/pull/42\n";
      }
      return this.run(command, args, runOptions);
    };
    const io: CliIo = {
      cwd: this.dir,
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      run,
      // Neither gh nor pulumi is on PATH unless the test says so.
      onPath: (command) => command === "gh" && options.gh === true,
      readRecords: options.records,
      ...(options.live ? { readLive: options.live } : {}),
      env: options.env ?? {},
      ...(options.up ? { up: options.up } : {}),
    };
    return {
      io,
      result: (code) => ({ code, stdout: out.join("\n"), stderr: err.join("\n") }),
    };
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export interface TempProjectOptions {
  /** A bare `origin` to push to (default true). */
  origin?: boolean;
  /** The fixture project to copy (default "seed": dev -> stage -> prod). */
  fixture?: string;
}

/** A temporary copy of a fixture project in a fresh repository. */
export function tempProject(options: TempProjectOptions = {}): TempProject {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "promote-cli-"));
  return new TempProject(root, options.origin ?? true, options.fixture ?? "seed");
}

/** Lines of `after` that differ from `before`, compared line by line (same line count). */
export function changedLines(
  before: string,
  after: string,
): Array<{ line: number; before: string; after: string }> {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length !== b.length) {
    throw new Error(`line counts differ: ${a.length} before, ${b.length} after`);
  }
  return a
    .map((text, index) => ({ line: index + 1, before: text, after: b[index] }))
    .filter((l) => l.before !== l.after);
}
