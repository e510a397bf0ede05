/**
 * The dashboard in a real browser: Debian's headless Chromium (installed when missing by
 * scripts/browser.sh, which prints its path) driven by playwright-core, which never downloads a
 * browser. The page of the dashboard fixture (tests/support/dashboardProject.ts), as written by
 * --out and as served by --serve: no console error, no request outside the page, the fixture's
 * tags and records, the history filter, a blocked promotion's reason, readable on a phone.
 *
 * DASHBOARD_SCREENSHOT=docs/dashboard.png also saves the screenshot there (docs/dashboard.md).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { chromium, type Browser, type Page } from "playwright-core";
import { PROJECT_DIR } from "../../harness/program";
import { SEED } from "../fixtures";
import {
  dashboardProject,
  HTML_REASON,
  live,
  NEW_BUILD,
  RECORD_COUNT,
  records,
} from "../support/dashboardProject";
import type { TempProject } from "../support/gitRepo";

/** Opens `url`, recording console errors, page errors and every request the page makes. */
async function open(browser: Browser, url: string, width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(url);
  return { page, problems, requests };
}

const visibleRows = (page: Page) => page.locator("#timeline tbody tr[data-app]:visible");

describe("dashboard: in headless Chromium", function () {
  this.timeout(60_000);
  let browser: Browser;
  let project: TempProject;
  let dir: string;
  let fileUrl: string;

  before(async function () {
    // A fresh machine installs Chromium here (about 30-60 s); afterwards it is found at once.
    this.timeout(600_000);
    const executablePath = execFileSync(path.join(PROJECT_DIR, "scripts", "browser.sh"), {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    // Playwright would close the browser on the SIGTERM that stops --serve below: the test owns it.
    browser = await chromium.launch({
      executablePath,
      handleSIGTERM: false,
      handleSIGINT: false,
      handleSIGHUP: false,
    });
    project = dashboardProject();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-page-"));
    const result = await project.cliAsync(["dashboard", "--out", dir], { records, live });
    assert.equal(result.code, 0, result.stderr);
    fileUrl = `file://${path.join(dir, "index.html")}`;
  });

  after(async () => {
    await browser?.close();
    project?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads without a console error and asks for nothing outside the page", async () => {
    const { page, problems, requests } = await open(browser, fileUrl);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [fileUrl]);
    // The inline filter script ran (the CSP allowed it): it filled in the count.
    assert.equal(
      await page.locator("#filter-count").textContent(),
      `${RECORD_COUNT} of ${RECORD_COUNT} records`,
    );
    await page.close();
  });

  it("shows the fixture's environments, tags and records", async () => {
    const { page } = await open(browser, fileUrl);
    const headers = await page.locator("table.matrix thead th").allTextContents();
    assert.deepEqual(
      headers.map((h) => h.split(" ")[0]),
      ["App", "dev", "stage", "prod"],
    );
    const cells = await page.locator("table.matrix tbody td").allTextContents();
    assert.match(cells[0], new RegExp(`pinned ${NEW_BUILD}deployed: yes`));
    assert.match(
      cells[1],
      new RegExp(`pinned ${SEED.tags.stage}deployed: yesbehind dev \\(${NEW_BUILD}\\)`),
    );
    assert.match(cells[2], /last record: ⚠ rollback sha-5eed0c3d by carol 2026-01-26 09:45 UTC/);
    assert.match(cells[2], /Argo CD: unknown/);
    assert.equal(await visibleRows(page).count(), RECORD_COUNT);
    // People's text is shown as they wrote it, markup and all, and never run.
    assert.equal(
      await page.locator("#timeline tr.kind-row-rollback td[data-label=Reason]").textContent(),
      HTML_REASON,
    );
    await page.close();
  });

  it("shows a blocked promotion with the gate's reason, and a ready one with its command", async () => {
    const { page } = await open(browser, fileUrl);
    const blocked = await page.locator("#promo-stage-prod").textContent();
    assert.match(blocked ?? "", /stage → prod: ✕ blocked/);
    assert.match(
      blocked ?? "",
      /refused: prod cannot take sha-5eed0a1b yet: stage's Application dex-stage is Synced and Degraded; accepted: the same tag once stage is Synced and Healthy on it/,
    );
    const ready = await page.locator("#promo-dev-stage").textContent();
    assert.match(ready ?? "", /dev → stage: ✓ ready to promote/);
    assert.match(ready ?? "", /Run npm run promote -- promote --from dev --to stage/);
    await page.close();
  });

  it("filters the history by app and environment, and keeps the filter in the URL", async () => {
    const { page, problems } = await open(browser, fileUrl);
    await page.selectOption("#filter-env", "prod");
    assert.equal(await visibleRows(page).count(), 2);
    assert.deepEqual(
      await visibleRows(page).locator("td[data-label=Environment]").allTextContents(),
      ["prod", "prod"],
    );
    assert.equal(await page.locator("#filter-count").textContent(), `2 of ${RECORD_COUNT} records`);
    await page.selectOption("#filter-app", "dex");
    await page.selectOption("#filter-env", "stage");
    assert.deepEqual(await visibleRows(page).locator("td[data-label=Kind]").allTextContents(), [
      "promotion",
      "⚠ hotfix",
    ]);
    assert.match(page.url(), /#app=dex&env=stage$/);
    // A reload (as --serve does every 30 s) keeps the selection.
    await page.reload();
    assert.equal(await page.locator("#filter-env").inputValue(), "stage");
    assert.equal(await visibleRows(page).count(), 2);
    await page.selectOption("#filter-env", "");
    await page.selectOption("#filter-app", "");
    assert.equal(await visibleRows(page).count(), RECORD_COUNT);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("can be used from the keyboard: Tab reaches the filter, arrow keys change it", async () => {
    const { page } = await open(browser, fileUrl);
    const focused: string[] = [];
    for (let i = 0; i < 6 && focused[focused.length - 1] !== "filter-env"; i++) {
      await page.keyboard.press("Tab");
      focused.push(
        await page.evaluate<string>(
          "document.activeElement.id || document.activeElement.className",
        ),
      );
    }
    // The matrix's scroll region, the two filters (the history's region follows).
    assert.deepEqual(focused, ["scroll", "filter-app", "filter-env"]);
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.locator("#filter-env").inputValue(), "dev");
    assert.equal(await visibleRows(page).count(), 2);
    // Each scrollable table region takes focus, so it can be scrolled without a mouse.
    assert.equal(await page.locator("div.scroll[tabindex='0'][role=region]").count(), 2);
    await page.close();
  });

  it("fits a phone's width: only the table regions scroll sideways", async () => {
    const { page } = await open(browser, fileUrl, 390);
    // A string, run in the page: the project's TypeScript has no DOM types.
    const width = await page.evaluate<number>("document.documentElement.scrollWidth");
    assert.ok(width <= 390, `the page is ${width}px wide`);
    const shot = path.join(dir, "phone.png");
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000);
    await page.close();
  });

  it("is served by --serve the same way, without console errors", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const running = project.cliAsync(["dashboard", "--serve", String(port)], { records, live });
    try {
      const url = `http://127.0.0.1:${port}/`;
      let opened: Awaited<ReturnType<typeof open>> | undefined;
      for (let i = 0; i < 50 && !opened; i++) {
        try {
          opened = await open(browser, url);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.ok(opened, `${url} answered`);
      assert.deepEqual(opened.problems, []);
      assert.deepEqual(opened.requests, [url]);
      assert.match(
        (await opened.page.locator("#promo-stage-prod").textContent()) ?? "",
        /✕ blocked/,
      );
      await opened.page.close();
    } finally {
      process.emit("SIGTERM");
    }
    assert.equal((await running).code, 0);
  });

  it("looks right on a laptop (screenshot)", async () => {
    const { page } = await open(browser, fileUrl);
    const shot = process.env.DASHBOARD_SCREENSHOT
      ? path.resolve(PROJECT_DIR, process.env.DASHBOARD_SCREENSHOT)
      : path.join(dir, "laptop.png");
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000);
    await page.close();
  });
});
