/**
 * Digests in the real program under mocks (issue #14): the stack file's `digest` goes into the
 * Application's kustomize images (by digest) and the outputs, the gate refuses a re-pushed tag
 * before any resource, a bad digest is a configuration problem, and a stack file without digests
 * keeps working. Runs the frozen seed fixture with overrides.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { SEED } from "../fixtures";
import { ProgramFailed, ofType, runIn, type RunOptions } from "../../harness/program";
import { appsOutput } from "../support/promotionProject";
import { appsWith } from "../support/refusal";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";
const IMAGE = "ghcr.io/data-literate/dex";
const STAGE_DIGEST = `sha256:41${"0".repeat(62)}`;
const REPUSHED = `sha256:9f${"1".repeat(62)}`;
const PROD_TAG = SEED.tags.prod;

/** prod ran sha-11111111; stage runs prod's pinned tag as STAGE_DIGEST. */
function outputs(): RunOptions["stackOutputs"] {
  const stageApps = appsOutput("stage", PROD_TAG);
  return {
    stage: { apps: { dex: { ...stageApps.dex, digest: STAGE_DIGEST } } },
    prod: {
      apps: appsOutput("prod", "sha-11111111"),
      promotionRecords: {
        dex: [
          {
            tag: "sha-11111111",
            from: "stage",
            at: "2026-01-01T00:00:00Z",
            by: "a",
            kind: "promotion",
          },
        ],
      },
    },
  };
}

const prodWithDigest = (digest: string) => ({
  "promotion:apps": appsWith("prod", (dex) => {
    dex.digest = digest;
  }),
});

describe("digests in the program", () => {
  it("deploys by the pinned digest, records it and exports it", async () => {
    const run = await runIn(SEED.dir, "prod", prodWithDigest(STAGE_DIGEST), {
      stackOutputs: outputs(),
    });
    const [application] = ofType(run, APPLICATION);
    assert.deepEqual(application.inputs.spec.source.kustomize.images, [`${IMAGE}@${STAGE_DIGEST}`]);
    const apps = run.outputs.apps as Record<string, { tag: string; digest?: string }>;
    assert.equal(apps.dex.tag, PROD_TAG);
    assert.equal(apps.dex.digest, STAGE_DIGEST);
    const records = run.outputs.promotionRecords as Record<
      string,
      { tag: string; digest?: string; kind: string }[]
    >;
    assert.deepEqual(
      { tag: records.dex[0].tag, digest: records.dex[0].digest, kind: records.dex[0].kind },
      { tag: PROD_TAG, digest: STAGE_DIGEST, kind: "promotion" },
    );
  });

  it("refuses a re-pushed tag before declaring anything", async () => {
    const failure = await runIn(SEED.dir, "prod", prodWithDigest(REPUSHED), {
      stackOutputs: outputs(),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ProgramFailed, "the program should have failed");
    assert.ok(failure.cause instanceof pulumi.RunError);
    assert.match(
      failure.message,
      new RegExp(
        `promotion:apps\\.dex\\.tag = "${PROD_TAG}"; refused: prod cannot take ${PROD_TAG}@sha256:9f1111111111…: stage runs it as sha256:410000000000…; the tag was re-pushed`,
      ),
    );
    assert.deepEqual(
      failure.resources.filter((r) => r.type === APPLICATION),
      [],
    );
  });

  it("keeps a stack file without digests working: by tag, no digest in the outputs", async () => {
    const run = await runIn(SEED.dir, "prod", {}, { stackOutputs: outputs() });
    const [application] = ofType(run, APPLICATION);
    assert.deepEqual(application.inputs.spec.source.kustomize.images, [`${IMAGE}:${PROD_TAG}`]);
    const apps = run.outputs.apps as Record<string, Record<string, unknown>>;
    assert.equal("digest" in apps.dex, false);
  });

  it("refuses a digest that is not sha256:<64 hex>, naming the key and what is accepted", async () => {
    const failure = await runIn(SEED.dir, "prod", prodWithDigest("sha256:abc"), {
      stackOutputs: outputs(),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof Error);
    assert.match(
      failure.message,
      /stack "prod": promotion:apps\.dex\.digest = "sha256:abc"; accepted: a manifest digest sha256:<64 lowercase hex>, as the registry reports it/,
    );
  });
});
