/**
 * A promotion that re-pins a tag the target rolled back from, or that replaces a hotfix in force,
 * is refused unless confirmed with a reason; the pull request shows the confirmation at the top.
 */
import { strict as assert } from "assert";
import { CONFIRM_REQUIRED } from "../../cli/plan/confirm";
import { readApps } from "../../cli/stackText";
import { tempProject, type TempProject } from "../support/gitRepo";

const STAGE = "sha-5eed0a1b"; // what stage pins in the seed fixture
const BAD = "sha-5e6f7a8b";

/** Merges a change's branch into main and deletes it, as GitHub does on merge. */
function merge(project: TempProject, branch: string): void {
  project.git("merge", "--quiet", "--ff-only", branch);
  project.git("branch", "--quiet", "-D", branch);
  project.git("push", "--quiet", "origin", "main", `:${branch}`);
}

function ok(project: TempProject, args: string[]): void {
  const result = project.cli(args);
  assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
}

describe("cli: promotions that need a confirmation", () => {
  let project: TempProject;
  beforeEach(() => (project = tempProject()));
  afterEach(() => project.cleanup());

  describe("re-pinning a tag the target rolled back from", () => {
    beforeEach(() => {
      // prod: seed tag -> STAGE -> BAD, then rolled back from BAD to STAGE; stage runs BAD.
      ok(project, ["promote", "--from", "stage", "--to", "prod"]);
      merge(project, `promote-prod-${STAGE}`);
      project.commitTag("stage", "dex", BAD);
      ok(project, ["promote", "--from", "stage", "--to", "prod"]);
      merge(project, `promote-prod-${BAD}`);
      ok(project, ["rollback", "--env", "prod", "--reason", "login broken"]);
      merge(project, `rollback-prod-${STAGE}`);
    });

    it("is refused without --confirm, saying when and why it was rolled back from", () => {
      for (const extra of [[], ["--dry-run"]]) {
        const result = project.cli(["promote", "--from", "stage", "--to", "prod", ...extra]);
        assert.equal(result.code, 1, extra.join(" "));
        assert.match(
          result.stderr,
          /^Refused: prod rolled back from dex sha-5e6f7a8b on \d{4}-\d\d-\d\d \("login broken"\)\. Promoting it again needs a reason: if it is safe now, run npm run promote -- promote --from stage --to prod --confirm "<why>"$/m,
        );
      }
      assert.equal(project.git("branch", "--list", "promote-*"), "");
    });

    it("is refused with a blank --confirm", () => {
      const result = project.cli(["promote", "--from", "stage", "--to", "prod", "--confirm", " "]);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `Refused: ${CONFIRM_REQUIRED}`);
    });

    it("with --confirm, commits it and shows the confirmation at the top of the PR", () => {
      const reason = "the login fix is in the identity provider, not in dex";
      const result = project.cli(
        ["promote", "--from", "stage", "--to", "prod", "--confirm", reason],
        { gh: true },
      );
      assert.equal(result.code, 0, result.stderr);
      const branch = `promote-prod-${BAD}`;
      assert.deepEqual(readApps(project.git("show", `${branch}:Pulumi.prod.yaml`)).dex, {
        tag: BAD,
        bypass: undefined,
      });
      assert.match(
        project.git("log", "-1", "--format=%B", branch),
        new RegExp(`\nConfirmed: ${reason}\n`),
      );
      const body = project.ghCalls[0].input ?? "";
      const lines = body.split("\n");
      assert.equal(lines[1], "");
      assert.equal(lines[2], "> [!CAUTION]");
      assert.match(
        lines[3],
        /^> \*\*Confirmed with `--confirm`:\*\* prod rolled back from dex `sha-5e6f7a8b` on \d{4}-\d\d-\d\d \("login broken"\)\.$/,
      );
      assert.equal(lines[4], `> **Reason given:** ${reason}`);
      assert.match(body, /- \[ \] The confirmation holds: /);
    });
  });

  describe("replacing a hotfix in force", () => {
    beforeEach(() => {
      ok(project, [
        "hotfix",
        "--env",
        "prod",
        "--app",
        "dex",
        "--tag",
        "v1.4.1",
        "--reason",
        "CVE-2026-1234",
      ]);
      merge(project, "hotfix-prod-v1.4.1");
    });

    it("is refused without --confirm, and goes through with it", () => {
      const refused = project.cli(["promote", "--from", "stage", "--to", "prod"]);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /^Refused: prod runs dex v1\.4\.1 as a hotfix \("CVE-2026-1234"\); this promotion replaces it with sha-5eed0a1b\. Promoting it needs a reason: if it is safe now, run npm run promote -- promote --from stage --to prod --confirm "<why>"$/m,
      );
      const confirmed = project.cli([
        "promote",
        "--from",
        "stage",
        "--to",
        "prod",
        "--confirm",
        "the CVE fix is in sha-5eed0a1b",
      ]);
      assert.equal(confirmed.code, 0, confirmed.stderr);
      assert.match(confirmed.stdout, /\*\*Reason given:\*\* the CVE fix is in sha-5eed0a1b/);
    });
  });

  it("needs no confirmation for a normal promotion, and says an unneeded --confirm is not recorded", () => {
    const result = project.cli([
      "promote",
      "--from",
      "stage",
      "--to",
      "prod",
      "--confirm",
      "x",
      "--dry-run",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /note: --confirm is not needed for this promotion \(nothing it re-pins was rolled back from, no hotfix ends\); it is not recorded/,
    );
    assert.doesNotMatch(result.stdout, /CAUTION/);
  });
});
