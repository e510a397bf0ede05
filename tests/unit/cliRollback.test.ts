/**
 * `rollback` and `hotfix` end to end, in-process, against a temporary repository whose prod stack
 * file has a history: the tag comes from that history, the reason goes into the stack and the
 * commit, and the next promotion ends the exception.
 */
import { strict as assert } from "assert";
import { REASON_REQUIRED } from "../../cli/plan/change";
import { readApps } from "../../cli/stackText";
import { changedLines, tempProject, type TempProject } from "../support/gitRepo";

const OLD = "sha-5eed0c3d"; // what prod pins in the seed fixture
const STAGE = "sha-5eed0a1b"; // what stage pins
const REASON = "login fails with invalid_grant since 10:30";

/** Removes the lines the rollback adds, so the rest can be compared line by line. */
function withoutBypass(text: string): string {
  return text.replace(/\n {6}# Exception to the promotion chain.*\n {6}bypass:\n( {8}.*\n)+/, "\n");
}

describe("cli: rollback", () => {
  let project: TempProject;

  beforeEach(() => {
    project = tempProject();
    // prod ran OLD, then stage's tag was promoted into it and merged.
    assert.equal(project.cli(["promote", "--from", "stage", "--to", "prod"]).code, 0);
    project.git("merge", "--quiet", "--ff-only", `promote-prod-${STAGE}`);
    project.git("push", "--quiet", "origin", "main");
  });
  afterEach(() => project.cleanup());

  it("rolls back to the tag before, from the stack file's git history, with the reason", () => {
    const before = project.read("Pulumi.prod.yaml");
    const result = project.cli(["rollback", "--env", "prod", "--reason", REASON]);
    assert.equal(result.code, 0, result.stderr);
    const branch = `rollback-prod-${OLD}`;
    assert.equal(
      project.git("log", "-1", "--format=%B", branch).trim(),
      `chore: roll back prod to ${OLD}\n\nReason: ${REASON}\n\ndex: ${STAGE} -> ${OLD} (ran since ${project
        .git("rev-list", "--max-parents=0", "HEAD")
        .slice(0, 7)}, ${project.git("log", "-1", "--format=%cI", "main~1").slice(0, 10)})`,
    );
    assert.equal(project.git("diff", "--name-only", `main...${branch}`).trim(), "Pulumi.prod.yaml");
    const after = project.git("show", `${branch}:Pulumi.prod.yaml`);
    assert.deepEqual(readApps(after).dex, {
      tag: OLD,
      bypass: { kind: "rollback", tag: OLD, reason: REASON },
    });
    assert.deepEqual(
      changedLines(before, withoutBypass(after)).map((l) => [l.before, l.after]),
      [[`      tag: ${STAGE}`, `      tag: ${OLD}`]],
    );
    assert.equal(
      project.originGit("rev-parse", `refs/heads/${branch}`).trim(),
      project.git("rev-parse", branch).trim(),
    );
    assert.match(result.stdout, /\*\*Reason:\*\* login fails with invalid_grant since 10:30/);
    assert.equal(project.git("rev-parse", "--abbrev-ref", "HEAD").trim(), "main");
  });

  it("refuses without a reason", () => {
    for (const args of [[], ["--reason", ""], ["--reason", "  "]]) {
      const result = project.cli(["rollback", "--env", "prod", ...args]);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `Refused: ${REASON_REQUIRED}`);
    }
    assert.equal(project.git("branch", "--list", "rollback-*"), "");
  });

  it("takes --to only when prod ran that tag", () => {
    const never = project.cli([
      "rollback",
      "--env",
      "prod",
      "--to",
      "sha-5e6f7a8b",
      "--reason",
      "x",
    ]);
    assert.equal(never.code, 1);
    assert.match(
      never.stderr,
      /dex has not run sha-5e6f7a8b according to the git history of Pulumi\.prod\.yaml; --to accepts a tag it ran before: sha-5eed0c3d/,
    );
    const ran = project.cli([
      "rollback",
      "--env",
      "prod",
      "--to",
      OLD,
      "--reason",
      "x",
      "--dry-run",
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /Branch: rollback-prod-sha-5eed0c3d/);
    assert.match(
      ran.stdout,
      /\n {2}3\. edit +pin dex sha-5eed0c3d in Pulumi\.prod\.yaml, with a rollback bypass block for dex \(the diff below\); undo: write the file back\n/,
    );
    assert.match(
      ran.stdout,
      /\+      bypass:\n\+        kind: rollback\n\+        tag: sha-5eed0c3d\n\+        reason: x\n/,
    );
    assert.equal(project.git("branch", "--list", "rollback-*"), "");
  });

  it("refuses when the history has no earlier tag, and says the hotfix command to run", () => {
    const fresh = tempProject();
    try {
      const result = fresh.cli(["rollback", "--env", "prod", "--reason", "login broken"]);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        'Refused: the git history of Pulumi.prod.yaml shows no earlier tag of dex to roll back to. To run another build, hotfix it: npm run promote -- hotfix --env prod --app dex --tag <TAG> --reason "login broken" (<TAG>: the immutable tag of the build to run)',
      );
      assert.equal(fresh.git("branch", "--list", "rollback-*"), "");
    } finally {
      fresh.cleanup();
    }
  });

  it("points --to a tag the environment never ran to the hotfix of exactly that tag", () => {
    const result = project.cli(["rollback", "--env", "prod", "--to", "v1.4.1", "--reason", "x"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /dex has not run v1\.4\.1 according to the git history of Pulumi\.prod\.yaml; --to accepts a tag it ran before: sha-5eed0c3d \([^)]*\)\. To run v1\.4\.1 anyway, hotfix it: npm run promote -- hotfix --env prod --app dex --tag v1\.4\.1 --reason x$/,
    );
  });

  it("goes further back on a second rollback, and the next promotion ends the exception", () => {
    /** Merges a change's branch into main and deletes it, as GitHub does on merge. */
    const merge = (branch: string) => {
      project.git("merge", "--quiet", "--ff-only", branch);
      project.git("branch", "--quiet", "-d", branch);
      project.git("push", "--quiet", "origin", "main", `:${branch}`);
    };
    merge(`promote-prod-${STAGE}`);
    project.commitTag("stage", "dex", "sha-5e6f7a8b", "promote sha-5e6f7a8b to stage");
    assert.equal(project.cli(["promote", "--from", "stage", "--to", "prod"]).code, 0);
    merge("promote-prod-sha-5e6f7a8b");
    const normal = project.read("Pulumi.prod.yaml");

    // prod: OLD -> STAGE -> sha-5e6f7a8b; the first rollback goes to STAGE, the second to OLD.
    assert.equal(project.cli(["rollback", "--env", "prod", "--reason", "first"]).code, 0);
    merge(`rollback-prod-${STAGE}`);
    assert.equal(project.cli(["rollback", "--env", "prod", "--reason", "second"]).code, 0);
    merge(`rollback-prod-${OLD}`);
    const rolledBack = project.read("Pulumi.prod.yaml");
    assert.deepEqual(readApps(rolledBack).dex, {
      tag: OLD,
      bypass: { kind: "rollback", tag: OLD, reason: "second" },
    });
    assert.equal(rolledBack.match(/bypass:/g)?.length, 1);

    // stage runs sha-5e6f7a8b, which prod rolled back from: promoting it again needs a reason.
    const refused = project.cli(["promote", "--from", "stage", "--to", "prod"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /prod rolled back from dex sha-5e6f7a8b on .* \("first"\)/);
    const promoted = project.cli([
      "promote",
      "--from",
      "stage",
      "--to",
      "prod",
      "--confirm",
      "fixed in the identity provider",
    ]);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(
      project.git("show", "promote-prod-sha-5e6f7a8b:Pulumi.prod.yaml"),
      normal,
      "the promotion gives back the file as it was before the rollbacks",
    );
  });

  it("refuses a branch name that is still on origin", () => {
    project.git("branch", "-D", `promote-prod-${STAGE}`);
    const result = project.cli(["rollback", "--env", "prod", "--reason", "x"]);
    assert.equal(result.code, 0, result.stderr);
    project.git("branch", "-D", `rollback-prod-${OLD}`);
    const again = project.cli(["rollback", "--env", "prod", "--reason", "x"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /branch rollback-prod-sha-5eed0c3d is on origin already/);
  });

  it("hotfixes a tag with a hotfix bypass, and refuses one without a reason", () => {
    const refused = project.cli(["hotfix", "--env", "prod", "--app", "dex", "--tag", "v1.4.1"]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `Refused: ${REASON_REQUIRED}`);
    const missingTag = project.cli(["hotfix", "--env", "prod", "--app", "dex", "--reason", "x"]);
    assert.equal(missingTag.code, 2);

    const result = project.cli([
      "hotfix",
      "--env",
      "prod",
      "--app",
      "dex",
      "--tag",
      "v1.4.1",
      "--reason",
      "CVE-2026-1234 in the token endpoint",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      project.git("log", "-1", "--format=%s", "hotfix-prod-v1.4.1").trim(),
      "chore: hotfix prod to v1.4.1",
    );
    assert.deepEqual(readApps(project.git("show", "hotfix-prod-v1.4.1:Pulumi.prod.yaml")).dex, {
      tag: "v1.4.1",
      bypass: { kind: "hotfix", tag: "v1.4.1", reason: "CVE-2026-1234 in the token endpoint" },
    });
  });
});
