/**
 * `npm run ci` with the real engine (scripts/stack.sh and the toolchain built from Go modules) on a
 * temporary git repository holding a copy of the program, its policy pack and the seed fixture's
 * stack files, with its own file backend and a local bare remote standing in for GitHub: the runner's
 * checkout (`project.dir`) only fetches and checks out what a developer's clone pushed, as
 * actions/checkout does. `ci up` brings dev and stage up from the commit that adds their stack
 * files, CI's new build reaches dev, a promotion branch's `ci preview` names the promotion, the
 * gate's verdict and the policy results in its comment and passes its check, its merge to main is
 * deployed by `ci up` in chain order, and a tag dev never ran fails preview and up with the gate's
 * refusal.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { stackShEngine } from "../../ci/engine";
import { gitRunner, type CiIo } from "../../ci/io";
import { main } from "../../ci/main";
import { editStackText } from "../../cli/stackText";
import { copyProject, policyPackDir, toolchainBin, type EngineProject } from "../../harness/engine";
import { PROJECT_DIR } from "../../harness/program";
import { COMMENT_MARKER } from "../../rules/ci/comment";
import { PREVIEW_JSON, SEED } from "../fixtures";

describe("npm run ci with the real engine", function () {
  this.timeout(30 * 60_000);
  let project: EngineProject;
  let out: string;
  let env: NodeJS.ProcessEnv;
  const log: string[] = [];

  function git(...args: string[]): string {
    return execFileSync("git", args, { cwd: project.dir, env, encoding: "utf8" });
  }

  /** A developer's clone of the bare remote: where promotion commits are made and merged. */
  let developer: string;
  function devGit(...args: string[]): string {
    return execFileSync("git", args, { cwd: developer, env, encoding: "utf8" });
  }

  /** A commit on the developer's current branch that pins `tag` for dex in `stack`. */
  function commitTag(stack: string, tag: string, message: string): void {
    const file = `Pulumi.${stack}.yaml`;
    const full = path.join(developer, file);
    fs.writeFileSync(
      full,
      editStackText(fs.readFileSync(full, "utf8"), file, [{ app: "dex", tag }]),
    );
    devGit("commit", "--quiet", "-m", message, "--", file);
  }

  /** The runner checks out a ref of the remote, as actions/checkout does for a workflow run. */
  function checkout(ref: string): void {
    git("fetch", "--quiet", "--prune", "origin", "+refs/heads/*:refs/remotes/origin/*");
    git("checkout", "--quiet", "--detach", `origin/${ref}`);
  }

  async function ci(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CiIo = {
      cwd: project.dir,
      env: {},
      out: (text) => stdout.push(text),
      err: (text) => stderr.push(text),
      git: gitRunner(project.dir, env),
      engine: stackShEngine(project.dir, env, (chunk) => log.push(chunk)),
    };
    const code = await main(argv, io);
    return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
  }

  const read = (file: string) => fs.readFileSync(path.join(out, file), "utf8");

  before(() => {
    toolchainBin();
    project = copyProject({}, SEED.dir);
    out = fs.mkdtempSync(path.join(os.tmpdir(), "ci-integration-"));
    const home = path.join(out, "home");
    fs.mkdirSync(home);
    env = {
      ...process.env,
      PULUMI_BACKEND_URL: project.envVars.PULUMI_BACKEND_URL,
      PULUMI_CONFIG_PASSPHRASE: project.envVars.PULUMI_CONFIG_PASSPHRASE,
      GITHUB_TOKEN: "",
      GITHUB_OWNER: "",
      GITHUB_ACTOR: "integration-actor",
      // git without the machine's settings.
      GIT_CONFIG_GLOBAL: path.join(home, "gitconfig"),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "CI Test",
      GIT_AUTHOR_EMAIL: "ci@example.com",
      GIT_COMMITTER_NAME: "CI Test",
      GIT_COMMITTER_EMAIL: "ci@example.com",
    };
    fs.writeFileSync(path.join(home, "gitconfig"), "");
    // What CI checks out besides the program: the script the engine runs through, and the
    // toolchain's wrapper modules it builds from (read only, so linked).
    fs.cpSync(path.join(PROJECT_DIR, "scripts"), path.join(project.dir, "scripts"), {
      recursive: true,
    });
    fs.symlinkSync(path.join(PROJECT_DIR, "toolchain"), path.join(project.dir, "toolchain"));
    // The policy pack with its installed dependencies (linked: `npm ci --prefix policy` is done).
    fs.symlinkSync(policyPackDir(), path.join(project.dir, "policy"));
    fs.writeFileSync(
      path.join(project.dir, ".gitignore"),
      "node_modules\ntoolchain\npolicy\n.pulumi-state/\nrendered/\n",
    );
    // prod pins an older build than stage: its first deployment is a reviewed one (issue #20).
    const prodFile = path.join(project.dir, "Pulumi.prod.yaml");
    const prod = parseDocument(fs.readFileSync(prodFile, "utf8"));
    prod.setIn(["config", "promotion:apps", "dex", "bypass"], {
      kind: "initial",
      tag: SEED.tags.prod,
      reason: "a fresh backend",
    });
    fs.writeFileSync(prodFile, prod.toString());
    git("init", "--quiet", "--initial-branch=main");
    // The program and prod first; dev's and stage's stack files arrive in the next commit.
    git("add", "--all", "--", ".", ":!Pulumi.dev.yaml", ":!Pulumi.stage.yaml");
    git("commit", "--quiet", "-m", "program and prod");
    git("add", "Pulumi.dev.yaml", "Pulumi.stage.yaml");
    git("commit", "--quiet", "-m", "dev and stage");
    const remote = path.join(out, "origin.git");
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", remote], { env });
    git("remote", "add", "origin", remote);
    git("push", "--quiet", "origin", "main");
    developer = path.join(out, "developer");
    execFileSync("git", ["clone", "--quiet", remote, developer], { env });
  });

  after(() => {
    project?.cleanup();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(log.join("").slice(-8000));
    log.length = 0;
  });

  it("ci up deploys the stacks a commit adds, in chain order, and says what each runs", async () => {
    const result = await ci(["up", "--base", "HEAD~1", "--summary-file", path.join(out, "up1.md")]);
    assert.equal(result.code, 0, result.stderr);
    const summary = read("up1.md");
    // New stack files add CODEOWNERS lines: prod, the managing stack, is affected too (issue #20).
    assert.ok(summary.includes("✅ 3 stacks deployed: dev, stage, prod."), summary);
    assert.ok(summary.indexOf("### ✅ dev: deployed") < summary.indexOf("### ✅ stage: deployed"));
    assert.match(summary, new RegExp(`\\| dex \\| \`${SEED.tags.dev}\` \\| \`dex-dev\` \\|`));
    assert.match(summary, /initial record of sha-5eed0a1b by integration-actor/);
    assert.equal(git("status", "--porcelain"), "", "the checkout stays as committed");
  });

  it("ci up of CI's new build deploys dev only, recorded as a build from ci", async () => {
    commitTag("dev", PREVIEW_JSON.newBuild, `ci: dev runs ${PREVIEW_JSON.newBuild}`);
    devGit("push", "--quiet", "origin", "main");
    checkout("main");
    const result = await ci(["up", "--base", "HEAD~1", "--summary-file", path.join(out, "up2.md")]);
    assert.equal(result.code, 0, result.stderr);
    const summary = read("up2.md");
    assert.ok(summary.includes("## Pulumi up of dev\n"), summary);
    assert.ok(
      summary.includes(`promotion of ${PREVIEW_JSON.newBuild} from ci by integration-actor`),
    );
  });

  it("ci preview of a promotion branch names the promotion, the gate and the policies in its one comment", async () => {
    devGit("checkout", "--quiet", "-b", "promote-stage");
    commitTag("stage", PREVIEW_JSON.newBuild, `chore: promote ${PREVIEW_JSON.newBuild} to stage`);
    devGit("push", "--quiet", "origin", "promote-stage");
    checkout("promote-stage");
    const result = await ci([
      "preview",
      "--base",
      "origin/main",
      "--comment-file",
      path.join(out, "comment.md"),
      "--checks-file",
      path.join(out, "checks.jsonl"),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const comment = read("comment.md");
    assert.equal(comment.split("\n")[0], COMMENT_MARKER);
    assert.ok(comment.includes("## Pulumi preview of stage\n"), comment);
    assert.ok(
      comment.includes(
        `| stage | ✅ would change: 1 to update | dex: ${SEED.tags.stage} → ${PREVIEW_JSON.newBuild}, promotion from dev |`,
      ),
      comment,
    );
    assert.ok(
      comment.includes(`**Promotion gate**: dex \`${PREVIEW_JSON.newBuild}\` passed: dev runs it.`),
    );
    assert.match(
      comment,
      /\*\*Policies\*\* \(`promotion-as-code@v?[\d.]+`\): \d+ policies passed, no violation\./,
    );
    assert.match(result.stderr, /--policy-pack policy/);
    const checks = read("checks.jsonl")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { stack: string; conclusion: string });
    assert.deepEqual(
      checks.map((c) => [c.stack, c.conclusion]),
      [["stage", "success"]],
    );
  });

  it("ci up of the merge deploys what it changed, in chain order, with the promotion record", async () => {
    const before = git("rev-parse", "origin/main").trim();
    devGit("checkout", "--quiet", "main");
    devGit("merge", "--quiet", "--no-ff", "-m", "Merge promote-stage", "promote-stage");
    devGit("push", "--quiet", "origin", "main");
    checkout("main");
    const result = await ci([
      "up",
      "--base",
      before,
      "--summary-file",
      path.join(out, "up-merge.md"),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = read("up-merge.md");
    assert.ok(summary.includes("## Pulumi up of stage\n"), summary);
    assert.ok(!summary.includes("of dev"), "dev was not affected by the merge");
    assert.match(summary, new RegExp(`\\| dex \\| \`${PREVIEW_JSON.newBuild}\` \\|`));
    assert.ok(
      summary.includes(`promotion of ${PREVIEW_JSON.newBuild} from dev by integration-actor`),
      summary,
    );
    assert.equal(git("status", "--porcelain"), "");
  });

  it("ci preview of a tag dev never ran fails, and its comment carries the gate's refusal", async () => {
    devGit("checkout", "--quiet", "-b", "never-ran");
    commitTag("stage", PREVIEW_JSON.neverRan, "chore: pin a build dev never ran");
    devGit("push", "--quiet", "origin", "never-ran");
    checkout("never-ran");
    const result = await ci([
      "preview",
      "--base",
      "origin/main",
      "--comment-file",
      path.join(out, "refused.md"),
    ]);
    assert.equal(result.code, 1);
    const comment = read("refused.md");
    assert.ok(comment.includes("### ❌ stage: refused by the promotion gate"), comment);
    assert.ok(
      comment.includes(
        `refused: stage cannot take ${PREVIEW_JSON.neverRan}: dev runs ${PREVIEW_JSON.newBuild}`,
      ),
    );
    assert.match(result.stdout, /"conclusion":"failure"/);
    assert.equal(git("status", "--porcelain"), "");
  });

  it("ci up of the same commit fails at stage with the refusal in its summary, changing nothing", async () => {
    const result = await ci([
      "up",
      "--base",
      "origin/main",
      "--summary-file",
      path.join(out, "up3.md"),
    ]);
    assert.equal(result.code, 1);
    const summary = read("up3.md");
    assert.ok(summary.includes("❌ stage failed."), summary);
    assert.ok(
      summary.includes(
        '### ❌ stage: failed\n\n```text\nStack "stage": the promotion gate refused 1 change; nothing was changed:',
      ),
    );
    assert.match(result.stderr, /ci up: stage failed:\nStack "stage": the promotion gate refused/);
    assert.equal(git("status", "--porcelain"), "");
  });
});
