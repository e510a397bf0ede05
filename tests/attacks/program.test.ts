/**
 * The attack suite (`npm run test:attacks`, docs/security.md): every way past the gate that was
 * found, tried as a writer of the repository would, through stack files alone, on the real program
 * under mocks. Each must be refused before anything is declared. The fixture is the frozen seed
 * chain (tests/fixtures/seed): stage runs STAGE_TAG, prod ran PROD_TAG.
 */
import { strict as assert } from "assert";
import { SEED } from "../fixtures";
import { runIn, type RunOptions } from "../../harness/program";
import { appsOutput, removeTempProjects, tempProject } from "../support/promotionProject";
import { appsWith, expectGateRefusal } from "../support/refusal";

const STAGE_TAG = SEED.tags.stage;
const PROD_TAG = SEED.tags.prod;
/** A build nobody reviewed: never in dev or stage. */
const EVIL_TAG = "sha-0badc0de";
const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;

const record = (tag: string, digest?: string) => ({
  tag,
  ...(digest ? { digest } : {}),
  from: "stage",
  at: "2026-01-01T00:00:00.000Z",
  by: "someone",
  kind: "promotion",
});

/** stage runs `stageTag`; prod ran PROD_TAG (unless `prodLost`: its state is gone). */
function outputs(stageTag = STAGE_TAG, prodLost = false): RunOptions["stackOutputs"] {
  return {
    stage: { apps: appsOutput("stage", stageTag) },
    ...(prodLost
      ? {}
      : {
          prod: {
            apps: appsOutput("prod", PROD_TAG, "dex"),
            promotionRecords: { dex: [record(PROD_TAG)] },
          },
        }),
  };
}

const prodApps = (change: (dex: Record<string, any>) => void) => appsWith("prod", change);

