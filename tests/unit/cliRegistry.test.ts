/**
 * The command line with a real registry (issue #14): Debian's docker-registry on 127.0.0.1 serves
 * the seed fixture's image ghcr.io/data-literate/dex (the client maps ghcr.io to it, as a mirror
 * would), with images pushed by crane. promote pins the digest the registry confirms next to the
 * tag; a missing tag or a registry that is down refuses with nothing changed; a re-pushed tag
 * keeps the artifact the upstream runs; pin-digests migrates a stack file; discover finds the
 * newest build by semver order or creation time and takes it into dev.
 */
import { strict as assert } from "assert";
import { RegistryClient } from "../../adapters/registry";
import { Refused } from "../../cli/errors";
import { readApps } from "../../cli/stackText";
import { bumpFromRegistry } from "../../scripts/bump-tag";
import { tempProject, type TempProject } from "../support/gitRepo";
import { TestRegistry } from "../support/registry";

const REPO = "data-literate/dex";
const IMAGE = "ghcr.io/data-literate/dex";

function clientFor(registry: TestRegistry): RegistryClient {
  return new RegistryClient({
    endpoints: { "ghcr.io": `http://${registry.host}` },
    credentials: () => ({ kind: "anonymous" }),
    timeoutMs: 5000,
  });
}

/** What a branch's stack file pins for dex. */
function pinned(project: TempProject, branch: string, env: string) {
  return readApps(project.git("show", `${branch}:Pulumi.${env}.yaml`)).dex;
}

/** Nothing changed: on main, clean, no branch but main, the file as it was. */
function assertUnchanged(project: TempProject, file: string, before: string): void {
  assert.equal(project.git("rev-parse", "--abbrev-ref", "HEAD").trim(), "main");
  assert.equal(project.git("status", "--porcelain"), "");
  assert.equal(project.git("branch", "--format=%(refname:short)").trim(), "main");
  assert.equal(project.read(file), before);
}

