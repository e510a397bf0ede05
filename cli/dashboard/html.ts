/**
 * The dashboard as one self-contained HTML page, as a pure function of its data: no external
 * asset, font or request (a Content-Security-Policy forbids them), so it works air-gapped, as a CI
 * artifact or on GitHub Pages. Every value is escaped: tags, reasons and names come from stack
 * files and records, which people write. Colour always comes with text; the matrix is a real
 * table with header cells; the history filter is a small inline script (the page is whole
 * without it: every record shows).
 */
import { createHash } from "crypto";
import type { PromotionRecord } from "../deployed";
import type {
  DashboardCell,
  DashboardData,
  DashboardEnvironment,
  NextPromotion,
  TimelineEntry,
} from "./model";

export interface RenderOptions {
  /** Reload the page every this many seconds (`--serve`); the filter is kept in the URL. */
  refreshSeconds?: number;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const code = (text: string) => `<code>${escapeHtml(text)}</code>`;

/** "2026-01-28 10:30 UTC" in a <time> carrying the record's own timestamp. */
function when(at: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(at);
  const shown = match ? `${match[1]} ${match[2]} UTC` : at;
  return `<time datetime="${escapeHtml(at)}">${escapeHtml(shown)}</time>`;
}

/** A tag, or a digest shortened with the whole of it in its title (and for screen readers). */
function pinned(tag: string, digest: string | null): string {
  if (digest === null) return code(tag);
  const short = digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
  return `digest <code title="${escapeHtml(digest)}"><span aria-hidden="true">${escapeHtml(short)}</span><span class="sr-only">${escapeHtml(digest)}</span></code>`;
}

const KIND_LABEL: Record<PromotionRecord["kind"], string> = {
  initial: "initial",
  promotion: "promotion",
  rollback: "⚠ rollback",
  hotfix: "⚠ hotfix",
  pin: "digest pinned",
};

function kindBadge(kind: PromotionRecord["kind"]): string {
  return `<span class="badge kind-${kind}">${escapeHtml(KIND_LABEL[kind])}</span>`;
}

function recordText(record: PromotionRecord, environment: string): string {
  const parts = [kindBadge(record.kind), code(record.tag)];
  if (record.from && record.from !== environment) parts.push(`from ${escapeHtml(record.from)}`);
  if (record.by) parts.push(`by ${escapeHtml(record.by)}`);
  parts.push(when(record.at));
  const reason = record.reason ? `<q class="reason">${escapeHtml(record.reason)}</q>` : "";
  return `${parts.join(" ")}${reason}`;
}

function deployedLine(cell: DashboardCell): string {
  if (cell.deployed === null) return `<span class="state unknown">deployed: unknown</span>`;
  if (cell.deployed) return `<span class="state good">deployed: yes</span>`;
  const what = cell.deployedTag === null ? "not deployed" : `runs ${code(cell.deployedTag)}`;
  return `<span class="state warn">deployed: no, ${what}</span>`;
}

function behindLine(cell: DashboardCell): string {
  if (cell.upstream === null) return "";
  if (cell.behind === null) {
    return `<span class="state unknown">${escapeHtml(cell.upstream)} does not run it</span>`;
  }
  if (!cell.behind) {
    return `<span class="state good">same as ${escapeHtml(cell.upstream)}</span>`;
  }
  return `<span class="state warn">behind ${escapeHtml(cell.upstream)} (${code(cell.upstreamTag ?? "")})</span>`;
}

function liveLine(cell: DashboardCell): string {
  if (!cell.live.known) {
    return `<span class="state unknown" title="${escapeHtml(cell.live.why)}">Argo CD: unknown</span> <span class="why">(${escapeHtml(cell.live.why)})</span>`;
  }
  const ok = cell.live.sync === "Synced" && cell.live.health === "Healthy";
  return `<span class="state ${ok ? "good" : "bad"}">Argo CD: ${escapeHtml(cell.live.sync)}, ${escapeHtml(cell.live.health)}</span>`;
}

function cellHtml(cell: DashboardCell | undefined, env: DashboardEnvironment): string {
  if (env.error !== null) return `<td class="broken">stack file cannot be read</td>`;
  if (!cell) return `<td class="absent">not in ${escapeHtml(env.name)}</td>`;
  const lines = [
    `<div class="tag">pinned ${pinned(cell.tag, cell.digest)}</div>`,
    `<div>${deployedLine(cell)}</div>`,
    behindLine(cell) ? `<div>${behindLine(cell)}</div>` : "",
    cell.bypass
      ? `<div>${kindBadge(cell.bypass.kind)} in force <q class="reason">${escapeHtml(cell.bypass.reason)}</q></div>`
      : "",
    `<div class="last">last record: ${cell.lastRecord ? recordText(cell.lastRecord, cell.environment) : "none"}</div>`,
    `<div>${liveLine(cell)}</div>`,
  ];
  const special = cell.bypass ? ` exception-${cell.bypass.kind}` : "";
  return `<td class="cell${special}">${lines.filter(Boolean).join("")}</td>`;
}

function matrix(data: DashboardData): string {
  const head = data.environments
    .map((env) => {
      const from = env.upstream
        ? `<span class="from">takes from ${escapeHtml(env.upstream)}</span>`
        : `<span class="from">first: takes builds from CI</span>`;
      const error = env.error
        ? `<span class="error" role="note">${escapeHtml(env.error)}</span>`
        : "";
      return `<th scope="col" id="env-${escapeHtml(env.name)}">${escapeHtml(env.name)} ${from}${error}</th>`;
    })
    .join("");
  const rows = data.apps
    .map((app) => {
      const cells = data.environments
        .map((env) =>
          cellHtml(
            data.cells.find((c) => c.environment === env.name && c.app === app),
            env,
          ),
        )
        .join("");
      return `<tr><th scope="row">${escapeHtml(app)}</th>${cells}</tr>`;
    })
    .join("\n");
  return `<section aria-labelledby="h-envs">
<h2 id="h-envs">What runs where</h2>
<div class="scroll" role="region" aria-labelledby="h-envs" tabindex="0">
<table class="matrix">
<caption>Environments in chain order (columns) and apps (rows): the tag each stack file pins, what its last up deployed, its upstream, the last promotion record and Argo CD's live state.</caption>
<thead><tr><th scope="col">App</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
</section>`;
}

const STATE_LABEL: Record<NextPromotion["state"], string> = {
  ready: "✓ ready to promote",
  blocked: "✕ blocked",
  confirm: "! needs --confirm",
  "up-to-date": "= up to date",
};

function promotionHtml(p: NextPromotion): string {
  const changes = p.changes.length
    ? `<ul class="changes">${p.changes.map((c) => `<li>${escapeHtml(c.app)}: ${code(c.current)} → ${code(c.tag)}</li>`).join("")}</ul>`
    : "";
  const reasons = p.reasons.length
    ? `<ul class="reasons">${p.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ul>`
    : "";
  const notes = p.notes.length
    ? `<ul class="notes">${p.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`
    : "";
  const command =
    p.state === "ready" || p.state === "confirm" ? `<p>Run ${code(p.command)}</p>` : "";
  const id = `promo-${escapeHtml(p.from)}-${escapeHtml(p.to)}`;
  // Ready by the plan, but the gate could not be asked: said next to the verdict, not only below.
  const unchecked =
    (p.state === "ready" || p.state === "confirm") && !p.gateChecked
      ? ` <span class="badge unknown">gate not checked</span>`
      : "";
  return `<li class="promotion state-${p.state}" id="${id}" aria-labelledby="${id}-h">
<h3 id="${id}-h">${escapeHtml(p.from)} → ${escapeHtml(p.to)}: <span class="badge promo-${p.state}">${STATE_LABEL[p.state]}</span>${unchecked}</h3>
${changes}${reasons}${notes}${command}
</li>`;
}

function promotions(data: DashboardData): string {
  const items = data.promotions.length
    ? data.promotions.map(promotionHtml).join("\n")
    : "<li>One environment: there is nothing to promote between environments.</li>";
  return `<section aria-labelledby="h-next">
<h2 id="h-next">Next promotions</h2>
<ol class="promotions">
${items}
</ol>
</section>`;
}

function options(values: string[], label: string): string {
  return [
    `<option value="">${escapeHtml(label)}</option>`,
    ...values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`),
  ].join("");
}

function timelineRow(entry: TimelineEntry): string {
  const special = entry.kind === "rollback" || entry.kind === "hotfix" ? " special" : "";
  return `<tr class="kind-row-${entry.kind}${special}" data-app="${escapeHtml(entry.app)}" data-env="${escapeHtml(entry.environment)}">
<td data-label="When">${when(entry.at)}</td>
<td data-label="Environment">${escapeHtml(entry.environment)}</td>
<td data-label="App">${escapeHtml(entry.app)}</td>
<td data-label="Kind">${kindBadge(entry.kind)}</td>
<td data-label="Tag">${code(entry.tag)}</td>
<td data-label="From">${escapeHtml(entry.from)}</td>
<td data-label="By">${escapeHtml(entry.by || "-")}</td>
<td data-label="Reason">${entry.reason ? escapeHtml(entry.reason) : "-"}</td>
</tr>`;
}

function historySection(data: DashboardData): string {
  const total = data.timeline.length;
  const body = total
    ? data.timeline.map(timelineRow).join("\n")
    : `<tr><td colspan="8">No promotion record${data.recordsUnavailable ? ": deployed state could not be read" : " yet"}.</td></tr>`;
  return `<section aria-labelledby="h-history">
<h2 id="h-history">History</h2>
<form class="filter" id="filter" aria-label="Filter the history">
<label for="filter-app">App</label> <select id="filter-app" name="app">${options(data.apps, "all apps")}</select>
<label for="filter-env">Environment</label> <select id="filter-env" name="env">${options(data.chain, "all environments")}</select>
<output id="filter-count" for="filter-app filter-env" aria-live="polite">${total} of ${total} records</output>
</form>
<div class="scroll" role="region" aria-labelledby="h-history" tabindex="0">
<table class="timeline" id="timeline">
<caption>Every promotion record, newest first: rollbacks and hotfixes are marked ⚠.</caption>
<thead><tr><th scope="col">When</th><th scope="col">Environment</th><th scope="col">App</th><th scope="col">Kind</th><th scope="col">Tag</th><th scope="col">From</th><th scope="col">By</th><th scope="col">Reason</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</div>
</section>`;
}

/** The history filter: selections kept in the URL's hash, so a reload (--serve) keeps them. */
const FILTER_SCRIPT = `(function () {
  var app = document.getElementById("filter-app");
  var env = document.getElementById("filter-env");
  var count = document.getElementById("filter-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#timeline tbody tr[data-app]"));
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var show = (!app.value || row.getAttribute("data-app") === app.value) &&
        (!env.value || row.getAttribute("data-env") === env.value);
      row.hidden = !show;
      if (show) shown++;
    });
    count.textContent = shown + " of " + rows.length + " records";
    var hash = new URLSearchParams();
    if (app.value) hash.set("app", app.value);
    if (env.value) hash.set("env", env.value);
    var text = hash.toString();
    history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
  }
  function select(element, value) {
    for (var i = 0; i < element.options.length; i++) {
      if (element.options[i].value === value) element.value = value;
    }
  }
  var initial = new URLSearchParams(location.hash.slice(1));
  select(app, initial.get("app") || "");
  select(env, initial.get("env") || "");
  app.addEventListener("change", apply);
  env.addEventListener("change", apply);
  document.getElementById("filter").addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();`;

function refreshScript(seconds: number): string {
  return `setTimeout(function () { location.reload(); }, ${Math.round(seconds * 1000)});`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --alt: #f6f8fa;
  --good: #116329; --good-bg: #dafbe1; --warn: #7d4e00; --warn-bg: #fff8c5; --bad: #a40e26; --bad-bg: #ffebe9;
  --info: #0a3069; --info-bg: #ddf4ff; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
code { font: .9em ui-monospace, "DejaVu Sans Mono", monospace; background: var(--alt); padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
time, .timeline code { white-space: nowrap; }
.meta { color: var(--muted); margin: 0; }
.alert { border: 1px solid var(--warn); background: var(--warn-bg); padding: .5rem .75rem; border-radius: 6px; }
.scroll { overflow-x: auto; }
.scroll:focus { outline: 2px solid var(--info); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .4rem .5rem; vertical-align: top; text-align: left; }
thead th { background: var(--alt); }
.matrix td { min-width: 14rem; }
.matrix th[scope=row] { background: var(--alt); }
.from, .error { display: block; font-weight: normal; color: var(--muted); font-size: .85em; }
.error { color: var(--bad); white-space: pre-wrap; }
.cell > div { margin: .1rem 0; }
.exception-rollback, .exception-hotfix { box-shadow: inset 4px 0 0 var(--bad); }
.broken { color: var(--bad); }
.absent { color: var(--muted); font-style: italic; }
.why { color: var(--muted); font-size: .85em; }
.state, .badge { display: inline-block; padding: 0 .35em; border-radius: 4px; font-size: .9em; }
.good { color: var(--good); background: var(--good-bg); }
.warn { color: var(--warn); background: var(--warn-bg); }
.bad { color: var(--bad); background: var(--bad-bg); }
.unknown { color: var(--muted); background: var(--alt); }
.kind-initial, .kind-promotion { color: var(--info); background: var(--info-bg); }
.kind-rollback, .kind-hotfix { color: var(--bad); background: var(--bad-bg); font-weight: 600; }
q.reason { display: block; font-style: italic; }
.promotions { list-style: none; padding: 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
.promotion { border: 1px solid var(--line); border-left-width: 5px; border-radius: 6px; padding: .5rem .75rem; }
.promotion ul { margin: .25rem 0; padding-left: 1.2rem; }
.state-ready { border-left-color: var(--good); }
.state-blocked { border-left-color: var(--bad); }
.state-confirm { border-left-color: var(--warn); }
.promo-ready { color: var(--good); background: var(--good-bg); }
.promo-blocked { color: var(--bad); background: var(--bad-bg); }
.promo-confirm { color: var(--warn); background: var(--warn-bg); }
.promo-up-to-date { color: var(--muted); background: var(--alt); }
.reasons li { color: var(--bad); }
.notes li { color: var(--muted); }
.filter { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: .5rem; }
select { font: inherit; padding: .2rem; }
select:focus { outline: 2px solid var(--info); }
.timeline tr.special td { background: var(--bad-bg); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) {
  body { padding: .5rem; font-size: 14px; }
  .timeline thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .timeline, .timeline caption, .timeline tbody, .timeline tr, .timeline td { display: block; width: 100%; }
  .matrix td { min-width: 11rem; }
  .timeline tr { border: 1px solid var(--line); margin-bottom: .5rem; }
  .timeline td { border: 0; padding: .15rem .5rem; }
  .timeline td::before { content: attr(data-label) ": "; font-weight: 600; }
  .timeline tr[hidden] { display: none; }
}
`;

/** The whole page. */
export function renderDashboard(data: DashboardData, options: RenderOptions = {}): string {
  const scripts = [FILTER_SCRIPT];
  if (options.refreshSeconds) scripts.push(refreshScript(options.refreshSeconds));
  const hashes = scripts
    .map((s) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`)
    .join(" ");
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src ${hashes}; img-src data:`;
  const refresh = options.refreshSeconds ? ` Reloads every ${options.refreshSeconds} s.` : "";
  const unavailable = data.recordsUnavailable
    ? `<p class="alert" role="status">${escapeHtml(data.recordsUnavailable)}. What each environment deployed, its records and the promotion gate are shown as unknown.</p>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>Promotions: ${escapeHtml(data.chain.join(" → "))}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Promotions</h1>
<p class="meta">Chain: ${data.chain.map(escapeHtml).join(" → ")}. Read ${when(data.generatedAt)}.${refresh}</p>
${unavailable}
</header>
<main>
${matrix(data)}
${promotions(data)}
${historySection(data)}
</main>
${scripts.map((s) => `<script>${s}</script>`).join("\n")}
</body>
</html>
`;
}