describe("attacks: ways past the gate, through stack files alone", function () {
  this.timeout(120_000);
  const endpoints = process.env.PROMOTION_REGISTRY_ENDPOINTS;
  before(() => {
    // A registry that cannot answer: the gate must fail closed, never pass on silence.
    process.env.PROMOTION_REGISTRY_ENDPOINTS = "ghcr.io=http://127.0.0.1:9";
  });
  after(() => {
    if (endpoints === undefined) delete process.env.PROMOTION_REGISTRY_ENDPOINTS;
    else process.env.PROMOTION_REGISTRY_ENDPOINTS = endpoints;
    removeTempProjects();
  });

  it("1. a first deployment (no state: new stack, lost state, stack rm + init) of a tag stage never ran", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          { "promotion:apps": prodApps((dex) => (dex.tag = EVIL_TAG)) },
          { stackOutputs: outputs(STAGE_TAG, true) },
        ),
      "prod",
      ["promotion:apps.dex.tag", EVIL_TAG, `stage runs ${STAGE_TAG}`, "first deployment of prod"],
    );
  });

  it("1b. a first deployment with an initial bypass written for another tag", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = EVIL_TAG;
              dex.bypass = { kind: "initial", tag: PROD_TAG, reason: "new cluster" };
            }),
          },
          { stackOutputs: outputs(STAGE_TAG, true) },
        ),
      "prod",
      ["promotion:apps.dex.bypass.tag", `written for ${PROD_TAG}, not for ${EVIL_TAG}`],
    );
  });

  it("1c. an initial bypass on a stack that has been deployed", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = EVIL_TAG;
              dex.bypass = { kind: "initial", tag: EVIL_TAG, reason: "just this once" };
            }),
          },
          { stackOutputs: outputs() },
        ),
      "prod",
      ["promotion:apps.dex.tag", "has been deployed before"],
    );
  });

  it("2. a digest added under the tag prod already runs (other bytes, no record)", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          { "promotion:apps": prodApps((dex) => (dex.digest = DIGEST("e"))) },
          { stackOutputs: outputs() },
        ),
      "prod",
      ["promotion:apps.dex.tag", "the registry cannot confirm it is the tag's digest"],
    );
  });

  it("2b. a digest other than the one stage ran the tag as", async () => {
    const stageRan = outputs(STAGE_TAG);
    stageRan!.stage.promotionRecords = { dex: [record(PROD_TAG, DIGEST("a"))] };
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          { "promotion:apps": prodApps((dex) => (dex.digest = DIGEST("e"))) },
          { stackOutputs: stageRan },
        ),
      "prod",
      ["promotion:apps.dex.tag", `stage runs ${PROD_TAG} as sha256:aaaaaaa`],
    );
  });

  it("2c. a promotion whose tag moved while the old digest stayed (tag and digest disagree)", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = STAGE_TAG;
              dex.digest = DIGEST("c");
            }),
          },
          { stackOutputs: outputs() },
        ),
      "prod",
      ["promotion:apps.dex.tag", STAGE_TAG, "the registry cannot confirm"],
    );
  });

  it("3. a hotfix bypass left in the file after its tag, covering a later tag", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = EVIL_TAG;
              dex.bypass = { kind: "hotfix", tag: "v20260101-abc1234", reason: "CVE" };
            }),
          },
          { stackOutputs: outputs() },
        ),
      "prod",
      ["promotion:apps.dex.bypass.tag", "remove promotion:apps.dex.bypass"],
    );
  });

  it("3b. a bypass that names no tag (written before bypasses named theirs)", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = EVIL_TAG;
              dex.bypass = { kind: "hotfix", reason: "CVE" };
            }),
          },
          { stackOutputs: outputs() },
        ),
      "prod",
      ["promotion:apps.dex.bypass.tag", "(not set)"],
    );
  });

  it("3c. a rollback to a tag prod ran, with other bytes than it ran", async () => {
    const ran = outputs();
    ran!.prod.promotionRecords = {
      dex: [record(PROD_TAG), record("sha-11111111", DIGEST("1"))],
    };
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = "sha-11111111";
              dex.digest = DIGEST("e");
              dex.bypass = { kind: "rollback", tag: "sha-11111111", reason: "broken" };
            }),
          },
          { stackOutputs: ran },
        ),
      "prod",
      ["promotion:apps.dex.tag", "prod ran sha-11111111 as sha256:1111111"],
    );
  });

  it("4. an overrideRules reason left for an earlier tag", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = STAGE_TAG;
              dex.overrideRules = { tag: PROD_TAG, reason: "flaky e2e" };
            }),
          },
          { stackOutputs: outputs() },
        ),
      "prod",
      ["promotion:apps.dex.overrideRules.tag", `written for ${PROD_TAG}, not for ${STAGE_TAG}`],
    );
  });

  it("4b. an overrideRules reason that names no tag", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodApps((dex) => {
              dex.tag = STAGE_TAG;
              dex.overrideRules = "flaky e2e";
            }),
          },
          { stackOutputs: outputs() },
        ),
      "prod",
      ["promotion:apps.dex.overrideRules", "{ tag: <the app's tag>, reason: <why> }"],
    );
  });

  describe("health and soak time when the upstream cannot be read (cluster mode)", () => {
    it("5. stage's kubeconfig is a secret value: prod's 24h soak is not skipped, it is refused", async () => {
      const dir = tempProject((stacks) => {
        stacks.prod["promotion:kubeContext"] = "kind-dex";
        stacks.stage["promotion:kubeconfig"] = { secure: "v1:c2VjcmV0:AAAA" };
      });
      await expectGateRefusal(
        () =>
          runIn(
            dir,
            "prod",
            { "promotion:apps": appsWith("prod", (dex) => (dex.tag = STAGE_TAG), dir) },
            { stackOutputs: outputs() },
          ),
        "prod",
        ["promotion:apps.dex.tag", "stage's live state cannot be read", "unreadableUpstream"],
      );
    });

    it("5b. stage renders manifests (no cluster): refused, not 'not checked'", async () => {
      const dir = tempProject((stacks) => {
        stacks.prod["promotion:kubeContext"] = "kind-dex";
      });
      await expectGateRefusal(
        () =>
          runIn(
            dir,
            "prod",
            { "promotion:apps": appsWith("prod", (dex) => (dex.tag = STAGE_TAG), dir) },
            { stackOutputs: outputs() },
          ),
        "prod",
        ["promotion:apps.dex.tag", "stage renders manifests", "cannot be read"],
      );
    });

    it("5c. the opt-out is explicit and recorded with the promotion", async () => {
      const dir = tempProject((stacks) => {
        stacks.prod["promotion:kubeContext"] = "kind-dex";
        stacks.prod["promotion:gate"] = {
          soakTime: "24h",
          requireHealthy: true,
          unreadableUpstream: "stage is on an air-gapped cluster",
        };
      });
      const run = await runIn(
        dir,
        "prod",
        { "promotion:apps": appsWith("prod", (dex) => (dex.tag = STAGE_TAG), dir) },
        { stackOutputs: outputs() },
      );
      const records = run.outputs.promotionRecords as Record<string, { checks?: string }[]>;
      assert.match(
        records.dex[0].checks ?? "",
        /not checked: .*accepted by promotion:gate\.unreadableUpstream: stage is on an air-gapped cluster/,
      );
    });
  });

  it("6. a config namespace typo that would silently drop prod's change window", async () => {
    await expectGateRefusal(
      () =>
        runIn(
          SEED.dir,
          "prod",
          { "promotoin:syncWindows": "[]" },
          { stackOutputs: outputs(PROD_TAG) },
        ),
      "prod",
      ["promotoin:syncWindows", "promotion:syncWindows"],
    );
  });
});
