/**
 * A real Prometheus for the evidence tests: Debian's package (scripts/prometheus.sh installs it),
 * its TSDB filled from OpenMetrics text with `promtool tsdb create-blocks-from openmetrics` (the
 * documented backfill), alerting rules evaluated every second, served on a free port of 127.0.0.1
 * and stopped by PID. Its log stays in the run directory for a failing test to show.
 */
import { execFileSync, spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "./program";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Series {
  /** Metric name with its labels, e.g. `http_requests_total{namespace="dex-dev",code="200"}`. */
  sample: string;
  /** The counter's increase per second. */
  perSecond: number;
}

/**
 * OpenMetrics text for counters that grew at a steady rate: a sample every `fineStep` seconds over
 * the last `fineSpan`, and every `coarseStep` before that back to `span` seconds ago.
 */
export function countersText(
  family: string,
  series: readonly Series[],
  now: number,
  options = { span: 30 * 86400, coarseStep: 1800, fineSpan: 7200, fineStep: 30 },
): string {
  const times: number[] = [];
  for (let t = now - options.span; t < now - options.fineSpan; t += options.coarseStep)
    times.push(t);
  for (let t = now - options.fineSpan; t <= now; t += options.fineStep) times.push(t);
  const lines = [`# TYPE ${family} counter`];
  for (const s of series) {
    for (const t of times) {
      const value = Math.round((t - (now - options.span)) * s.perSecond * 1000) / 1000;
      lines.push(`${s.sample} ${value} ${t}`);
    }
  }
  return lines.join("\n");
}

export function gaugeText(
  family: string,
  samples: readonly { sample: string; value: number }[],
  now: number,
): string {
  const lines = [`# TYPE ${family} gauge`];
  for (const s of samples) {
    for (let t = now - 3600; t <= now; t += 30) lines.push(`${s.sample} ${s.value} ${t}`);
  }
  return lines.join("\n");
}

export class Prometheus {
  private constructor(
    readonly url: string,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  /** Backfills `openMetrics` (families joined; `# EOF` is added), starts, waits until ready. */
  static async start(openMetrics: string, alertRules: string): Promise<Prometheus> {
    const bin = execFileSync(path.join(PROJECT_DIR, "scripts", "prometheus.sh"), {
      encoding: "utf8",
    }).trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-"));
    const data = path.join(dir, "data");
    fs.writeFileSync(path.join(dir, "metrics.om"), `${openMetrics}\n# EOF\n`);
    execFileSync(
      path.join(bin, "promtool"),
      ["tsdb", "create-blocks-from", "openmetrics", path.join(dir, "metrics.om"), data],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    fs.writeFileSync(path.join(dir, "rules.yml"), alertRules);
    fs.writeFileSync(
      path.join(dir, "prometheus.yml"),
      [
        "global:",
        "  evaluation_interval: 1s",
        "rule_files:",
        `  - ${path.join(dir, "rules.yml")}`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    const log = fs.openSync(path.join(dir, "prometheus.log"), "a");
    const child = spawn(
      path.join(bin, "prometheus"),
      [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${data}`,
        "--storage.tsdb.retention.time=400d",
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", log, log], detached: false },
    );
    const prometheus = new Prometheus(`http://127.0.0.1:${port}`, dir, child);
    fs.writeFileSync(path.join(dir, "prometheus.pid"), String(child.pid));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`prometheus exited ${child.exitCode}: ${prometheus.log().slice(-2000)}`);
      }
      try {
        const ready = await fetch(`${prometheus.url}/-/ready`, {
          signal: AbortSignal.timeout(2000),
        });
        if (ready.ok) return prometheus;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await prometheus.stop();
        throw new Error(`prometheus not ready in 60 s: ${prometheus.log().slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  log(): string {
    const file = path.join(this.dir, "prometheus.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  }

  /** Stops the server by its PID and removes its directory (unless `keep`). */
  async stop(keep = false): Promise<void> {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      process.kill(this.child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (this.child.exitCode === null) process.kill(this.child.pid, "SIGKILL");
    }
    if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
