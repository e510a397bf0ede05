/**
 * Verification after a promotion and the automatic rollback, on the test bed. dev pins its build by
 * digest, as every promote, rollback and hotfix now writes it, so its Application deploys
 * `image@sha256:...` and `promote verify` must pass on that (issue #20). The digest is the one a
 * real registry (tests/support/registry.ts, standing in for ghcr.io for the program and the
 * command line alike) serves for the tag, so whatever asks the registry to confirm it is answered. Then CI's build
 * sha-dead0000 reaches dev, whose pods never become ready (the test bed's kwok leaves that tag's
 * pods unready, like a build that never starts); `promote verify` gives up at its timeout and
 * prepares the rollback exactly as `promote rollback` does (issue #21): a branch pushed to origin
 * with the failure as its reason, the checked-out branch untouched, nothing deployed from here.
 * Once a reviewer merges it and the environment is deployed as CI would, dev runs the previous
 * digest again, recorded as a rollback, and verifies.
 */
import { strict as assert } from "assert";
import { RegistryClient } from "../../adapters/registry";
import { editStackText, readApps } from "../../cli/stackText";

import type { Testbed } from "../../harness/testbed";
import { testbed } from "./hooks";
import { ClusterProject } from "./support/clusterProject";
import { IMAGE, runsRef } from "./support/cluster";
import { TestRegistry } from "../support/registry";

const NEVER_READY = "sha-dead0000";
const ENDPOINTS = "PROMOTION_REGISTRY_ENDPOINTS";

describe("verification and automatic rollback on the test bed", function () {
  let bed: Testbed;
  let project: ClusterProject;
  let registry: TestRegistry;
  let client: RegistryClient;
  /** The registry's digest of the fixture's build, which dev pins (kwok pulls nothing). */
  let digest: string;
  const endpointsBefore = process.env[ENDPOINTS];

  before(function () {
    bed = testbed();
    registry = TestRegistry.start();
    // The program's own registry reads (the engine inherits this process's environment).
    process.env[ENDPOINTS] = `ghcr.io=http://${registry.host}`;
    client = new RegistryClient({
      endpoints: { "ghcr.io": `http://${registry.host}` },
      credentials: () => ({ kind: "anonymous" }),
      timeoutMs: 5000,
    });
    project = new ClusterProject(bed, {
      edit: (env, config) => {
        if (env !== "dev") return;
        const tag = String(config.getIn(["promotion:apps", "dex", "tag"]));
        digest = registry.push("data-literate/dex", tag);
        config.set("promotion:verification", { timeout: "60s" });
        config.setIn(["promotion:apps", "dex", "digest"], digest);
      },
    });
  });

  after(async function () {
    await project?.teardown(bed, ["dev"]);
    registry?.stop();
    if (endpointsBefore === undefined) delete process.env[ENDPOINTS];
    else process.env[ENDPOINTS] = endpointsBefore;
  });

  it("verifies dev on the fixture's build pinned by digest: the Application runs image@sha256:...", async function () {
    const tag = project.tag("dev");
    await project.up("dev");
    await runsRef(bed, "dev", `${IMAGE}@${digest}`);
    const verified = await project.cli(["verify", "--env", "dev", "--interval", "2s"]);
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
    assert.equal(
      verified.stdout.split("\n").pop(),
      `dev verified: dex ${tag}@${digest.slice(0, 19)}… Synced and Healthy.`,
    );
  });

  it("a build whose pods never become ready gets a rollback pull request, not a push or an up; merged and deployed, the previous digest runs again", async function () {
    const previous = project.tag("dev");
    // CI's new build, by tag alone: its pods are the ones kwok leaves unready.
    const file = "Pulumi.dev.yaml";
    project.repo.write(
      file,
      editStackText(project.repo.read(file), file, [
        { app: "dex", tag: NEVER_READY, digest: null },
      ]),
    );
    project.repo.git("commit", "--quiet", "-m", `ci: dev runs ${NEVER_READY}`, "--", file);
    project.repo.git("push", "--quiet", "origin", "main");
    await project.up("dev");
    const main = project.repo.git("rev-parse", "main").trim();

    const deployedBy: string[] = [];
    // As project.cli runs it, with the registry the rollback confirms its digest in.
    const deployed = await project.deployed();
    const result = await project.repo.cliAsync(["verify", "--env", "dev", "--interval", "3s"], {
      records: (stack) => deployed[stack],
      registry: client,
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
    // Nothing deployed from here, nothing pushed to main: dev still pins and runs the bad build.
    assert.deepEqual(deployedBy, []);
    assert.equal(project.repo.git("rev-parse", "--abbrev-ref", "HEAD").trim(), "main");
    assert.equal(project.repo.git("rev-parse", "main").trim(), main);
    assert.equal(project.repo.originGit("rev-parse", "main").trim(), main);
    assert.equal(project.tag("dev"), NEVER_READY);
    const branch = `rollback-dev-${previous}`;
    assert.equal(
      project.repo.originGit("rev-parse", `refs/heads/${branch}`).trim(),
      project.repo.git("rev-parse", branch).trim(),
      "the rollback branch is pushed",
    );
    assert.match(result.stdout, new RegExp(`from ${branch} into main`));
    // Confirmed in the registry and pinned by digest, as promote rollback does.
    const pinned = readApps(project.repo.git("show", `${branch}:Pulumi.dev.yaml`)).dex;
    assert.equal(pinned.digest, digest);

    // A reviewer merges it; CI's up deploys it.
    project.mergeNewBranch("rollback-dev-");
    project.repo.git("push", "--quiet", "origin", "main");
    assert.equal(project.tag("dev"), previous);
    await project.up("dev");
    await runsRef(bed, "dev", `${IMAGE}@${digest}`);

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
    const verified = await project.cli(["verify", "--env", "dev", "--interval", "2s"]);
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
  });
});
