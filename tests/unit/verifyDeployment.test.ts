/**
 * Verification's deployment verdict (rules/evidence/verify.ts deploymentState) against the image
 * reference the Application deploys: `image@sha256:...` once the stack file pins a digest (what
 * every promote, rollback and hotfix now write), `image:tag` otherwise. Issue #20: a healthy
 * environment pinned by digest was compared by its tag, called unready and rolled back.
 */
import { strict as assert } from "assert";
import { deploymentState, pinLabel, type PinnedImage } from "../../rules/evidence/verify";
import type { UpstreamApplication } from "../../rules/gate";

const IMAGE = "ghcr.io/data-literate/dex";
const DIGEST = `sha256:463913${"0a".repeat(29)}`;
const OTHER = `sha256:${"7f".repeat(32)}`;
const PINNED: PinnedImage = { image: IMAGE, tag: "sha-c1a5e0c3", digest: DIGEST };

/** An Application Argo CD has reconciled, Synced, with these images in its status summary. */
function application(images: string[], health = "Healthy", sync = "Synced"): UpstreamApplication {
  return {
    readable: true,
    name: "dex-stage",
    desiredImages: images,
    status: {
      sync: { status: sync, comparedTo: { source: { kustomize: { images } } } },
      health: { status: health },
      summary: { images },
    },
  } as UpstreamApplication;
}

describe("verify: the deployment verdict on the pinned artifact", () => {
  it("is ready when the Application runs the pinned digest (image@sha256:...)", () => {
    assert.deepEqual(deploymentState(application([`${IMAGE}@${DIGEST}`]), PINNED), {
      state: "ready",
    });
  });

  it("is ready on image:tag@sha256:..., the same digest written with its tag", () => {
    assert.deepEqual(deploymentState(application([`${IMAGE}:sha-c1a5e0c3@${DIGEST}`]), PINNED), {
      state: "ready",
    });
  });

  it("waits while a digest-pinned app runs another digest, naming the one pinned", () => {
    const verdict = deploymentState(application([`${IMAGE}@${OTHER}`]), PINNED);
    assert.deepEqual(verdict, {
      state: "waiting",
      why: `dex-stage is Synced and Healthy and runs ${IMAGE}@${OTHER}, not ${IMAGE}@${DIGEST}`,
    });
  });

  it("waits while a digest-pinned app still runs the tag alone (not yet the pinned artifact)", () => {
    const verdict = deploymentState(application([`${IMAGE}:sha-c1a5e0c3`]), PINNED);
    assert.equal(verdict.state, "waiting");
  });

  it("compares image:tag when no digest is pinned, and a digest tag as image@sha256:...", () => {
    const tagOnly: PinnedImage = { image: IMAGE, tag: "sha-c1a5e0c3" };
    assert.deepEqual(deploymentState(application([`${IMAGE}:sha-c1a5e0c3`]), tagOnly), {
      state: "ready",
    });
    assert.equal(deploymentState(application([`${IMAGE}@${DIGEST}`]), tagOnly).state, "waiting");
    const digestTag: PinnedImage = { image: IMAGE, tag: `@${DIGEST}` };
    assert.deepEqual(deploymentState(application([`${IMAGE}@${DIGEST}`]), digestTag), {
      state: "ready",
    });
  });

  it("fails at once when Degraded, even on the pinned digest", () => {
    const verdict = deploymentState(application([`${IMAGE}@${DIGEST}`], "Degraded"), PINNED);
    assert.equal(verdict.state, "failed");
  });

  it("names a pin as tag@short digest in messages, the tag alone without one", () => {
    assert.equal(pinLabel(PINNED), "sha-c1a5e0c3@sha256:4639130a0a0a…");
    assert.equal(pinLabel({ image: IMAGE, tag: "sha-c1a5e0c3" }), "sha-c1a5e0c3");
  });
});
