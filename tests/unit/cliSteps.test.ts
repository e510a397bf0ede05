/**
 * A change is carried out as named steps (ensure-clean, branch, edit, commit, push, open-pr,
 * return), each with its undo: when a step fails, the ones before it are undone in reverse and
 * the repository, origin included, is as it was. --dry-run describes the steps.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { tempProject, type TempProject } from "../support/gitRepo";

const NEW = "sha-5e6f7a8b";
const BRANCH = `promote-stage-${NEW}`;
const PROMOTE = ["promote", "--from", "dev", "--to", "stage"];

/** Everything a failed run must leave as it was. */
function snapshot(project: TempProject) {
  return {
    head: project.git("rev-parse", "HEAD"),
    current: project.git("rev-parse", "--abbrev-ref", "HEAD"),
    branches: project.git("branch", "--list"),
    status: project.git("status", "--porcelain"),
    stage: project.read("Pulumi.stage.yaml"),
    origin: fs.existsSync(project.origin) ? project.originGit("branch", "--list") : "",
  };
}

describe("cli: the steps of a change", () => {
  let project: TempProject;
  beforeEach(() => {
    project = tempProject();
    project.commitTag("dev", "dex", NEW);
    project.git("push", "--quiet", "origin", "main");
  });
  afterEach(() => project.cleanup());

  it("--dry-run lists the numbered steps, what each would do and its undo", () => {
    const result = project.cli([...PROMOTE, "--dry-run"], { gh: true });
    assert.equal(result.code, 0, result.stderr);
    const steps = result.stdout
      .split("\n")
      .filter((line) => /^ {2}\d\. /.test(line))
      .map((line) => line.trim().split(/ +/).slice(0, 2).join(" "));
    assert.deepEqual(steps, [
      "1. ensure-clean",
      "2. branch",
      "3. edit",
      "4. commit",
      "5. push",
      "6. open-pr",
      "7. return",
    ]);
    for (const described of [
      /1\. ensure-clean +refuse unless the working tree is clean and on main, the branch that feeds stage \(promotion:governance\.branch\)\n/,
      /2\. branch +create promote-stage-sha-5e6f7a8b from main \(git checkout -b\); undo: check out main, delete the branch\n/,
      /3\. edit +pin dex sha-5e6f7a8b in Pulumi\.stage\.yaml \(the diff below\); undo: write the file back\n/,
      /4\. commit +commit only Pulumi\.stage\.yaml: "chore: promote sha-5e6f7a8b to stage"; undo: reset to the commit before\n/,
      /5\. push +push promote-stage-sha-5e6f7a8b to origin; undo: delete it from origin\n/,
      /6\. open-pr +open the pull request into main with gh pr create\n/,
      /7\. return +check out main again\n/,
    ]) {
      assert.match(result.stdout, described);
    }
    assert.match(
      result.stdout,
      /If a step fails, the steps before it are undone in reverse order\./,
    );
  });

  it("undoes commit, edit and branch when the push fails", () => {
    const before = snapshot(project);
    fs.rmSync(project.origin, { recursive: true, force: true });
    const result = project.cli(PROMOTE);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Failed at step 5 of 7 \(push\): `git push/m);
    assert.match(
      result.stderr,
      /\nUndone, in reverse: 4\. commit \(reset to [0-9a-f]{7}\), 3\. edit \(Pulumi\.stage\.yaml written back\), 2\. branch \(back on main, promote-stage-sha-5e6f7a8b deleted\)\.\nNothing is changed: run the same command again once the cause is fixed\.$/,
    );
    assert.deepEqual({ ...snapshot(project), origin: "" }, { ...before, origin: "" });
  });

  it("undoes the push too when opening the pull request fails", () => {
    const before = snapshot(project);
    const result = project.cli(PROMOTE, { gh: true, ghFails: "HTTP 401: Bad credentials" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Failed at step 6 of 7 \(open-pr\): [^]*Bad credentials/m);
    assert.match(
      result.stderr,
      /Undone, in reverse: 5\. push \(deleted promote-stage-sha-5e6f7a8b from origin\), 4\. commit/,
    );
    assert.deepEqual(snapshot(project), before);
    assert.equal(project.originGit("branch", "--list", BRANCH), "");
  });

  it("undoes edit and branch when the commit fails", () => {
    const before = snapshot(project);
    const hook = path.join(project.dir, ".git", "hooks", "pre-commit");
    fs.writeFileSync(hook, "#!/bin/sh\necho 'commit refused by hook' >&2\nexit 1\n", {
      mode: 0o755,
    });
    const result = project.cli(PROMOTE);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Failed at step 4 of 7 \(commit\): [^]*commit refused by hook/m);
    assert.match(
      result.stderr,
      /Undone, in reverse: 3\. edit \(Pulumi\.stage\.yaml written back\), 2\. branch \(back on main, promote-stage-sha-5e6f7a8b deleted\)\./,
    );
    assert.deepEqual(snapshot(project), before);
  });

  it("opens the PR into the target's governance branch, and refuses from another branch", () => {
    // A branch-per-environment model: stage's stack file is fed from the branch staging.
    project.write(
      "Pulumi.stage.yaml",
      project.read("Pulumi.stage.yaml").replace(/\n {4}branch: main\n/, "\n    branch: staging\n"),
    );
    project.git("commit", "--quiet", "-am", "stage is fed from staging");
    const refused = project.cli(PROMOTE, { gh: true });
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.split("\n").find((l) => l.startsWith("Refused")),
      "Refused: Pulumi.stage.yaml feeds stage from the branch staging (promotion:governance.branch), but main is checked out: run `git checkout staging && git pull`, then the same command again",
    );
    project.git("checkout", "--quiet", "-b", "staging");
    const result = project.cli(PROMOTE, { gh: true });
    assert.equal(result.code, 0, result.stderr);
    const args = project.ghCalls[0].args;
    assert.deepEqual(args.slice(args.indexOf("--base")), ["--base", "staging"]);
    assert.match(result.stdout, /Back on staging\.$/);
  });
});
