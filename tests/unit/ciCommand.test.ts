/**
 * `npm run ci` in-process (ci/main.ts) against temporary git repositories holding a copy of a frozen
 * fixture project, with the engine answering from what the real engine printed
 * (tests/support/ciRun.ts): the affected set from real git diffs, chain order, exit codes, and the
 * comment, checks and summary files.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COMMENT_MARKER } from "../../rules/ci/comment";
import { CANARY, PREVIEW_JSON, SEED } from "../fixtures";
import { tempProject, type TempProject } from "../support/gitRepo";
import { FakeEngine, runCi } from "../support/ciRun";
import { capturedPreview, capturedRefusedUp } from "../support/previewJson";

describe("ci: the command on a temporary repository", function () {
  let project: TempProject;
  let out: string;

  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "ci-out-"));
  });
  afterEach(() => {
    project?.cleanup();
    fs.rmSync(out, { recursive: true, force: true });
  });

  /** A branch `feature` off main with the given commits. */
  function feature(fixture = "seed"): TempProject {
    project = tempProject({ origin: false, fixture });
    project.git("checkout", "--quiet", "-b", "feature");
    return project;
  }

  function commitFile(file: string, text: string, message = `change ${file}`): void {
    fs.mkdirSync(path.dirname(path.join(project.dir, file)), { recursive: true });
    project.write(file, text);
    project.git("add", file);
    project.git("commit", "--quiet", "-m", message);
  }

  const affectedJson = async (base = "main") => {
    const result = await runCi(project, ["affected", "--base", base, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as {
      stacks: string[];
      all: boolean;
      reason: Record<string, unknown>;
    };
  };

  describe("affected", () => {
    it("a promotion commit affects the stack whose file it changes", async () => {
      feature().commitTag("stage", "dex", PREVIEW_JSON.newBuild, "chore: promote to stage");
      const affected = await affectedJson();
      assert.deepEqual(affected.stacks, ["stage"]);
      assert.equal(affected.all, false);
      assert.deepEqual(affected.reason.stackFiles, ["Pulumi.stage.yaml"]);
      assert.equal(affected.reason.base, "main");
      assert.equal(affected.reason.mergeBase, project.git("rev-parse", "main").trim());
      assert.equal(affected.reason.head, project.git("rev-parse", "HEAD").trim());
    });

    it("a governance edit in another stack's file affects the managing stack too (issue #20)", async () => {
      feature();
      const file = "Pulumi.stage.yaml";
      const text = project.read(file);
      assert.match(text, /requiredApprovals: 1/);
      commitFile(file, text.replace(/requiredApprovals: 1/, "requiredApprovals: 2"));
      const affected = await affectedJson();
      assert.deepEqual(affected.stacks, ["stage", "prod"]);
      assert.deepEqual(affected.reason.governance, ["prod"]);
    });

    it("lists stacks in chain order, not by name (canary between stage and prod)", async () => {
      feature("canary");
      project.commitTag("prod", "dex", "sha-1111111");
      project.commitTag("dev", "dex", "sha-2222222");
      project.commitTag("canary", "dex", "sha-3333333");
      assert.deepEqual((await affectedJson()).stacks, ["dev", "canary", "prod"]);
    });

    it("program code affects every stack, in chain order", async () => {
      feature("canary");
      commitFile("rules/extra.ts", "export const x = 1;\n");
      const affected = await affectedJson();
      assert.deepEqual(affected.stacks, CANARY.environments);
      assert.equal(affected.all, true);
      assert.deepEqual(affected.reason.program, ["rules/extra.ts"]);
    });

    it("docs only: no stack, and a human-readable answer without --json", async () => {
      feature();
      commitFile("docs/notes.md", "# notes\n");
      assert.deepEqual((await affectedJson()).stacks, []);
      const text = await runCi(project, ["affected", "--base", "main"]);
      assert.equal(text.code, 0);
      assert.match(
        text.stdout,
        /^Affected stacks, in chain order: none\nWhy: no stack: only files/,
      );
    });

    it("compares with the merge base: a change on the base branch since is not this branch's", async () => {
      feature();
      project.git("checkout", "--quiet", "main");
      project.commitTag("prod", "dex", "sha-4444444");
      project.git("checkout", "--quiet", "feature");
      project.commitTag("stage", "dex", "sha-5555555");
      assert.deepEqual((await affectedJson()).stacks, ["stage"]);
    });

    it("names uncommitted stack files the engine would read but the diff leaves out", async () => {
      feature();
      project.write("Pulumi.dev.yaml", `${project.read("Pulumi.dev.yaml")}# edited\n`);
      const result = await runCi(project, ["affected", "--base", "main"]);
      assert.match(
        result.stderr,
        /note: uncommitted changes are not part of main\.\.\.HEAD.*Pulumi\.dev\.yaml/,
      );
    });
  });

  describe("preview", () => {
    it("previews the promoted stack, writes the comment, the checks and the job summary", async () => {
      feature().commitTag("stage", "dex", PREVIEW_JSON.newBuild, "chore: promote to stage");
      const engine = new FakeEngine({ preview: { stage: capturedPreview("promotion.json") } });
      const summary = path.join(out, "summary.md");
      fs.writeFileSync(summary, "earlier step\n");
      const result = await runCi(
        project,
        [
          "preview",
          "--base",
          "main",
          "--comment-file",
          path.join(out, "comment.md"),
          "--checks-file",
          path.join(out, "checks.jsonl"),
        ],
        engine,
        { GITHUB_STEP_SUMMARY: summary },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(engine.calls, [{ op: "preview", stack: "stage" }]);
      const comment = fs.readFileSync(path.join(out, "comment.md"), "utf8");
      assert.equal(comment.split("\n")[0], COMMENT_MARKER);
      assert.ok(
        comment.includes(`dex: ${SEED.tags.stage} → ${PREVIEW_JSON.newBuild}, promotion from dev`),
      );
      assert.equal(
        fs.readFileSync(summary, "utf8"),
        `earlier step\n${comment}`,
        "appended to $GITHUB_STEP_SUMMARY",
      );
      const checks = fs
        .readFileSync(path.join(out, "checks.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        checks.map((c) => [c.stack, c.conclusion]),
        [["stage", "success"]],
      );
      assert.equal(result.stdout, "", "everything went to the files");
      assert.match(
        result.stderr,
        /ci preview: stage \(1 of 1\): PULUMI_DEBUG_COMMANDS=true scripts\/stack\.sh preview stage --json --event-log/,
      );
    });

    it("previews every stack in chain order, and exits 1 after writing everything when one is refused", async () => {
      feature();
      commitFile("index.ts", "// changed\n");
      const engine = new FakeEngine({
        preview: { stage: capturedPreview("refused.json"), dev: capturedPreview("no-change.json") },
      });
      const result = await runCi(
        project,
        [
          "preview",
          "--base",
          "main",
          "--comment-file",
          path.join(out, "c.md"),
          "--summary-file",
          path.join(out, "s.md"),
        ],
        engine,
      );
      assert.equal(result.code, 1);
      assert.deepEqual(
        engine.calls.map((c) => c.stack),
        SEED.environments,
      );
      const comment = fs.readFileSync(path.join(out, "c.md"), "utf8");
      assert.ok(comment.indexOf("### ✅ dev") < comment.indexOf("### ❌ stage"));
      assert.ok(comment.indexOf("### ❌ stage") < comment.indexOf("### ✅ prod"));
      assert.ok(comment.includes(`stage cannot take ${PREVIEW_JSON.neverRan}`));
      assert.ok(fs.existsSync(path.join(out, "s.md")));
      const checks = result.stdout.split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(
        checks.map((c) => [c.stack, c.conclusion]),
        [
          ["dev", "success"],
          ["stage", "failure"],
          ["prod", "success"],
        ],
      );
      assert.match(result.stderr, /ci preview: failed: stage \(refused by the promotion gate\)/);
      assert.match(
        result.stderr,
        /ci preview: stage: ❌ refused by the promotion gate\n {2}Stack "stage": the promotion gate refused 1 change; nothing was changed:\n {4}- stack "stage"/,
      );
    });

    it("prints the comment and the checks when no file is named", async () => {
      feature().commitTag("dev", "dex", "sha-6666666");
      const result = await runCi(project, ["preview", "--base", "main"]);
      assert.equal(result.code, 0);
      assert.ok(result.stdout.startsWith(COMMENT_MARKER));
      assert.match(
        result.stdout,
        /\n\{"stack":"dev","name":"preview \(dev\)","conclusion":"success"/,
      );
    });

    it("no stack affected: a comment that says so, and the engine never runs", async () => {
      feature();
      commitFile("docs/notes.md", "# notes\n");
      const engine = new FakeEngine();
      const result = await runCi(
        project,
        ["preview", "--base", "main", "--comment-file", path.join(out, "c.md")],
        engine,
      );
      assert.equal(result.code, 0);
      assert.deepEqual(engine.calls, []);
      assert.match(fs.readFileSync(path.join(out, "c.md"), "utf8"), /no stack affected/);
    });

    it("--dry-run prints the stacks, their order and the commands, and runs nothing", async () => {
      feature("canary");
      commitFile("package.json", "{}\n");
      const engine = new FakeEngine();
      const result = await runCi(project, ["preview", "--base", "main", "--dry-run"], engine, {
        GITHUB_STEP_SUMMARY: path.join(out, "s.md"),
      });
      assert.equal(result.code, 0);
      assert.deepEqual(engine.calls, []);
      const steps = result.stdout.split("\n").filter((l) => /^ {2}\d\. /.test(l));
      assert.deepEqual(steps, [
        "  1. preview dev: PULUMI_DEBUG_COMMANDS=true scripts/stack.sh preview dev --json --event-log <temporary file>",
        "  2. preview stage: PULUMI_DEBUG_COMMANDS=true scripts/stack.sh preview stage --json --event-log <temporary file>",
        "  3. preview canary: PULUMI_DEBUG_COMMANDS=true scripts/stack.sh preview canary --json --event-log <temporary file>",
        "  4. preview prod: PULUMI_DEBUG_COMMANDS=true scripts/stack.sh preview prod --json --event-log <temporary file>",
      ]);
      assert.ok(result.stdout.includes(`append it to the job summary ${path.join(out, "s.md")}`));
      assert.ok(!fs.existsSync(path.join(out, "s.md")));
    });
  });

  describe("up", () => {
    it("deploys in chain order and stops at the first failure; the summary says what each did", async () => {
      feature();
      commitFile("components/x.ts", "export {};\n");
      const engine = new FakeEngine({ up: { stage: capturedRefusedUp() } });
      const summaryFile = path.join(out, "summary.md");
      const result = await runCi(project, ["up", "--base", "main"], engine, {
        GITHUB_STEP_SUMMARY: summaryFile,
      });
      assert.equal(result.code, 1);
      assert.deepEqual(engine.calls, [
        { op: "up", stack: "dev" },
        { op: "output", stack: "dev" },
        { op: "up", stack: "stage" },
      ]);
      const summary = fs.readFileSync(summaryFile, "utf8");
      assert.ok(summary.includes("❌ stage failed after dev deployed; not run: prod."));
      assert.ok(summary.includes("### ✅ dev: deployed"));
      assert.ok(
        summary.includes(
          'Stack "stage": the promotion gate refused 1 change; nothing was changed:',
        ),
      );
      assert.ok(summary.includes("### ⏭️ prod: not run (stage failed first)"));
      assert.match(
        result.stderr,
        /ci up: stage failed:\nStack "stage": the promotion gate refused/,
      );
    });

    it("a successful up lists the apps its outputs name, with their newest record", async () => {
      feature().commitTag("stage", "dex", PREVIEW_JSON.newBuild);
      const engine = new FakeEngine();
      const result = await runCi(
        project,
        ["up", "--base", "main", "--summary-file", path.join(out, "s.md")],
        engine,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(engine.calls, [
        { op: "up", stack: "stage" },
        { op: "output", stack: "stage" },
      ]);
      const summary = fs.readFileSync(path.join(out, "s.md"), "utf8");
      assert.ok(
        summary.includes(`promotion of ${PREVIEW_JSON.newBuild} from dev by ${PREVIEW_JSON.actor}`),
      );
    });

    it("--dry-run names each up and output command in chain order", async () => {
      feature().commitTag("prod", "dex", "sha-7777777");
      project.commitTag("dev", "dex", "sha-7777777");
      const engine = new FakeEngine();
      const result = await runCi(project, ["up", "--base", "main", "--dry-run"], engine);
      assert.equal(result.code, 0);
      assert.deepEqual(engine.calls, []);
      assert.ok(
        result.stdout.includes(
          "  1. up dev: scripts/stack.sh up dev\n     then read what it deployed: scripts/stack.sh output dev\n  2. up prod: scripts/stack.sh up prod",
        ),
      );
    });
  });

  describe("bad input", () => {
    beforeEach(() => feature());

    it("an unknown subcommand: the closest one and every accepted one, exit 2", async () => {
      const result = await runCi(project, ["previw", "--base", "main"]);
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /^Usage error: unknown subcommand "previw" \(did you mean "preview"\?\); accepted: affected, preview, up, settings, deploy\n/,
      );
    });

    it("an unknown option: the closest one and every accepted one, exit 2", async () => {
      const result = await runCi(project, ["preview", "--bsae", "main"]);
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /^Usage error: unknown option --bsae \(did you mean "--base"\?\); accepted: --base, --comment-file, --summary-file, --checks-file, --dry-run, --help\n/,
      );
    });

    it("a missing --base says what it is", async () => {
      const result = await runCi(project, ["up"]);
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /^Usage error: --base is required: the git ref to compare HEAD with/,
      );
    });

    it("a --base git does not know: the closest ref, what is accepted, how to fetch it", async () => {
      const result = await runCi(project, ["affected", "--base", "mian"]);
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /^Usage error: --base "mian" is not a commit this repository has \(did you mean "main"\?\); accepted: a branch, tag or commit of this repository \(branches and tags here: feature, main\)\. In a GitHub Actions checkout, fetch it first/,
      );
    });

    it("a positional argument is refused with what is accepted", async () => {
      const result = await runCi(project, ["affected", "main"]);
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /^Usage error: unexpected argument "main": this subcommand takes options only; accepted: --base, --json, --help/,
      );
    });

    it("a base with no common history fails with how to get it", async () => {
      project.git("checkout", "--quiet", "--orphan", "elsewhere");
      project.git("commit", "--quiet", "-m", "unrelated");
      project.git("checkout", "--quiet", "feature");
      const result = await runCi(project, ["affected", "--base", "elsewhere"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^Failed: elsewhere and HEAD have no common ancestor here/);
    });

    it("a stack file that cannot be read: the file and the line, exit 1", async () => {
      project.write("Pulumi.stage.yaml", "config:\n  promotion:upstream: { dev\n");
      project.git("commit", "--quiet", "-am", "broken");
      const result = await runCi(project, ["affected", "--base", "main"]);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^Failed: the chain order cannot be read: fix the stack file first:\n {2}Pulumi\.stage\.yaml line 2, column/,
      );
    });

    it("help: the overview and each subcommand's usage, exit 0", async () => {
      const overview = await runCi(project, ["--help"]);
      assert.equal(overview.code, 0);
      assert.match(overview.stdout, /^Usage: npm run ci -- <subcommand> \[options\]/);
      const help = await runCi(project, ["help", "preview"]);
      assert.match(help.stdout, /^Usage: npm run ci -- preview --base <git-ref>/);
      assert.equal((await runCi(project, [])).code, 2);
    });
  });
});
