/**
 * `npm run promote -- dashboard` in-process against a temporary copy of the seed fixture: the page
 * written with --out, the data with --json, the page served with --serve (read afresh on every
 * request), and bad input (a port, a directory) refused naming the option, the value and what is
 * accepted.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { SEED } from "../fixtures";
import {
  dashboardProject,
  live,
  NEW_BUILD,
  RECORD_COUNT,
  records,
} from "../support/dashboardProject";
import type { TempProject } from "../support/gitRepo";

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GETs `url`, retrying while the server is not listening yet (up to 10 s). */
async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(url);
      return {
        status: response.status,
        type: response.headers.get("content-type") ?? "",
        body: await response.text(),
      };
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("cli: dashboard", () => {
  let project: TempProject;
  beforeEach(() => {
    project = dashboardProject();
  });
  afterEach(() => project.cleanup());

  it("--out DIR writes one self-contained index.html showing the fixture's tags and records", async () => {
    const out = path.join(project.dir, "site", "nested");
    const result = await project.cliAsync(["dashboard", "--out", out], { records, live });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, `Wrote ${path.join(out, "index.html")}`);
    assert.deepEqual(fs.readdirSync(out), ["index.html"]);
    const html = fs.readFileSync(path.join(out, "index.html"), "utf8");
    for (const tag of [NEW_BUILD, SEED.tags.stage, SEED.tags.prod])
      assert.ok(html.includes(tag), tag);
    assert.equal([...html.matchAll(/<tr class="kind-row-/g)].length, RECORD_COUNT);
    assert.match(html, /stage&#39;s Application dex-stage is Synced and Degraded/);
  });

  it("--json prints the page's data: status's rows as cells, promotions, the timeline", async () => {
    const result = await project.cliAsync(["dashboard", "--json"], { records, live });
    assert.equal(result.code, 0, result.stderr);
    const data = JSON.parse(result.stdout) as Record<string, unknown> & {
      cells: Array<Record<string, unknown>>;
      promotions: Array<{ from: string; to: string; state: string }>;
      timeline: unknown[];
    };
    assert.deepEqual(Object.keys(data).sort(), [
      "apps",
      "cells",
      "chain",
      "environments",
      "generatedAt",
      "promotions",
      "recordsUnavailable",
      "timeline",
    ]);
    // Every key of a status --json row, and the dashboard's own two.
    const status = project.cli(["status", "--json"], { records });
    const statusRow = (JSON.parse(status.stdout) as { rows: Array<Record<string, unknown>> })
      .rows[0];
    assert.deepEqual(
      Object.keys(data.cells[0]).sort(),
      [...Object.keys(statusRow), "digest", "live"].sort(),
    );
    assert.deepEqual(
      data.promotions.map((p) => [p.from, p.to, p.state]),
      [
        ["dev", "stage", "ready"],
        ["stage", "prod", "blocked"],
      ],
    );
    assert.equal(data.timeline.length, RECORD_COUNT);
  });

  it("reads the live state from each stack file's cluster, unknown for render mode (no injection)", async () => {
    const result = await project.cliAsync(["dashboard", "--json"], { records });
    assert.equal(result.code, 0, result.stderr);
    const data = JSON.parse(result.stdout) as { cells: Array<{ live: unknown }> };
    assert.deepEqual(data.cells[0].live, {
      known: false,
      why: "dev renders manifests (no promotion:kubeconfig or kubeContext), so there is no cluster to read",
    });
  });

  it("names --serve, the bad value and what is accepted for a port that is not one", async () => {
    for (const bad of ["abc", "70000", "80.5", ""]) {
      const result = await project.cliAsync(["dashboard", "--serve", bad], { records, live });
      assert.equal(result.code, 2, bad);
      assert.ok(
        result.stderr.startsWith(
          `Usage error: --serve ${JSON.stringify(bad)} is not a port; accepted: a whole number from 1 to 65535, or 0 for any free port`,
        ),
        result.stderr,
      );
    }
  });

  it("refuses --serve on a port in use, saying so", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const result = await project.cliAsync(["dashboard", "--serve", String(port)], {
        records,
        live,
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(
          `^Refused: --serve ${port}: cannot listen on 127\\.0\\.0\\.1:${port} \\(listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}\\); accepted: `,
        ),
      );
    } finally {
      busy.close();
    }
  });

  it("refuses an --out it cannot write, naming it, why and what is accepted", async () => {
    project.write("blocker", "a file, not a directory\n");
    const out = path.join(project.dir, "blocker", "site");
    const result = await project.cliAsync(["dashboard", "--out", out], { records, live });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^Refused: --out "${out.replace(/[/.]/g, "\\$&")}": cannot write ${path.join(out, "index.html").replace(/[/.]/g, "\\$&")} \\(ENOTDIR: not a directory, mkdir .*\\); accepted: a directory that exists or can be created, and is writable$`,
      ),
    );
  });

  it("is a usage error without --out, --serve or --json, or with --serve and --out", async () => {
    const none = await project.cliAsync(["dashboard"], { records, live });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage error: dashboard needs --out DIR, --serve PORT or --json\n/);
    const both = await project.cliAsync(["dashboard", "--serve", "0", "--out", "x"], {
      records,
      live,
    });
    assert.equal(both.code, 2);
    assert.match(
      both.stderr,
      /^Usage error: --serve runs until stopped: use it without --out and --json/,
    );
  });

  it("writes the page and exits 1 when a stack file cannot be read, as status does", async () => {
    project.write(
      "Pulumi.prod.yaml",
      project.read("Pulumi.prod.yaml").replace("tag: sha", "\ttag: sha"),
    );
    const out = path.join(project.dir, "site");
    const result = await project.cliAsync(["dashboard", "--out", out], { records, live });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /1 stack file cannot be read \(Pulumi\.prod\.yaml\); fix it and run again\.$/,
    );
    const html = fs.readFileSync(path.join(out, "index.html"), "utf8");
    assert.match(html, /<span class="error" role="note">Pulumi\.prod\.yaml line \d+, column \d+/);
  });

  it("--serve PORT serves the page and /data.json on 127.0.0.1, read afresh on every request", async () => {
    const signalsBefore = {
      term: process.listenerCount("SIGTERM"),
      int: process.listenerCount("SIGINT"),
    };
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const running = project.cliAsync(["dashboard", "--serve", String(port)], { records, live });
    try {
      const page = await get(url);
      assert.equal(page.status, 200);
      assert.equal(page.type, "text/html; charset=utf-8");
      assert.match(page.body, /location\.reload\(\); \}, 30000\)/);
      const before = JSON.parse((await get(`${url}data.json`)).body) as {
        cells: Array<{ environment: string; tag: string }>;
      };
      assert.equal(before.cells.find((c) => c.environment === "stage")?.tag, SEED.tags.stage);
      // A promotion merged while it serves: the next request shows it.
      project.commitTag("stage", "dex", NEW_BUILD);
      const after = JSON.parse((await get(`${url}data.json`)).body) as typeof before;
      assert.equal(after.cells.find((c) => c.environment === "stage")?.tag, NEW_BUILD);
      const missing = await get(`${url}nothing`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body, "no /nothing here: / is the dashboard, /data.json its data\n");
    } finally {
      // What Ctrl-C or a service manager sends; the command stops listening and exits 0.
      process.emit("SIGTERM");
    }
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      `Serving the dashboard on ${url} (re-read on every request, the page reloads every 30 s; data: ${url}data.json). Ctrl-C stops it.`,
    );
    await assert.rejects(fetch(url), "no longer listening");
    assert.equal(
      process.listenerCount("SIGTERM"),
      signalsBefore.term,
      "SIGTERM handlers as before",
    );
    assert.equal(process.listenerCount("SIGINT"), signalsBefore.int, "SIGINT handlers as before");
  });
});
