/**
 * `verify` on a temporary copy of the seed fixture whose stage targets a cluster, with the live
 * Argo CD Applications injected: verified when Synced and Healthy on the pinned image, rolled back
 * by itself (pushed and deployed, or by pull request) when Degraded or still unready at the
 * timeout, with the failure as the rollback's recorded reason.
 */
import { strict as assert } from "assert";
import type { UpstreamApplication } from "../../rules/gate";
import { tempProject, type TempProject } from "../support/gitRepo";

const IMAGE = "ghcr.io/data-literate/dex";

function application(
  tag: string,
  sync: string,
  health: string,
  message?: string,
): UpstreamApplication {
  const images = [`${IMAGE}:${tag}`];
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
          "config:\n  promotion:kubeconfig: /nonexistent/kubeconfig\n  promotion:verification: { timeout: 2s, rollback: push }\n",
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

  it("rolls a Degraded environment back by itself: commit pushed, then up, the failure as the reason", async () => {
    const deployed: string[] = [];
    const result = await project.cliAsync(["verify", "--env", "stage"], {
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
    assert.deepEqual(deployed, ["stage"]);
    const text = project.read("Pulumi.stage.yaml");
    assert.match(text, /tag: sha-5eed0a1b/);
    assert.match(text, /kind: rollback/);
    assert.match(
      text,
      /reason: "?automatic rollback: verification failed: dex sha-abcdef12: dex-stage is Synced and Degraded/,
    );
    assert.equal(
      project.originGit("rev-parse", "main").trim(),
      project.git("rev-parse", "HEAD").trim(),
      "pushed",
    );
    assert.match(project.git("log", "-1", "--format=%s"), /roll back stage to sha-5eed0a1b/);
  });

  it("gives up waiting at the timeout and rolls back; --no-rollback only reports", async () => {
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
