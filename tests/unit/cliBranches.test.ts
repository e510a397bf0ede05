/**
 * The command line on a branch-per-environment repository: seed 003 (examples/flux: dev, staging
 * and prod each fed from its own branch) and seed 001 (dev from `dev`, stage and prod from `main`).
 * Each stack file is read from the branch that feeds its environment, whatever is checked out; a
 * promotion branches from the target's branch and its pull request goes into it; `sync` opens the
 * merge-back pull requests after prod.
 */
import { strict as assert } from "assert";
import { FLUX_EXAMPLE } from "../fixtures";
import { tempProject, type TempProject } from "../support/gitRepo";

const NEW = "sha-0031ee01";
const OLD = FLUX_EXAMPLE.tag;

/** The tag a stack file pins at a ref. */
function tagAt(project: TempProject, ref: string, env: string): string | undefined {
  const text = project.git("show", `${ref}:Pulumi.${env}.yaml`);
  return /^\s*tag:\s*(\S+)/m.exec(text)?.[1];
}

describe("cli: branch per environment (seed 003, examples/flux)", () => {
  let project: TempProject;
  beforeEach(() => {
    project = tempProject({ fixture: FLUX_EXAMPLE.dir });
    for (const branch of ["dev", "staging", "prod"]) {
      project.git("branch", branch, "main");
      project.git("push", "--quiet", "origin", branch);
    }
    // CI's build reaches dev on the dev branch only.
    project.git("checkout", "--quiet", "dev");
    project.commitTag("dev", "myapp", NEW);
    project.git("push", "--quiet", "origin", "dev");
    project.git("checkout", "--quiet", "main");
    project.git("fetch", "--quiet", "origin");
  });
  afterEach(() => project.cleanup());

  it("status reads each environment's stack file from its own branch", () => {
    const result = project.cli(["status", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout).rows as { environment: string; tag: string }[];
    assert.deepEqual(
      rows.map((r) => [r.environment, r.tag]),
      [
        ["dev", NEW],
        ["staging", OLD],
        ["prod", OLD],
      ],
    );
  });

  it("promote takes dev's tag from the dev branch and opens the PR into staging, from staging", () => {
    const before = project.read("Pulumi.staging.yaml");
    const result = project.cli(["promote", "--from", "dev", "--to", "staging"], { gh: true });
    assert.equal(result.code, 0, result.stderr);
    const branch = `promote-staging-${NEW}`;
    const args = project.ghCalls[0].args;
    assert.deepEqual(args.slice(args.indexOf("--base"), args.indexOf("--base") + 2), [
      "--base",
      "staging",
    ]);
    assert.equal(tagAt(project, `origin/${branch}`, "staging"), NEW);
    // Branched from staging: its only commit on top of staging is the promotion.
    assert.equal(
      project.git("rev-parse", `origin/${branch}~1`),
      project.git("rev-parse", "origin/staging"),
    );
    assert.deepEqual(
      project.git("diff", "--name-only", "origin/staging", `origin/${branch}`).trim().split("\n"),
      ["Pulumi.staging.yaml"],
    );
    assert.match(result.stdout, /Back on main\.$/);
    assert.equal(project.read("Pulumi.staging.yaml"), before, "the checkout is untouched");
  });

  it("a dry run shows the diff against staging's own file and changes nothing", () => {
    const result = project.cli(["promote", "--from", "dev", "--to", "staging", "--dry-run"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /create promote-staging-sha-0031ee01 from origin\/staging/);
    assert.match(result.stdout, /-\s+tag: sha-003a1b2c\n\+\s+tag: sha-0031ee01/);
    assert.equal(project.git("status", "--porcelain"), "");
  });

  it("sync opens a merge-back PR from prod into each branch that lacks it", () => {
    let result = project.cli(["sync"], { gh: true });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(project.ghCalls.length, 0, "prod is in staging, and dev has prod's commits");
    assert.match(result.stdout, /staging already contains prod: nothing to sync\./);

    // A promotion merged into prod.
    project.git("checkout", "--quiet", "prod");
    project.commitTag("prod", "myapp", NEW, `chore: promote ${NEW} to prod`);
    project.git("push", "--quiet", "origin", "prod");
    project.git("checkout", "--quiet", "main");
    project.git("fetch", "--quiet", "origin");
    result = project.cli(["sync"], { gh: true });
    assert.equal(result.code, 0, result.stderr);
    const prs = project.ghCalls.map((c) => {
      const at = (flag: string) => c.args[c.args.indexOf(flag) + 1];
      return [at("--head"), at("--base")];
    });
    assert.deepEqual(prs, [
      ["prod", "dev"],
      ["prod", "staging"],
    ]);
    assert.match(project.ghCalls[0].input ?? "", new RegExp(`chore: promote ${NEW} to prod`));
  });
});

describe("cli: seed 001's layout (dev from dev, stage and prod from main)", () => {
  let project: TempProject;
  beforeEach(() => {
    project = tempProject();
    // dev is fed from its own branch; stage and prod share main (the seed fixture's sharedBranches).
    project.write(
      "Pulumi.dev.yaml",
      project.read("Pulumi.dev.yaml").replace(/\n {4}branch: main\n/, "\n    branch: dev\n"),
    );
    project.git("commit", "--quiet", "-am", "dev is fed from the dev branch");
    project.git("push", "--quiet", "origin", "main");
    project.git("branch", "dev", "main");
    project.git("checkout", "--quiet", "dev");
    project.commitTag("dev", "dex", NEW);
    project.git("push", "--quiet", "origin", "dev");
    project.git("fetch", "--quiet", "origin");
  });
  afterEach(() => project.cleanup());

  it("promote from dev (checked out) to stage opens the PR into main, from main", () => {
    const result = project.cli(["promote", "--from", "dev", "--to", "stage"], { gh: true });
    assert.equal(result.code, 0, result.stderr);
    const args = project.ghCalls[0].args;
    assert.equal(args[args.indexOf("--base") + 1], "main");
    assert.equal(tagAt(project, `origin/promote-stage-${NEW}`, "stage"), NEW);
    assert.equal(
      project.git("rev-parse", `origin/promote-stage-${NEW}~1`),
      project.git("rev-parse", "origin/main"),
    );
    assert.match(result.stdout, /Back on dev\.$/);
  });

  it("sync after prod merges main back into dev only: stage shares prod's branch", () => {
    let result = project.cli(["sync"], { gh: true });
    assert.match(result.stdout, /^dev already contains main: nothing to sync\.$/);
    // A promotion to prod merged into main.
    project.git("checkout", "--quiet", "main");
    project.commitTag("prod", "dex", NEW, `chore: promote ${NEW} to prod`);
    project.git("push", "--quiet", "origin", "main");
    project.git("checkout", "--quiet", "dev");
    project.git("fetch", "--quiet", "origin");
    result = project.cli(["sync", "--dry-run"], { gh: true });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(project.ghCalls.length, 0);
    assert.match(result.stdout, /Open the pull request \(dry run\), from main into dev:/);
    assert.doesNotMatch(result.stdout, /into stage|into main/);
  });
});
