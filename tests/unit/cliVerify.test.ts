/**
 * `verify` on a temporary copy of the seed fixture whose stage targets a cluster, with the live
 * Argo CD Applications injected: verified when Synced and Healthy on the pinned artifact (by digest
 * when one is pinned); when Degraded or still unready at the timeout, the rollback is prepared as
 * `promote rollback` prepares one (a branch and a pull request, the failure as its reason), never
 * committed to the checked-out branch nor deployed from here.
 */
import { strict as assert } from "assert";
import type { CliIo } from "../../cli/io";
import { readApps } from "../../cli/stackText";
import type { UpstreamApplication } from "../../rules/gate";
import { tempProject, type TempProject } from "../support/gitRepo";

const IMAGE = "ghcr.io/data-literate/dex";
const DIGEST = `sha256:463913${"0a".repeat(29)}`;
const ROLLBACK_BRANCH = "rollback-stage-sha-5eed0a1b";
/** What the stand-in registry serves for the tag the rollback goes back to. */
const ROLLBACK_DIGEST = `sha256:${"5e".repeat(32)}`;

/** A registry that has only the rollback's tag: what promote rollback asks before any step. */
const registry = {
  resolve: (image: string, tag: string) =>
    image === IMAGE && tag === "sha-5eed0a1b"
      ? Promise.resolve({ digest: ROLLBACK_DIGEST, mediaType: "x", index: false })
      : Promise.reject(new Error(`unexpected resolve ${image} ${tag}`)),
} as unknown as NonNullable<CliIo["registry"]>;

/** `ref`: the image reference the Application runs (default image:tag). */
function application(
  tag: string,
  sync: string,
  health: string,
  message?: string,
  ref = `${IMAGE}:${tag}`,
): UpstreamApplication {
  const images = [ref];
  return {
    readable: true,
    name: "dex-stage",
    desiredImages: images,
    status: {
      sync: { status: sync, comparedTo: { source: { kustomize: { images } } } },
      health: { status: health, ...(message ? { message } : {}) },
      summary: { images },
    },
  } as UpstreamApplication;
}

