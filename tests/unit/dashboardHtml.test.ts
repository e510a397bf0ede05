/**
 * cli/dashboard/html.ts: the page as a pure function of the data. Escaping (reasons, bypass texts
 * and names are people's text), a page that asks for nothing outside itself, a real table with
 * header cells, text beside every colour.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import { escapeHtml, renderDashboard } from "../../cli/dashboard/html";
import { dashboardData, type DashboardData } from "../../cli/dashboard/model";
import type { DeployedState } from "../../cli/deployed";
import { loadProject } from "../../cli/load";
import { MULTI_APP, SEED } from "../fixtures";
import { DEPLOYED, HTML_REASON } from "../support/dashboardProject";

function seedData(overrides: Partial<Parameters<typeof dashboardData>[0]> = {}): DashboardData {
  return dashboardData({
    loaded: loadProject(SEED.dir),
    order: SEED.environments,
    deployed: new Map(Object.entries(DEPLOYED)),
    histories: new Map(),
    live: new Map(),
    now: new Date("2026-02-01T00:00:00Z"),
    ...overrides,
  });
}

/** The contents of every inline <script>. */
const scripts = (html: string) =>
  [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);

describe("dashboard: HTML page", () => {
  it("escapes the five characters that matter in text and attributes", () => {
    assert.equal(
      escapeHtml(`<a href="x">Tom & 'Jerry'</a>`),
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;",
    );
  });

  it("shows a record's reason as text, never as markup", () => {
    const html = renderDashboard(seedData());
    assert.ok(html.includes(escapeHtml(HTML_REASON)), "the escaped reason is on the page");
    assert.ok(!html.includes("<script>alert(1)"), "no script of the reason");
    assert.ok(!html.includes("<b>broken</b>"), "no markup of the reason");
    // The only <script> elements are the page's own.
    assert.equal(scripts(html).length, 1);
  });

  it("escapes a bypass reason in force and a refusal that quotes a value", () => {
    const data = seedData();
    const cell = data.cells.find((c) => c.environment === "prod")!;
    cell.bypass = { kind: "hotfix", tag: "sha-1", reason: `</td><img src=x onerror=alert(1)>` };
    data.promotions[1].state = "blocked";
    data.promotions[1].reasons = [`tag = "<x>"`];
    const html = renderDashboard(data);
    assert.ok(html.includes("&lt;/td&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(!html.includes("<img"));
    assert.ok(html.includes("tag = &quot;&lt;x&gt;&quot;"));
  });

  it("loads nothing from outside: no src, href, url() or @import, and a CSP that forbids it", () => {
    const html = renderDashboard(seedData(), { refreshSeconds: 30 });
    assert.doesNotMatch(html, /\s(src|href)=/i);
    assert.doesNotMatch(html, /url\(|@import/i);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp, "a Content-Security-Policy");
    assert.match(csp, /^default-src 'none'; /);
    // Each inline script runs only because the CSP names its hash: both must agree.
    const own = scripts(html);
    assert.equal(own.length, 2, "the filter and the reload");
    for (const script of own) {
      const hash = createHash("sha256").update(script).digest("base64");
      assert.ok(csp.includes(`'sha256-${hash}'`), `the CSP allows ${script.slice(0, 30)}`);
    }
    assert.match(own[1], /location\.reload\(\); \}, 30000\)/);
  });

  it("is a real table: environments as column headers in chain order, apps as row headers", () => {
    const html = renderDashboard(seedData());
    const matrix = /<table class="matrix">[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
    assert.ok(matrix.includes("<caption>"));
    const columns = [...matrix.matchAll(/<th scope="col"[^>]*>([a-z]+|App)\b/g)].map((m) => m[1]);
    assert.deepEqual(columns, ["App", "dev", "stage", "prod"]);
    assert.deepEqual(
      [...matrix.matchAll(/<th scope="row">([^<]+)<\/th>/g)].map((m) => m[1]),
      ["dex"],
    );
    const timeline = /<table class="timeline"[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
    assert.equal([...timeline.matchAll(/<th scope="col">/g)].length, 8);
    assert.equal([...timeline.matchAll(/<tr class="kind-row-/g)].length, 6);
    // Labels for the filter's controls.
    assert.match(html, /<label for="filter-app">App<\/label>/);
    assert.match(html, /<label for="filter-env">Environment<\/label>/);
  });

  it("says in words what each colour says", () => {
    const data = seedData();
    data.cells[0].live = { known: true, application: "dex-dev", sync: "Synced", health: "Healthy" };
    const html = renderDashboard(data);
    assert.match(html, /<span class="state good">deployed: yes<\/span>/);
    assert.match(
      html,
      /<span class="state warn">behind stage \(<code>sha-5eed0a1b<\/code>\)<\/span>/,
    );
    assert.match(html, /<span class="state good">Argo CD: Synced, Healthy<\/span>/);
    assert.match(
      html,
      /<span class="state unknown"[^>]*>Argo CD: unknown<\/span> <span class="why">\(not read\)<\/span>/,
    );
    assert.match(html, /<span class="badge kind-rollback">⚠ rollback<\/span>/);
    assert.match(html, /<span class="badge kind-hotfix">⚠ hotfix<\/span>/);
  });

  it("shows each next promotion: up to date, ready with its command, blocked with its reasons", () => {
    /** The list item of the promotion into `to`. */
    const item = (html: string, to: string) => {
      const start = html.indexOf(`id="promo-${to === "stage" ? "dev" : "stage"}-${to}"`);
      assert.ok(start > 0, `an item for ${to}`);
      return html.slice(start, html.indexOf("</li>\n", start));
    };
    const html = renderDashboard(seedData());
    assert.match(
      item(html, "stage"),
      /= up to date<\/span><\/h3>\n<ul class="reasons"><li>stage already runs what dev runs \(dex sha-5eed0a1b\)<\/li><\/ul>/,
    );
    assert.match(item(html, "prod"), /✓ ready to promote<\/span><\/h3>/);
    assert.ok(
      item(html, "prod").includes(
        "Run <code>npm run promote -- promote --from stage --to prod</code>",
      ),
    );
    assert.ok(
      item(html, "prod").includes(
        "<li>dex: <code>sha-5eed0c3d</code> → <code>sha-5eed0a1b</code></li>",
      ),
    );

    const deployed = new Map(Object.entries(DEPLOYED));
    deployed.set("stage", { tags: { dex: "sha-0ld0ld00" }, records: {} });
    const blocked = item(renderDashboard(seedData({ deployed })), "prod");
    assert.match(blocked, /✕ blocked/);
    assert.ok(
      blocked.includes(
        "<li>stage&#39;s stack file pins sha-5eed0a1b but stage last deployed sha-0ld0ld00: run &#39;npm run stack -- up stage&#39; first</li>",
      ),
      blocked,
    );
    assert.doesNotMatch(blocked, /Run <code>/);
  });

  it("shows a pinned digest shortened, with the whole digest in its title and for screen readers", () => {
    const data = seedData({
      loaded: loadProject(MULTI_APP.dir),
      deployed: new Map<string, DeployedState>(),
    });
    const html = renderDashboard(data);
    const digest = MULTI_APP.devTags.migrations.slice(1);
    assert.ok(
      html.includes(
        `digest <code title="${digest}"><span aria-hidden="true">${digest.slice(0, 19)}…</span><span class="sr-only">${digest}</span></code>`,
      ),
    );
    assert.match(html, /<td class="absent">not in stage<\/td>/);
  });

  it("says when deployed state could not be read", () => {
    const html = renderDashboard(
      seedData({
        deployed: new Map(),
        unavailable: "deployed state unavailable (reading dev): <no backend>",
      }),
    );
    assert.match(
      html,
      /<p class="alert" role="status">deployed state unavailable \(reading dev\): &lt;no backend&gt;\./,
    );
    assert.match(html, /No promotion record: deployed state could not be read\./);
    // Ready by the plan, but the gate could not be asked: the verdict says so.
    assert.match(
      html,
      /✓ ready to promote<\/span> <span class="badge unknown">gate not checked<\/span><\/h3>/,
    );
  });
});
