/**
 * scripts/auto-promote.ts, the scheduled automatic promotion: which environments it promotes (only
 * an explicit `autoPromote: true`, behind its upstream) and what it does with each answer of the
 * promote command, against a stand-in runner that records the commands.
 */
import { strict as assert } from "assert";
import {
  autoPromote,
  promoteOne,
  pullRequestUrl,
  selectTargets,
  type Ran,
  type Run,
} from "../../scripts/auto-promote";

type Row = Parameters<typeof selectTargets>[0]["rows"][number];

function row(environment: string, upstream: string | null, extra: Partial<Row> = {}): Row {
  return {
    environment,
    app: "dex",
    upstream,
    behind: upstream ? true : null,
    error: null,
    ...extra,
  };
}

const CHAIN = ["dev", "stage", "prod"];

/** A runner answering each command from `answers` (matched on the joined arguments). */
function fakeRun(answers: Array<[RegExp, Partial<Ran>]>): { run: Run; calls: string[] } {
  const calls: string[] = [];
  const run: Run = (command, args) => {
    const line = [command, ...args].join(" ");
    calls.push(line);
    const answer = answers.find(([pattern]) => pattern.test(line))?.[1] ?? {};
    return { status: 0, stdout: "", stderr: "", ...answer };
  };
  return { run, calls };
}

const OPENED = { stdout: "Opened the pull request: https://github.com/o/r/pull/7\n" };

describe("auto-promote: which environments", () => {
  it("promotes only environments marked with exactly autoPromote: true, from their upstream", () => {
    const { targets, marked } = selectTargets({
      chain: CHAIN,
      rows: [
        row("dev", null, { autoPromote: true }),
        row("stage", "dev", { autoPromote: true }),
        row("prod", "stage", { autoPromote: "true" }),
      ],
    });
    assert.deepEqual(targets, [{ from: "dev", to: "stage" }]);
    assert.deepEqual(marked, ["dev", "stage"]);
  });

  it("never promotes prod (or anything) when the key is absent: the default is off", () => {
    const { targets, marked } = selectTargets({
      chain: CHAIN,
      rows: [row("dev", null), row("stage", "dev"), row("prod", "stage", { autoPromote: null })],
    });
    assert.deepEqual(targets, []);
    assert.deepEqual(marked, []);
  });

  it("promotes prod when its own file says so, and says why others are skipped", () => {
    const { targets, skipped } = selectTargets({
      chain: CHAIN,
      rows: [
        row("dev", null, { autoPromote: true }),
        row("stage", "dev", { autoPromote: true, behind: false }),
        row("prod", "stage", { autoPromote: true }),
      ],
    });
    assert.deepEqual(targets, [{ from: "stage", to: "prod" }]);
    assert.deepEqual(skipped, [
      "dev: first in the chain, it has no upstream",
      "stage: already runs what dev pins",
    ]);
  });

  it("skips a marked environment whose stack file cannot be read", () => {
    const { targets, skipped } = selectTargets({
      chain: CHAIN,
      rows: [row("stage", "dev", { autoPromote: true, error: "Pulumi.stage.yaml line 3" })],
    });
    assert.deepEqual(targets, []);
    assert.match(skipped[0], /^stage: its stack file cannot be read \(Pulumi.stage.yaml line 3\)/);
  });
});

describe("auto-promote: one environment", () => {
  const target = { from: "dev", to: "stage" };

  it("dry run, then the real promotion, then auto-merge of the pull request it opened", () => {
    const { run, calls } = fakeRun([[/promote --from dev --to stage$/, OPENED]]);
    const outcome = promoteOne(run, target, "squash");
    assert.deepEqual(calls, [
      "npm run --silent promote -- promote --from dev --to stage --dry-run",
      "npm run --silent promote -- promote --from dev --to stage",
      "gh pr merge --auto --squash https://github.com/o/r/pull/7",
    ]);
    assert.equal(outcome.failed, false);
    assert.match(outcome.summary, /Opened https:\/\/github.com\/o\/r\/pull\/7 with auto-merge/);
  });

  it("stops at a refused dry run and writes why into the summary, without failing", () => {
    const refusal = "Refused: dev's stack file pins sha-1 but dev last deployed sha-0";
    const { run, calls } = fakeRun([[/--dry-run/, { status: 1, stderr: refusal }]]);
    const outcome = promoteOne(run, target, "merge");
    assert.equal(calls.length, 1);
    assert.equal(outcome.failed, false);
    assert.match(outcome.summary, /Not promoted: refused by the dry run/);
    assert.ok(outcome.summary.includes(refusal));
  });

  it("does nothing more when the dry run says there is nothing to do", () => {
    const { run, calls } = fakeRun([
      [/--dry-run/, { stdout: "Nothing to do: stage runs dex sha-1" }],
    ]);
    const outcome = promoteOne(run, target, "merge");
    assert.equal(calls.length, 1);
    assert.match(outcome.summary, /Nothing to do/);
  });

  it("fails on a failed (not refused) promotion, and when no pull request was opened", () => {
    const failed = fakeRun([[/stage$/, { status: 1, stderr: "Failed at step 5 of 7 (push)" }]]);
    assert.equal(promoteOne(failed.run, target, "merge").failed, true);
    const printed = fakeRun([[/stage$/, { stdout: "Open the pull request yourself" }]]);
    const outcome = promoteOne(printed.run, target, "merge");
    assert.equal(outcome.failed, true);
    assert.equal(printed.calls.length, 2, "no gh pr merge without a pull request");
  });

  it("fails when auto-merge cannot be enabled", () => {
    const { run } = fakeRun([
      [/promote --from dev --to stage$/, OPENED],
      [/^gh /, { status: 1, stderr: "auto-merge is not allowed for this repository" }],
    ]);
    const outcome = promoteOne(run, target, "merge");
    assert.equal(outcome.failed, true);
    assert.match(outcome.summary, /auto-merge is not allowed/);
  });

  it("reads the pull request's address from the promote command's output", () => {
    assert.equal(pullRequestUrl("x\nOpened the pull request: https://h/p/1\n"), "https://h/p/1");
    assert.equal(pullRequestUrl("Open the pull request yourself"), undefined);
  });
});

describe("auto-promote: the run", () => {
  it("says that nothing is marked when status --json carries no autoPromote key", () => {
    const status = { chain: CHAIN, rows: [row("dev", null), row("stage", "dev")] };
    const { run, calls } = fakeRun([[/status --json/, { stdout: JSON.stringify(status) }]]);
    let summary = "";
    assert.equal(
      autoPromote(run, (md) => (summary += md), "merge"),
      0,
    );
    assert.equal(calls.length, 1);
    assert.match(summary, /No environment is marked.*promotion:autoPromote: true/);
  });

  it("exits 1 when status --json prints no JSON", () => {
    const { run } = fakeRun([[/status --json/, { status: 1, stderr: "no Pulumi.yaml" }]]);
    let summary = "";
    assert.equal(
      autoPromote(run, (md) => (summary += md), "merge"),
      1,
    );
    assert.match(summary, /no Pulumi.yaml/);
  });
});