describe("cli: verify after an up, and the automatic rollback", () => {
  let project: TempProject;
  const live = (app: UpstreamApplication) => () => Promise.resolve(new Map([["stage/dex", app]]));

  beforeEach(() => {
    project = tempProject();
    const file = "Pulumi.stage.yaml";
    project.write(
      file,
      project
        .read(file)
        .replace(
          /^config:\n/m,
          "config:\n  promotion:kubeconfig: /nonexistent/kubeconfig\n  promotion:verification: { timeout: 2s }\n",
        ),
    );
    project.git("commit", "--quiet", "-am", "stage targets a cluster");
    project.commitTag("stage", "dex", "sha-abcdef12", "chore: promote sha-abcdef12 to stage");
    project.git("push", "--quiet", "origin", "main");
  });
  afterEach(() => project.cleanup());

  it("verifies an environment Synced and Healthy on its pinned image, changing nothing", async () => {
    const result = await project.cliAsync(["verify", "--env", "stage"], {
      live: live(application("sha-abcdef12", "Synced", "Healthy")),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^stage verified: dex sha-abcdef12 Synced and Healthy\.$/m);
    assert.match(project.read("Pulumi.stage.yaml"), /tag: sha-abcdef12/);
  });

  it("verifies a digest-pinned app Synced and Healthy on image@sha256:..., as Argo CD deploys it", async () => {
    const file = "Pulumi.stage.yaml";
    project.write(
      file,
      project.read(file).replace(/^( +)tag: sha-abcdef12\n/m, `$&$1digest: ${DIGEST}\n`),
    );
    project.git("commit", "--quiet", "-am", "pin stage's digest");
    const result = await project.cliAsync(["verify", "--env", "stage"], {
      live: live(application("sha-abcdef12", "Synced", "Healthy", undefined, `${IMAGE}@${DIGEST}`)),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^stage verified: dex sha-abcdef12@sha256:4639130a0a0a… Synced and Healthy\.$/m,
    );
    assert.equal(project.git("branch", "--list", "rollback-*"), "");
  });

  it("prepares a Degraded environment's rollback as promote rollback does: a branch and a PR, never the checked-out branch, never an up", async () => {
    const deployed: string[] = [];
    const main = project.git("rev-parse", "main").trim();
    const result = await project.cliAsync(["verify", "--env", "stage"], {
      gh: true,
      registry,
      live: live(
        application(
          "sha-abcdef12",
          "Synced",
          "Degraded",
          "Deployment dex exceeded its progress deadline",
        ),
      ),
      up: (env) => {
        deployed.push(env);
        return Promise.resolve();
      },
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /verify: stage failed verification: dex sha-abcdef12: dex-stage is Synced and Degraded and runs .*:sha-abcdef12 \(Deployment dex exceeded its progress deadline\)/,
    );
    assert.deepEqual(deployed, [], "no up from the working tree");
    // The checked-out branch, here and on origin, is untouched; the working tree is back on it.
    assert.equal(project.git("rev-parse", "--abbrev-ref", "HEAD").trim(), "main");
    assert.equal(project.git("rev-parse", "main").trim(), main);
    assert.equal(project.originGit("rev-parse", "main").trim(), main);
    assert.match(project.read("Pulumi.stage.yaml"), /tag: sha-abcdef12/);
    // The rollback: on its own branch, pushed, with the failure as its reason, and a PR into main.
    assert.equal(
      project.originGit("rev-parse", `refs/heads/${ROLLBACK_BRANCH}`).trim(),
      project.git("rev-parse", ROLLBACK_BRANCH).trim(),
    );
    assert.equal(
      project.git("diff", "--name-only", `main...${ROLLBACK_BRANCH}`).trim(),
      "Pulumi.stage.yaml",
    );
    const dex = readApps(project.git("show", `${ROLLBACK_BRANCH}:Pulumi.stage.yaml`)).dex;
    assert.equal(dex.tag, "sha-5eed0a1b");
    // Confirmed in the registry and pinned by digest, as promote rollback does before any step.
    assert.equal(dex.digest, ROLLBACK_DIGEST);
    assert.equal(dex.bypass?.kind, "rollback");
    assert.match(
      dex.bypass?.reason ?? "",
      /^automatic rollback: verification failed: dex sha-abcdef12: dex-stage is Synced and Degraded/,
    );
    assert.match(
      project.git("log", "-1", "--format=%s", ROLLBACK_BRANCH),
      /roll back stage to sha-5eed0a1b/,
    );
    const pr = project.ghCalls.find((call) => call.args[0] === "pr");
    assert.ok(pr, "a pull request was opened");
    assert.deepEqual(pr.args.slice(pr.args.indexOf("--base"), pr.args.indexOf("--base") + 2), [
      "--base",
      "main",
    ]);
    assert.deepEqual(pr.args.slice(pr.args.indexOf("--head"), pr.args.indexOf("--head") + 2), [
      "--head",
      ROLLBACK_BRANCH,
    ]);
  });

  it("prepares no rollback from a dirty working tree, and says how to roll back by hand", async () => {
    project.write("Pulumi.prod.yaml", `${project.read("Pulumi.prod.yaml")}# an edit in progress\n`);
    const result = await project.cliAsync(["verify", "--env", "stage"], {
      live: live(application("sha-abcdef12", "Synced", "Degraded")),
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /stage failed verification/);
    assert.match(
      result.stderr,
      /verify: no rollback was prepared; roll stage back by hand: npm run promote -- rollback --env stage --reason /,
    );
    assert.equal(project.git("branch", "--list", "rollback-*"), "");
    assert.match(project.read("Pulumi.stage.yaml"), /tag: sha-abcdef12/);
  });

  it("refuses promotion:verification.rollback: push before reading anything, naming the key, the value and what is accepted", async () => {
    const file = "Pulumi.stage.yaml";
    project.write(
      file,
      project.read(file).replace("{ timeout: 2s }", "{ timeout: 2s, rollback: push }"),
    );
    project.git("commit", "--quiet", "-am", "stage: rollback push");
    let read = false;
    for (const extra of [[], ["--no-rollback"]]) {
      const result = await project.cliAsync(["verify", "--env", "stage", ...extra], {
        live: () => {
          read = true;
          return Promise.resolve(new Map());
        },
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^Refused: stage \(Pulumi\.stage\.yaml\): promotion:verification\.rollback is "push", .*; accepted: pr \(the default, or leave the key out\)/,
      );
    }
    assert.equal(read, false, "refused before waiting");
    assert.equal(project.git("branch", "--list", "rollback-*"), "");
  });

  it("gives up waiting at the timeout; --no-rollback only reports, changing nothing", async () => {
    const waiting = live(application("sha-abcdef12", "Synced", "Progressing"));
    const reported = await project.cliAsync(
      ["verify", "--env", "stage", "--interval", "1s", "--no-rollback"],
      { live: waiting },
    );
    assert.equal(reported.code, 1);
    assert.match(
      reported.stderr,
      /not Synced and Healthy on the pinned images within 2s: dex sha-abcdef12: dex-stage is Synced and Progressing/,
    );
    assert.match(project.read("Pulumi.stage.yaml"), /tag: sha-abcdef12/);
  });

  it("refuses an environment that renders manifests: there is nothing live to verify", async () => {
    const result = await project.cliAsync(["verify", "--env", "dev"], {});
    assert.equal(result.code, 1);
    assert.match(result.stderr, /dev renders manifests to .*: there is no cluster to verify/);
  });
});
