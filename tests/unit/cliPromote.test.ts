/**
 * `promote` end to end, in-process, against a temporary repository with a bare `origin`: the
 * branch, the commit, the diff of the stack file, the push, the pull request, the refusals.
 */
import { strict as assert } from "assert";
import { readApps } from "../../cli/stackText";
import { changedLines, tempProject, type TempProject } from "../support/gitRepo";

const NEW = "sha-5e6f7a8b";

describe("cli: promote", () => {
  let project: TempProject;
  let stageBefore: string;

  beforeEach(() => {
    project = tempProject();
    project.commitTag("dev", "dex", NEW);
    project.git("push", "--quiet", "origin", "main");
    stageBefore = project.read("Pulumi.stage.yaml");
  });
  afterEach(() => project.cleanup());

  it("commits only the tag line of the target on a promote branch, pushes it, returns to main", () => {
    const result = project.cli(["promote", "--from", "dev", "--to", "stage"]);
    assert.equal(result.code, 0, result.stderr);
    const branch = `promote-stage-${NEW}`;

    assert.equal(project.git("rev-parse", "--abbrev-ref", "HEAD").trim(), "main");
    assert.equal(project.git("status", "--porcelain"), "");
    assert.equal(project.read("Pulumi.stage.yaml"), stageBefore, "main is untouched");

    assert.equal(
      project.git("log", "-1", "--format=%s", branch).trim(),
      `chore: promote ${NEW} to stage`,
    );
    assert.equal(project.git("rev-list", "--count", `main..${branch}`).trim(), "1");
    assert.equal(
      project.git("diff", "--name-only", `main...${branch}`).trim(),
      "Pulumi.stage.yaml",
    );
    const after = project.git("show", `${branch}:Pulumi.stage.yaml`);
    assert.deepEqual(changedLines(stageBefore, after), [
      {
        line: stageBefore.split("\n").findIndex((l) => l.startsWith("      tag:")) + 1,
        before: `      tag: ${readApps(stageBefore).dex.tag}`,
        after: `      tag: ${NEW}`,
      },
    ]);

    assert.equal(
      project.originGit("rev-parse", `refs/heads/${branch}`).trim(),
      project.git("rev-parse", branch).trim(),
      "the branch reached origin",
    );
    // gh is not on PATH: the PR text is printed instead.
    assert.match(result.stdout, /Open the pull request yourself \(gh is not on PATH\)/);
    assert.match(result.stdout, /Title: chore: promote sha-5e6f7a8b to stage/);
    assert.match(result.stdout, /- \[ \] Verify image tag matches dev/);
  });

  it("opens the pull request with gh when it is on PATH, into the branch it started from", () => {
    const result = project.cli(["promote", "--from", "dev", "--to", "stage", "--app", "dex"], {
      gh: true,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(project.ghCalls.length, 1);
    const { args, input } = project.ghCalls[0];
    assert.deepEqual(args, [
      "pr",
      "create",
      "--head",
      `promote-stage-${NEW}`,
      "--title",
      `chore: promote ${NEW} to stage`,
      "--body-file",
      "-",
      "--base",
      "main",
    ]);
    assert.match(input ?? "", /## Review checklist\n\n- \[ \] Verify image tag matches dev/);
    assert.match(
      input ?? "",
      /Opened by `npm run promote -- promote --from dev --to stage --app dex`/,
    );
    assert.match(
      result.stdout,
      /Opened the pull request: https:\/\/github.com\/data-literate\/dex\/pull\/42/,
    );
  });

  it("--dry-run prints the diff, branch, commit message and PR, and changes nothing", () => {
    const head = project.git("rev-parse", "HEAD");
    const result = project.cli(["promote", "--from", "dev", "--to", "stage", "--dry-run"], {
      gh: true,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Dry run: nothing is changed\./);
    assert.match(result.stdout, /\n-      tag: sha-5eed0a1b\n\+      tag: sha-5e6f7a8b\n/);
    assert.match(result.stdout, /Branch: promote-stage-sha-5e6f7a8b/);
    assert.match(result.stdout, /Commit message:\n {4}chore: promote sha-5e6f7a8b to stage/);
    assert.match(result.stdout, /Pull request: chore: promote sha-5e6f7a8b to stage/);
    assert.equal(project.git("rev-parse", "HEAD"), head);
    assert.equal(project.git("branch", "--list", "promote-*"), "");
    assert.equal(project.git("status", "--porcelain"), "");
    assert.equal(project.originGit("branch", "--list", "promote-*"), "");
    assert.equal(project.ghCalls.length, 0);
  });

  it("refuses a dirty working tree, naming the files", () => {
    project.write("notes.txt", "scratch\n");
    const result = project.cli(["promote", "--from", "dev", "--to", "stage"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /Refused: the working tree has uncommitted changes; commit or stash/,
    );
    assert.match(result.stderr, /\?\? notes.txt/);
    assert.equal(project.git("branch", "--list", "promote-*"), "");
  });

  it("refuses an unknown environment, a skipped environment and a tag the upstream does not run", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--from", "dev", "--to", "qa"], /unknown environment "qa"; accepted: dev, stage, prod/],
      [
        ["--from", "dev", "--to", "prod"],
        /prod takes tags from stage, not dev: promoting dev -> prod would skip stage; promote dev -> stage first/,
      ],
      [
        ["--from", "dev", "--to", "stage", "--tag", "sha-5eed0c3d"],
        /dev does not run sha-5eed0c3d: it runs dex sha-5e6f7a8b/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = project.cli(["promote", ...args]);
      assert.equal(result.code, 1, args.join(" "));
      assert.match(result.stderr, message);
    }
    assert.equal(project.git("branch", "--list", "promote-*"), "");
  });

  it("refuses an existing branch; has nothing to do (exit 0) once the target runs the tag", () => {
    const result = project.cli([
      "promote",
      "--from",
      "stage",
      "--to",
      "prod",
      "--tag",
      "sha-5eed0a1b",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(project.git("branch", "--list", "promote-*").trim(), "promote-prod-sha-5eed0a1b");
    const again = project.cli(["promote", "--from", "stage", "--to", "prod"]);
    assert.equal(again.code, 1, "the branch exists already");
    assert.match(again.stderr, /branch promote-prod-sha-5eed0a1b already exists/);
    project.git("merge", "--quiet", "--ff-only", "promote-prod-sha-5eed0a1b");
    const merged = project.cli(["promote", "--from", "stage", "--to", "prod"]);
    assert.equal(merged.code, 0);
    assert.equal(
      merged.stdout,
      "Nothing to do: prod already runs what stage runs (dex sha-5eed0a1b).",
    );
  });

  it("commits without pushing when there is no origin", () => {
    const local = tempProject({ origin: false });
    try {
      local.commitTag("dev", "dex", NEW);
      const result = local.cli(["promote", "--from", "dev", "--to", "stage"], { gh: true });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /There is no remote named origin/);
      assert.match(result.stdout, /Open the pull request yourself \(the branch is not pushed\)/);
      assert.equal(local.ghCalls.length, 0);
      assert.equal(local.git("rev-list", "--count", `main..promote-stage-${NEW}`).trim(), "1");
    } finally {
      local.cleanup();
    }
  });

  it("answers usage errors with exit code 2 and the command's usage", () => {
    for (const args of [
      ["promote", "--from", "dev"],
      ["promote", "--from", "dev", "--to", "stage", "--force"],
      ["promote", "dev", "stage"],
      ["deploy"],
      [],
    ]) {
      const result = project.cli(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, /Usage: npm run promote -- /);
    }
    assert.match(project.cli(["promote", "--from", "dev"]).stderr, /--to is required/);
    assert.match(
      project.cli(["deploy"]).stderr,
      /unknown command "deploy"; accepted: status, promote, rollback, hotfix/,
    );
  });

  it("prints help with exit code 0", () => {
    for (const args of [
      ["--help"],
      ["help", "promote"],
      ["promote", "--help"],
      ["rollback", "-h"],
    ]) {
      const result = project.cli(args);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^Usage: npm run promote -- /);
    }
  });
});
