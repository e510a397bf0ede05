/**
 * Verification after a promotion and the automatic rollback, on the test bed: CI's build
 * sha-dead0000 reaches dev, whose pods never become ready (the test bed's kwok leaves that tag's
 * pods unready, like a build that never starts); `promote verify` gives up at its timeout, commits
 * and pushes the rollback with the failure as its reason and runs `up`, and dev runs the previous
 * image again, recorded as a rollback.
 */
import { strict as assert } from "assert";
import { testbed } from "./hooks";
import { ClusterProject } from "./support/clusterProject";
import { runs } from "./support/cluster";
import type { Testbed } from "../../harness/testbed";

const NEVER_READY = "sha-dead0000";

describe("verification and automatic rollback on the test bed", function () {
  let bed: Testbed;
  let project: ClusterProject;

  before(function () {
    bed = testbed();
    project = new ClusterProject(bed, {
      edit: (env, config) => {
        if (env === "dev")
          config.set("promotion:verification", { timeout: "60s", rollback: "push" });
      },
    });
  });

  after(async function () {
    await project?.teardown(bed, ["dev"]);
  });

  it("verifies dev on the fixture's build", async function () {
    const tag = project.tag("dev");
    await project.up("dev");
    await runs(bed, "dev", tag);
    const verified = await project.cli(["verify", "--env", "dev", "--interval", "2s"]);
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
    assert.match(
      verified.stdout,
      new RegExp(`^dev verified: dex ${tag} Synced and Healthy\\.$`, "m"),
    );
  });

  it("a build whose pods never become ready is rolled back by itself, and the previous image runs again", async function () {
    const previous = project.tag("dev");
    project.repo.commitTag("dev", "dex", NEVER_READY);
    project.repo.git("push", "--quiet", "origin", "main");
    await project.up("dev");

    const deployedBy: string[] = [];
    const result = await project.cli(["verify", "--env", "dev", "--interval", "3s"], {
      up: async (env) => {
        deployedBy.push(env);
        await project.up(env);
      },
    });
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      new RegExp(
        `verify: dev failed verification: not Synced and Healthy on the pinned images within 60s: dex ${NEVER_READY}: dex-dev is Synced and Progressing`,
      ),
    );
    assert.deepEqual(deployedBy, ["dev"]);
    assert.equal(project.tag("dev"), previous);
    assert.equal(
      project.repo.originGit("rev-parse", "main").trim(),
      project.repo.git("rev-parse", "HEAD").trim(),
    );
    await runs(bed, "dev", previous);

    const records = (await project.outputs("dev")).promotionRecords as Record<
      string,
      { kind: string; tag: string; reason?: string }[]
    >;
    assert.equal(records.dex[0].kind, "rollback");
    assert.equal(records.dex[0].tag, previous);
    assert.match(
      records.dex[0].reason ?? "",
      /^automatic rollback: verification failed: not Synced and Healthy/,
    );
  });
});
