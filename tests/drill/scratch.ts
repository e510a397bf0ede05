/**
 * The drill's scratch world: a clone of the checkout's HEAD (committed files only) with a local bare
 * repository as `origin`, an isolated git configuration, its own file backend and passphrase, and
 * node_modules linked from the project. Every command runs with an explicit environment and its
 * full output goes to a log file under the scratch directory; nothing is written to the checkout.
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface Person {
  name: string;
  email: string;
}

export const PROMOTER: Person = { name: "Drill Promoter", email: "promoter@drill.invalid" };
export const REVIEWER: Person = { name: "Drill Reviewer", email: "reviewer@drill.invalid" };
export const CI_BOT: Person = { name: "dex-release-bot", email: "release-bot@drill.invalid" };

/** How a record's `by` names the author of the last commit of a stack file (docs/promotion.md). */
export function recordedBy(person: Person): string {
  return `${person.name} <${person.email}>`;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** An action of a step failed: the steps after it cannot run. */
export class DrillError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DrillError";
  }
}

/** The last lines of a command's output, for a failure message. */
export function tail(text: string, lines = 25): string {
  const all = text.trimEnd().split("\n");
  return (all.length > lines ? ["...", ...all.slice(-lines)] : all).join("\n");
}

/** Variables passed through from the caller: the toolchain's cache and build, locale, proxies. */
const PASSED_THROUGH =
  /^(PATH|HOME|USER|LOGNAME|SHELL|TMPDIR|TZ|LANG|LC_[A-Z]+|XDG_CACHE_HOME|PULUMI_HOME|PROMOTION_TOOLCHAIN_[A-Z_]+|GO[A-Z0-9_]*|NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR)|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy)$/;

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export class Scratch {
  readonly root: string;
  /** The developer's clone: the project directory every command runs in. */
  readonly work: string;
  /** The bare repository the clone has as `origin` (GitHub, for the drill). */
  readonly origin: string;
  readonly backend: string;
  readonly logs: string;
  private readonly env: NodeJS.ProcessEnv;
  private logFile: string;
  private started = 0;

  constructor(readonly checkout: string) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-drill-"));
    this.work = path.join(this.root, "work");
    this.origin = path.join(this.root, "origin.git");
    this.backend = path.join(this.root, "state");
    this.logs = path.join(this.root, "logs");
    const home = path.join(this.root, "git-home");
    for (const dir of [this.backend, this.logs, home]) fs.mkdirSync(dir);
    this.logFile = path.join(this.logs, "setup.log");
    const gitconfig = path.join(home, "gitconfig");
    fs.writeFileSync(
      gitconfig,
      [
        "[init]\n\tdefaultBranch = main",
        "[commit]\n\tgpgsign = false",
        "[tag]\n\tgpgsign = false",
        "[core]\n\thooksPath = /dev/null",
        "[advice]\n\tdetachedHead = false",
        "",
      ].join("\n"),
    );
    const passed = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => PASSED_THROUGH.test(key)),
    );
    this.env = {
      ...passed,
      PATH: this.pathWithoutGh(process.env.PATH ?? ""),
      GIT_CONFIG_GLOBAL: gitconfig,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
      ...identity(PROMOTER),
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      PULUMI_CONFIG_PASSPHRASE: `drill-${crypto.randomBytes(8).toString("hex")}`,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
    };
  }

  /** Sets a variable for every command run from now on (the registry the CLI asks). */
  setEnv(key: string, value: string): void {
    this.env[key] = value;
  }

  /**
   * PATH without `gh`, so the promotion command line prints the pull request instead of opening
   * one on GitHub: a PATH directory holding gh is replaced by a directory of links to the rest.
   */
  private pathWithoutGh(pathVariable: string): string {
    return pathVariable
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir, index) => {
        if (!executable(path.join(dir, "gh"))) return dir;
        const shadow = path.join(this.root, `path-${index}`);
        fs.mkdirSync(shadow);
        for (const entry of fs.readdirSync(dir).filter((e) => e !== "gh")) {
          fs.symlinkSync(path.join(dir, entry), path.join(shadow, entry));
        }
        return shadow;
      })
      .join(path.delimiter);
  }

  /** Further commands log to logs/<name>.log. */
  logTo(name: string): void {
    this.logFile = path.join(this.logs, `${name}.log`);
  }

  /**
   * Runs a command (in the clone unless told) and returns its result; never throws. `show` prints
   * it with its time, for the commands a user would type.
   */
  run(
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; show?: boolean } = {},
  ): Result {
    const cwd = options.cwd ?? this.work;
    const label = quoted(command, args);
    if (options.show) process.stdout.write(`    $ ${label.join(" ")} `);
    const started = Date.now();
    const result = spawnSync(command, args, {
      cwd,
      env: { ...this.env, ...options.env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 512 * 1024 * 1024,
    });
    const seconds = (Date.now() - started) / 1000;
    const code = result.status ?? 128;
    const stdout = result.stdout ?? "";
    const stderr = (result.stderr ?? "") + (result.error ? `\n${result.error.message}` : "");
    if (options.show) {
      process.stdout.write(`(${seconds.toFixed(1)}s${code === 0 ? "" : `, exit ${code}`})\n`);
    }
    this.log(this.logFile, label, cwd, { code, stdout, stderr, seconds });
    return { code, stdout, stderr, seconds };
  }

  /**
   * Starts a command (in the clone unless told) that runs alongside the drill's next commands; it
   * writes to files, so it never waits on this process. Never rejects.
   */
  start(
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<Result> {
    const cwd = options.cwd ?? this.work;
    const label = quoted(command, args);
    const logFile = this.logFile;
    const files = ["out", "err"].map((s) =>
      path.join(this.logs, `.running-${++this.started}.${s}`),
    );
    const fds = files.map((file) => fs.openSync(file, "w"));
    const started = Date.now();
    const child = spawn(command, args, {
      cwd,
      env: { ...this.env, ...options.env },
      stdio: ["ignore", fds[0], fds[1]],
    });
    for (const fd of fds) fs.closeSync(fd);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (code: number, error = "") => {
        if (settled) return;
        settled = true;
        const [stdout, stderr] = files.map((file) => fs.readFileSync(file, "utf8"));
        for (const file of files) fs.rmSync(file, { force: true });
        const result = {
          code,
          stdout,
          stderr: stderr + error,
          seconds: (Date.now() - started) / 1000,
        };
        this.log(logFile, label, cwd, result);
        resolve(result);
      };
      child.on("error", (error) => finish(127, `\n${error.message}`));
      child.on("close", (code) => finish(code ?? 128));
    });
  }

  private log(file: string, label: string[], cwd: string, result: Result): void {
    fs.appendFileSync(
      file,
      `\n$ ${label.join(" ")}\n# cwd ${cwd}, exit ${result.code}, ${result.seconds.toFixed(1)}s\n` +
        `--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}\n`,
    );
  }

  /** Runs a command that must succeed; a failure stops the drill with the command's output. */
  must(
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; show?: boolean } = {},
  ): Result {
    const result = this.run(command, args, options);
    if (result.code !== 0) {
      throw new DrillError(
        `\`${[command, ...args].join(" ")}\` exited ${result.code}:\n${tail(result.stderr || result.stdout)}`,
      );
    }
    return result;
  }

  /** git in the clone, as the promoter unless told; returns trimmed stdout. */
  git(args: string[], as: Person = PROMOTER, cwd = this.work): string {
    return this.must("git", args, { cwd, env: identity(as) }).stdout.trim();
  }

  /** The environment the unit suite gets: the caller's, without the drill's Pulumi settings. */
  unitEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(
      Object.keys(this.env)
        .filter((key) => key.startsWith("PULUMI_"))
        .map((key) => [key, undefined]),
    );
  }

  /**
   * Clones the checkout's HEAD commit as `main`, with the bare repository as its only remote, and
   * links node_modules from the checkout. Throws if the clone could still reach the checkout.
   */
  cloneCheckout(): string {
    const commit = this.git(["rev-parse", "HEAD"], PROMOTER, this.checkout);
    this.git(
      ["clone", "--quiet", "--no-hardlinks", "--no-checkout", this.checkout, this.work],
      PROMOTER,
      this.root,
    );
    this.git(["checkout", "--quiet", "-B", "main", commit]);
    this.git(["remote", "remove", "origin"]);
    for (const branch of this.git([
      "for-each-ref",
      "--format=%(refname:short)",
      "refs/heads",
    ]).split("\n")) {
      if (branch && branch !== "main") this.git(["branch", "--quiet", "-D", branch]);
    }
    this.git(
      ["init", "--quiet", "--bare", "--initial-branch=main", this.origin],
      PROMOTER,
      this.root,
    );
    this.git(["remote", "add", "origin", this.origin]);
    this.git(["push", "--quiet", "--set-upstream", "origin", "main"]);
    const remotes = this.git(["remote", "-v"]);
    if (remotes.includes(this.checkout) || !remotes.includes(this.origin)) {
      throw new DrillError(`the scratch clone's remotes are not only the bare origin:\n${remotes}`);
    }
    fs.symlinkSync(
      fs.realpathSync(path.join(this.checkout, "node_modules")),
      path.join(this.work, "node_modules"),
    );
    return commit;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A command line as a user would type it. */
export function quoted(command: string, args: string[]): string[] {
  return [command, ...args].map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a));
}

export function identity(person: Person): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: person.name,
    GIT_AUTHOR_EMAIL: person.email,
    GIT_COMMITTER_NAME: person.name,
    GIT_COMMITTER_EMAIL: person.email,
  };
}