describe("cli with a real registry", function () {
  this.timeout(120_000);
  let registry: TestRegistry;
  let project: TempProject;

  before(() => {
    registry = TestRegistry.start();
  });
  after(() => registry?.stop());
  beforeEach(() => {
    project = tempProject();
  });
  afterEach(() => project.cleanup());

  describe("promote", () => {
    it("pins the digest the registry serves for the tag, on the line below the tag", async () => {
      const digest = registry.push(REPO, "sha-5eed0a1b");
      const before = project.read("Pulumi.prod.yaml");
      const result = await project.cliAsync(["promote", "--from", "stage", "--to", "prod"], {
        registry: clientFor(registry),
      });
      assert.equal(result.code, 0, result.stderr);
      const branch = "promote-prod-sha-5eed0a1b";
      assert.deepEqual(pinned(project, branch, "prod"), {
        tag: "sha-5eed0a1b",
        digest,
        bypass: undefined,
      });
      const after = project.git("show", `${branch}:Pulumi.prod.yaml`);
      const lines = after.split("\n");
      const tagLine = lines.findIndex((l) => l === "      tag: sha-5eed0a1b");
      assert.equal(lines[tagLine + 1], `      digest: ${digest}`);
      assert.equal(lines.length, before.split("\n").length + 1, "one line more: the digest");
      const message = project.git("log", "-1", "--format=%B", branch);
      assert.match(message, new RegExp(`dex: sha-5eed0a1b@${digest}`));
      assert.equal(project.read("Pulumi.prod.yaml"), before, "main is untouched");
    });

    it("refuses a tag the registry does not have, naming its answer; nothing changes", async () => {
      project.commitTag("stage", "dex", "sha-0badc0de");
      const before = project.read("Pulumi.prod.yaml");
      const result = await project.cliAsync(["promote", "--from", "stage", "--to", "prod"], {
        registry: clientFor(registry),
      });
      assert.equal(result.code, 1);
      // The line before warns that stage's deployed state cannot be read here (no pulumi).
      assert.equal(
        result.stderr.split("\n").pop(),
        `Refused: the registry cannot confirm dex sha-0badc0de (${IMAGE}): ${IMAGE}:sha-0badc0de is not in the registry: ghcr.io answered HTTP 404 MANIFEST_UNKNOWN (manifest unknown); nothing was changed`,
      );
      assertUnchanged(project, "Pulumi.prod.yaml", before);
    });

    it("fails closed when the registry is down: nothing changes", async () => {
      const down = TestRegistry.start();
      const client = clientFor(down);
      down.stop();
      const before = project.read("Pulumi.prod.yaml");
      const result = await project.cliAsync(["promote", "--from", "stage", "--to", "prod"], {
        registry: client,
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr.split("\n").pop() ?? "",
        /^Refused: the registry cannot confirm dex sha-5eed0a1b \(ghcr\.io\/data-literate\/dex\): cannot reach the registry ghcr\.io \(http:\/\/127\.0\.0\.1:\d+\): ECONNREFUSED; the change fails closed: nothing was changed; run it again once the registry answers$/,
      );
      assertUnchanged(project, "Pulumi.prod.yaml", before);
    });

    it("keeps the artifact the upstream runs when the tag was re-pushed since", async () => {
      const stageRuns = registry.push(REPO, "sha-7e57a0b1");
      const repushed = registry.push(REPO, "sha-7e57a0b1");
      assert.notEqual(repushed, stageRuns);
      const stage = "Pulumi.stage.yaml";
      project.write(
        stage,
        project
          .read(stage)
          .replace(
            "      tag: sha-5eed0a1b\n",
            `      tag: sha-7e57a0b1\n      digest: ${stageRuns}\n`,
          ),
      );
      project.git("commit", "--quiet", "-am", "stage runs sha-7e57a0b1 by digest");
      const result = await project.cliAsync(["promote", "--from", "stage", "--to", "prod"], {
        registry: clientFor(registry),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(pinned(project, "promote-prod-sha-7e57a0b1", "prod").digest, stageRuns);
      assert.match(
        result.stderr,
        /note: dex: the registry's sha-7e57a0b1 now points at sha256:[0-9a-f]{12}…: the tag was re-pushed since stage pinned it; pinning the artifact stage runs/,
      );
    });

    it("pins the index digest of a multi-arch image", async () => {
      registry.push(REPO, "amd64-build", { platform: "linux/amd64" });
      registry.push(REPO, "arm64-build", { platform: "linux/arm64" });
      const index = registry.pushIndex(REPO, "v1.4.1", ["amd64-build", "arm64-build"]);
      const result = await project.cliAsync(
        ["hotfix", "--env", "prod", "--app", "dex", "--tag", "v1.4.1", "--reason", "CVE"],
        { registry: clientFor(registry) },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(pinned(project, "hotfix-prod-v1.4.1", "prod").digest, index);
    });
  });

  describe("rollback", () => {
    it("returns to the artifact the environment ran, not what the tag points at now", async () => {
      const ran = registry.push(REPO, "sha-5eed0c3d");
      const prod = "Pulumi.prod.yaml";
      project.write(
        prod,
        project
          .read(prod)
          .replace("      tag: sha-5eed0c3d\n", `      tag: sha-5eed0c3d\n      digest: ${ran}\n`),
      );
      project.git("commit", "--quiet", "-am", "prod runs sha-5eed0c3d by digest");
      const next = registry.push(REPO, "sha-5eed0a1b");
      project.write(
        prod,
        project
          .read(prod)
          .replace(
            `      tag: sha-5eed0c3d\n      digest: ${ran}\n`,
            `      tag: sha-5eed0a1b\n      digest: ${next}\n`,
          ),
      );
      project.git("commit", "--quiet", "-am", "chore: promote sha-5eed0a1b to prod");
      const repushed = registry.push(REPO, "sha-5eed0c3d");
      assert.notEqual(repushed, ran);
      const result = await project.cliAsync(
        ["rollback", "--env", "prod", "--reason", "logins fail"],
        {
          registry: clientFor(registry),
        },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(pinned(project, "rollback-prod-sha-5eed0c3d", "prod"), {
        tag: "sha-5eed0c3d",
        digest: ran,
        bypass: { kind: "rollback", tag: "sha-5eed0c3d", reason: "logins fail" },
      });
      assert.match(
        result.stderr,
        /note: dex: the registry's sha-5eed0c3d now points at sha256:[0-9a-f]{12}…: the tag was re-pushed since prod ran it; pinning the artifact prod ran/,
      );
    });
  });

  describe("pin-digests", () => {
    it("adds the registry's digest below each tag: the one-command migration", async () => {
      const digest = registry.push(REPO, "sha-5eed0c3d");
      const result = await project.cliAsync(["pin-digests", "--env", "prod"], {
        registry: clientFor(registry),
      });
      assert.equal(result.code, 0, result.stderr);
      const branch = "pin-digests-prod-sha-5eed0c3d";
      assert.deepEqual(pinned(project, branch, "prod"), {
        tag: "sha-5eed0c3d",
        digest,
        bypass: undefined,
      });
      assert.equal(
        project.git("log", "-1", "--format=%s", branch).trim(),
        "chore: pin the registry's digests of sha-5eed0c3d in prod",
      );
      assert.equal(
        project.git("diff", "--numstat", `main...${branch}`).trim(),
        "1\t0\tPulumi.prod.yaml",
      );
    });

    it("refuses to move a digest the stack file pins when the tag was re-pushed", async () => {
      const first = registry.push(REPO, "sha-5eed0c3d");
      const prod = "Pulumi.prod.yaml";
      project.write(
        prod,
        project
          .read(prod)
          .replace(
            "      tag: sha-5eed0c3d\n",
            `      tag: sha-5eed0c3d\n      digest: ${first}\n`,
          ),
      );
      project.git("commit", "--quiet", "-am", "prod pins its digest");
      const now = registry.push(REPO, "sha-5eed0c3d");
      const before = project.read(prod);
      const result = await project.cliAsync(["pin-digests", "--env", "prod"], {
        registry: clientFor(registry),
      });
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `Refused: Pulumi.prod.yaml pins dex sha-5eed0c3d@${first}, but the registry now serves sha-5eed0c3d as ${now}: the tag was re-pushed. pin-digests never moves a pinned digest; to run the new artifact, take it through the chain (npm run promote -- discover / promote), or hotfix it`,
      );
      assertUnchanged(project, prod, before);
    });
  });

  describe("discover", () => {
    it("takes the newest build by image creation time into dev, with its digest and record", async () => {
      // Pushed out of order: creation time decides, not push order or tag text.
      registry.push("data-literate/dex", "sha-0000000a", { created: "2026-05-03T00:00:00Z" });
      const newest = registry.push("data-literate/dex", "sha-ffffff01", {
        created: "2026-05-04T00:00:00Z",
      });
      registry.push("data-literate/dex", "sha-5eed0a1b", { created: "2026-05-01T00:00:00Z" });
      registry.push("data-literate/dex", "latest", { created: "2026-05-09T00:00:00Z" });
      const result = await project.cliAsync(["discover", "--env", "dev"], {
        registry: clientFor(registry),
      });
      assert.equal(result.code, 0, result.stderr);
      const branch = "build-dev-sha-ffffff01";
      assert.deepEqual(pinned(project, branch, "dev"), {
        tag: "sha-ffffff01",
        digest: newest,
        bypass: undefined,
      });
      const message = project.git("log", "-1", "--format=%B", branch);
      assert.match(message, /^chore: take the new build sha-ffffff01 into dev\n/);
      assert.match(message, /Record: kind build, from the registry\n/);
      assert.match(
        message,
        new RegExp(
          `dex: ${IMAGE}:sha-ffffff01@${newest} \\(newest by image creation time, 2026-05-04T00:00:00Z\\)`,
        ),
      );
    });

    it("refuses an environment that takes its tags from an upstream", async () => {
      const result = await project.cliAsync(["discover", "--env", "stage"], {
        registry: clientFor(registry),
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /discover takes new builds into the first environment, and stage takes its tags from dev/,
      );
    });

    it("watches: proposes a new build once, then waits for it to be merged", async () => {
      const semver = TestRegistry.start();
      try {
        const dev = "Pulumi.dev.yaml";
        project.write(
          dev,
          project.read(dev).replace("      tag: sha-5eed0a1b\n", "      tag: v1.2.0\n"),
        );
        project.git("commit", "--quiet", "-am", "dev runs v1.2.0");
        for (const tag of ["v1.2.0", "v1.10.0", "v1.9.3", "v2.0.0-rc.1"]) semver.push(REPO, tag);
        const sleeps: number[] = [];
        const result = await project.cliAsync(
          ["discover", "--env", "dev", "--watch", "5m", "--rounds", "2"],
          {
            registry: clientFor(semver),
            sleep: (ms) => {
              sleeps.push(ms);
              return Promise.resolve();
            },
          },
        );
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(sleeps, [300_000]);
        // Semver order: v1.10.0 beats v1.9.3; a prerelease is not taken by a release.
        assert.equal(pinned(project, "build-dev-v1.10.0", "dev").tag, "v1.10.0");
        assert.match(
          result.stdout,
          /Already proposed on build-dev-v1\.10\.0; waiting for it to be merged\./,
        );
        assert.equal(project.git("branch", "--list", "build-dev-*").trim().split("\n").length, 1);
      } finally {
        semver.stop();
      }
    });
  });

  describe("the dev bump (npm run bump)", () => {
    it("pins the tag with the digest the registry serves, below it", async () => {
      const digest = registry.push(REPO, "sha-0123abcd");
      const bumped = await bumpFromRegistry(
        project.dir,
        "dex",
        "sha-0123abcd",
        clientFor(registry),
      );
      assert.equal(bumped.changed, true);
      assert.deepEqual(readApps(project.read("Pulumi.dev.yaml")).dex, {
        tag: "sha-0123abcd",
        digest,
        bypass: undefined,
      });
    });

    it("refuses a tag the registry does not have, and a digest it does not serve; nothing changes", async () => {
      const before = project.read("Pulumi.dev.yaml");
      await assert.rejects(
        bumpFromRegistry(project.dir, "dex", "sha-99999999", clientFor(registry)),
        (error: Error) =>
          error instanceof Refused &&
          error.message ===
            `the registry cannot confirm dex sha-99999999 (${IMAGE}): ${IMAGE}:sha-99999999 is not in the registry: ghcr.io answered HTTP 404 MANIFEST_UNKNOWN (manifest unknown); nothing was changed`,
      );
      const served = registry.push(REPO, "sha-0123abce");
      const pushed = `sha256:${"0".repeat(64)}`;
      await assert.rejects(
        bumpFromRegistry(project.dir, "dex", "sha-0123abce", clientFor(registry), pushed),
        (error: Error) =>
          error instanceof Refused &&
          error.message ===
            `the build pushed ${IMAGE}:sha-0123abce as ${pushed}, but the registry serves ${served} for it: the tag was pushed again since; nothing was changed`,
      );
      assert.equal(project.read("Pulumi.dev.yaml"), before);
    });
  });
});
