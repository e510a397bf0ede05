/**
 * `dashboard`: the promotion dashboard (issue #15): one self-contained HTML page written to
 * `--out DIR`, served on 127.0.0.1 with `--serve PORT`, or its data as JSON with `--json`. It
 * reads what `status` reads (cli/statusSources.ts), the git history of each stack file and the
 * live Argo CD Applications; cli/dashboard/model.ts assembles, cli/dashboard/html.ts renders.
 */
import * as fs from "fs";
import * as path from "path";
import { optional, type Values } from "../args";
import { dashboardData, type DashboardData } from "../dashboard/model";
import { renderDashboard } from "../dashboard/html";
import { readLive } from "../dashboard/live";
import { REFRESH_SECONDS, serveDashboard, serverUrl } from "../dashboard/serve";
import { Refused, UsageError } from "../errors";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import { Git } from "../git";
import type { CliIo } from "../io";
import type { StackVersion } from "../plan/history";
import { readStatusSources } from "../statusSources";
import { HELP_OPTION, type Command } from "./command";

export const ACCEPTED_PORT = "a whole number from 1 to 65535, or 0 for any free port";

/** The --serve value as a port; a usage error naming the option, the value and what is accepted. */
export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new UsageError(
      `--serve ${JSON.stringify(value)} is not a port; accepted: ${ACCEPTED_PORT}`,
    );
  }
  return port;
}

/** Per readable environment, the git history of its stack file; empty outside a repository. */
function histories(io: CliIo, files: Array<[string, string]>): Map<string, StackVersion[]> {
  const git = new Git(io.run, io.cwd);
  if (!git.isRepository()) return new Map();
  return new Map(files.map(([env, file]) => [env, git.stackHistory(file)]));
}

/** Reads every source and assembles the data; `warn` gets what could not be read. */
export async function readDashboard(
  io: CliIo,
  warn: (text: string) => void,
): Promise<DashboardData> {
  const sources = readStatusSources(io);
  if (sources.unavailable) warn(sources.unavailable);
  const states = sources.loaded.states;
  const live = await (io.readLive ?? readLive)(states);
  return dashboardData({
    ...sources,
    histories: histories(
      io,
      states.map((s) => [s.config.environment, s.file]),
    ),
    live,
    now: new Date(),
  });
}

/** Writes DIR/index.html; a refusal naming --out, the directory and why when it cannot. */
function writePage(dir: string, html: string): string {
  const file = path.join(dir, "index.html");
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, html);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Refused(
      `--out ${JSON.stringify(dir)}: cannot write ${file} (${reason}); accepted: a directory that exists or can be created, and is writable`,
    );
  }
  return file;
}

async function serve(port: number, io: CliIo): Promise<number> {
  // Said once per distinct reason, not on every request.
  const said = new Set<string>();
  const warn = (text: string) => {
    if (!said.has(text)) io.err(text);
    said.add(text);
  };
  let server;
  try {
    server = await serveDashboard(port, () => readDashboard(io, warn));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Refused(
      `--serve ${port}: cannot listen on 127.0.0.1:${port} (${reason}); accepted: ${ACCEPTED_PORT}, not in use`,
    );
  }
  const listening = server;
  io.out(
    `Serving the dashboard on ${serverUrl(listening)} (re-read on every request, the page reloads every ${REFRESH_SECONDS} s; data: ${serverUrl(listening)}data.json). Ctrl-C stops it.`,
  );
  return new Promise((resolve) => {
    const stop = () => listening.close();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    listening.on("close", () => {
      // Leaves the process's signals as they were (a later Ctrl-C ends it as usual).
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(EXIT_OK);
    });
  });
}

async function run(values: Values, io: CliIo): Promise<number> {
  const out = optional(values, "out");
  const port = optional(values, "serve");
  const json = values.json === true;
  if (out === undefined && port === undefined && !json) {
    throw new UsageError("dashboard needs --out DIR, --serve PORT or --json");
  }
  if (out === "") throw new UsageError('--out "" is empty; accepted: a directory');
  if (port !== undefined && (out !== undefined || json)) {
    throw new UsageError(
      "--serve runs until stopped: use it without --out and --json (it serves /data.json)",
    );
  }
  if (port !== undefined) return serve(parsePort(port), io);

  const data = await readDashboard(io, (text) => io.err(text));
  if (json) io.out(JSON.stringify(data, null, 2));
  if (out !== undefined) {
    const file = writePage(out, renderDashboard(data));
    io.err(`Wrote ${file}`);
  }
  const broken = data.environments.filter((e) => e.error !== null);
  if (broken.length === 0) return EXIT_OK;
  // As status: the page shows the broken file, and the exit code says it.
  const files = broken.map((b) => b.file).join(", ");
  const count = broken.length === 1 ? "1 stack file cannot" : `${broken.length} stack files cannot`;
  io.err(`${count} be read (${files}); fix it and run again.`);
  return EXIT_REFUSED;
}

export const dashboardCommand: Command = {
  name: "dashboard",
  summary: "the promotion dashboard: one HTML page (--out DIR), served (--serve PORT), or --json",
  usage: `Usage: npm run promote -- dashboard (--out DIR | --serve PORT | --json) [--out DIR --json]

One self-contained page (no external asset; works air-gapped, as a CI artifact or on GitHub
Pages): environments as columns in chain order, apps as rows; in each cell the pinned tag (or
digest), whether the last \`up\` deployed it, whether it is behind its upstream, a rollback or
hotfix in force, the last promotion record and Argo CD's live sync and health ("unknown", with
why, when the cluster cannot be read). For each pair of neighbouring environments, whether the
next promotion is allowed, and if not the gate's reason. The history of every promotion record,
filterable by app and environment. It reads what status reads, plus the git history of each
stack file and the live Applications (promotion:kubeconfig / kubeContext).

Options:
  --out DIR     write DIR/index.html (DIR is created if missing)
  --serve PORT  serve the page on 127.0.0.1:PORT (0: any free port), read afresh on every
                request; the page reloads every ${REFRESH_SECONDS} s; /data.json is its data
  --json        print the page's data as JSON (docs/dashboard.md lists its keys)
  -h, --help    show this help

A stack file that cannot be read is shown on the page and makes the exit code 1, as in status.`,
  options: {
    out: { type: "string" },
    serve: { type: "string" },
    json: { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
