/**
 * The promotion gate in the real program under mocks: stack references to the upstream's and the
 * stack's own outputs, refusals before any resource, records and annotations, upstream health in
 * cluster mode, and a canary added by a stack file. Runs the frozen fixtures tests/fixtures/seed
 * and tests/fixtures/canary, so a promotion of the live stack files changes nothing here.
 */
import { strict as assert } from "assert";
import type { PromotionRecord } from "../../rules/record";
import { CANARY, SEED } from "../fixtures";
import {
  STACK_REFERENCE,
  json,
  ofType,
  runIn,
  type DeclaredResource,
  type ProgramRun,
  type RunOptions,
} from "../../harness/program";
import {
  appsOutput,
  removeTempProjects,
  tempProject,
  type StackFiles,
} from "../support/promotionProject";
import { appsWith, runFailure } from "../support/refusal";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";
const PROVIDER = "pulumi:providers:kubernetes";
/** The tag tests/fixtures/seed/Pulumi.prod.yaml pins. */
const PROD_TAG = SEED.tags.prod;
const IMAGE = "ghcr.io/data-literate/dex";

const earlier = (tag: string, kind: PromotionRecord["kind"] = "promotion"): PromotionRecord => ({
  tag,
  from: "stage",
  at: "2026-01-01T00:00:00.000Z",
  by: "someone",
  kind,
});

/** prod ran sha-11111111 (and sha-22222222 before); stage runs `stageTag`. */
function prodOutputs(stageTag: string): RunOptions["stackOutputs"] {
  return {
    stage: { apps: appsOutput("stage", stageTag) },
    prod: {
      apps: appsOutput("prod", "sha-11111111", "dex"),
      promotionRecords: { dex: [earlier("sha-11111111"), earlier("sha-22222222")] },
    },
  };
}

/** The seed's Pulumi.prod.yaml apps with dex changed by `change`. */
const prodAppsWith = (change: (dex: Record<string, any>) => void): string =>
  appsWith("prod", change);

/** Nothing but reads (stack references, the upstream's Application) and the provider to read. */
function assertNothingDeclared(resources: DeclaredResource[]): void {
  const declared = resources.filter(
    (r) =>
      r.type !== STACK_REFERENCE &&
      !r.name.startsWith("prod-upstream-") &&
      !r.name.startsWith("canary-upstream-"),
  );
  assert.deepEqual(
    declared.map((r) => `${r.type} ${r.name}`),
    [],
  );
}

function applicationOf(run: ProgramRun, name: string): DeclaredResource {
  const application = ofType(run, APPLICATION).find((r) => r.inputs.metadata?.name === name);
  assert.ok(application, `no Application ${name}`);
  return application;
}

describe("the promotion gate in the program", () => {
  const actor = process.env.GITHUB_ACTOR;
  before(() => {
    process.env.GITHUB_ACTOR = "octocat";
  });
  after(() => {
    if (actor === undefined) delete process.env.GITHUB_ACTOR;
    else process.env.GITHUB_ACTOR = actor;
    removeTempProjects();
  });

  it("reads the upstream's and its own outputs through stack references", async () => {
    const run = await runIn(SEED.dir, "prod", {}, { stackOutputs: prodOutputs(PROD_TAG) });
    assert.deepEqual(
      ofType(run, STACK_REFERENCE)
        .map((r) => String(r.inputs.name))
        .sort(),
      ["organization/promotion/prod", "organization/promotion/stage"],
    );
    const dev = await runIn(SEED.dir, "dev");
    assert.deepEqual(
      ofType(dev, STACK_REFERENCE).map((r) => String(r.inputs.name)),
      ["organization/promotion/dev"],
    );
  });

  it("refuses a tag the upstream does not run, before declaring any resource", async () => {
    const failure = await runFailure(
      runIn(SEED.dir, "prod", {}, { stackOutputs: prodOutputs("sha-def67890") }),
    );
    assert.equal(
      failure.message,
      [
        'Stack "prod": the promotion gate refused 1 change; nothing was changed:',
        `  - stack "prod": promotion:apps.dex.tag = "${PROD_TAG}"; refused: prod cannot take ${PROD_TAG}: stage runs sha-def67890; accepted: the tag stage runs (sha-def67890), or promote to stage first; a rollback or hotfix needs a bypass with a reason`,
      ].join("\n"),
    );
    assertNothingDeclared(failure.resources);
  });

  it("refuses when the upstream stack has no outputs yet", async () => {
    const outputs = prodOutputs(PROD_TAG)!;
    delete outputs.stage;
    const failure = await runFailure(runIn(SEED.dir, "prod", {}, { stackOutputs: outputs }));
    assert.match(
      failure.message,
      new RegExp(
        `prod cannot take ${PROD_TAG}: stage has no record of what it runs \\(never deployed\\); accepted: a tag stage runs: deploy stage first \\(run 'npm run stack -- up stage' first\\)`,
      ),
    );
  });

  it("sends an app newly added to a deployed environment through the gate", async () => {
    const failure = await runFailure(
      runIn(
        SEED.dir,
        "prod",
        {
          "promotion:apps": json({
            ...JSON.parse(prodAppsWith(() => undefined)),
            api: { ...JSON.parse(prodAppsWith((dex) => (dex.tag = "v1.0.0"))).dex },
          }),
        },
        { stackOutputs: prodOutputs(PROD_TAG) },
      ),
    );
    assert.match(
      failure.message,
      /refused 1 change.*\n  - .*refused: prod cannot take v1.0.0: stage does not run api; accepted: a tag stage runs: promote api to stage first$/,
    );
  });

  describe("a promotion", () => {
    let run: ProgramRun;
    before(async () => {
      run = await runIn(SEED.dir, "prod", {}, { stackOutputs: prodOutputs(PROD_TAG) });
    });

    it("is recorded first in promotionRecords, with who, from where and what was checked", () => {
      const records = (run.outputs.promotionRecords as Record<string, PromotionRecord[]>).dex;
      assert.equal(records.length, 3);
      const [record, ...history] = records;
      assert.deepEqual(history, [earlier("sha-11111111"), earlier("sha-22222222")]);
      assert.equal(record.tag, PROD_TAG);
      assert.equal(record.from, "stage");
      assert.equal(record.kind, "promotion");
      assert.equal(record.by, "octocat");
      assert.ok(!Number.isNaN(Date.parse(record.at)), record.at);
      assert.match(record.checks ?? "", /^not checked: prod renders manifests to rendered\/prod/);
    });

    it("annotates the Application with its record", () => {
      const annotations = applicationOf(run, "dex-prod").inputs.metadata.annotations;
      assert.equal(annotations["promotion.gitops/kind"], "promotion");
      assert.equal(annotations["promotion.gitops/from"], "stage");
      assert.equal(annotations["promotion.gitops/promoted-by"], "octocat");
      assert.match(annotations["promotion.gitops/checks"], /^not checked/);
      assert.equal(annotations["promotion.gitops/reason"], undefined);
    });

    it("leaves the outputs the CLI reads as they were", () => {
      assert.deepEqual(run.outputs.apps, {
        dex: {
          image: IMAGE,
          tag: PROD_TAG,
          applicationName: "dex-prod",
          syncMode: "manual",
          namespace: "dex",
        },
      });
      assert.equal(run.outputs.upstream, "stage");
    });

    it("changes nothing on the next run, whatever the upstream runs by then", async () => {
      const again = await runIn(
        SEED.dir,
        "prod",
        {},
        {
          stackOutputs: {
            stage: { apps: appsOutput("stage", "sha-def67890") },
            prod: run.outputs,
          },
        },
      );
      assert.deepEqual(again.outputs.promotionRecords, run.outputs.promotionRecords);
      assert.deepEqual(
        applicationOf(again, "dex-prod").inputs,
        applicationOf(run, "dex-prod").inputs,
      );
      const third = await runIn(SEED.dir, "prod", {}, { stackOutputs: { prod: again.outputs } });
      assert.deepEqual(third.outputs, again.outputs);
    });
  });

  it("brings a fresh backend up in chain order: the first environment as initial, the next as promotions", async () => {
    const outputs: Record<string, Record<string, unknown>> = {};
    for (const stack of SEED.environments) {
      const initial =
        stack === "prod"
          ? {
              "promotion:apps": prodAppsWith(
                (dex) => (dex.bypass = { kind: "initial", tag: PROD_TAG, reason: "fresh backend" }),
              ),
            }
          : {};
      const run = await runIn(SEED.dir, stack, initial, { stackOutputs: outputs });
      outputs[stack] = run.outputs;
      const [record, ...rest] = (run.outputs.promotionRecords as Record<string, PromotionRecord[]>)
        .dex;
      assert.deepEqual(rest, []);
      // dev takes builds from CI; stage pins what dev runs; prod pins another tag, reviewed.
      const expected = {
        dev: ["initial", "dev"],
        stage: ["promotion", "dev"],
        prod: ["initial", "prod"],
      };
      assert.deepEqual([record.kind, record.from], expected[stack as keyof typeof expected]);
      assert.equal(
        applicationOf(run, `dex-${stack}`).inputs.metadata.annotations["promotion.gitops/kind"],
        record.kind,
      );
    }
  });

  describe("escape hatches", () => {
    it("rolls back to a tag the environment ran before, with its reason", async () => {
      const run = await runIn(
        SEED.dir,
        "prod",
        {
          "promotion:apps": prodAppsWith((dex) => {
            dex.tag = "sha-22222222";
            dex.bypass = {
              kind: "rollback",
              tag: "sha-22222222",
              reason: "sha-11111111 leaks memory",
            };
          }),
        },
        { stackOutputs: prodOutputs("sha-def67890") },
      );
      const [record] = (run.outputs.promotionRecords as Record<string, PromotionRecord[]>).dex;
      assert.deepEqual(
        { ...record, at: "" },
        {
          tag: "sha-22222222",
          from: "prod",
          at: "",
          by: "octocat",
          kind: "rollback",
          reason: "sha-11111111 leaks memory",
        },
      );
      const annotations = applicationOf(run, "dex-prod").inputs.metadata.annotations;
      assert.equal(annotations["promotion.gitops/kind"], "rollback");
      assert.equal(annotations["promotion.gitops/reason"], "sha-11111111 leaks memory");
    });

    it("refuses a rollback to a tag the environment never ran", async () => {
      const failure = await runFailure(
        runIn(
          SEED.dir,
          "prod",
          {
            "promotion:apps": prodAppsWith((dex) => {
              dex.tag = "sha-33333333";
              dex.bypass = { kind: "rollback", tag: dex.tag, reason: "go back" };
            }),
          },
          { stackOutputs: prodOutputs("sha-33333333") },
        ),
      );
      assert.match(failure.message, /prod cannot roll back to sha-33333333: prod never ran it/);
      assertNothingDeclared(failure.resources);
    });

    it("takes any immutable tag as a hotfix, with its reason", async () => {
      const run = await runIn(
        SEED.dir,
        "prod",
        {
          "promotion:apps": prodAppsWith((dex) => {
            dex.tag = "sha-99999999";
            dex.bypass = { kind: "hotfix", tag: "sha-99999999", reason: "CVE-2026-0001" };
          }),
        },
        { stackOutputs: prodOutputs("sha-def67890") },
      );
      const [record] = (run.outputs.promotionRecords as Record<string, PromotionRecord[]>).dex;
      assert.equal(record.kind, "hotfix");
      assert.equal(record.reason, "CVE-2026-0001");
      const annotations = applicationOf(run, "dex-prod").inputs.metadata.annotations;
      assert.equal(annotations["promotion.gitops/kind"], "hotfix");
      assert.equal(annotations["promotion.gitops/reason"], "CVE-2026-0001");
    });
  });

  describe("upstream health in cluster mode", () => {
    const ref = `${IMAGE}:${PROD_TAG}`;
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
    const onCluster = (stacks: StackFiles) => {
      for (const stack of ["stage", "prod"]) stacks[stack]["promotion:kubeContext"] = "kind-dex";
    };
    const liveStage = (deployedHoursAgo: number, health = "Healthy") => ({
      "argocd/dex-stage": {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name: "dex-stage", namespace: "argocd" },
        status: {
          sync: { status: "Synced", revision: "0123abcd" },
          health: { status: health },
          summary: { images: [ref] },
          history: [
            {
              id: 4,
              deployedAt: hoursAgo(deployedHoursAgo),
              revision: "0123abcd",
              source: {
                repoURL: "https://github.com/data-literate/dex.git",
                kustomize: { images: [ref] },
              },
            },
          ],
        },
      },
    });

    it("promotes when stage has been Synced and Healthy on the tag for the soak time", async () => {
      const projectDir = tempProject(onCluster);
      const run = await runIn(
        projectDir,
        "prod",
        {},
        {
          stackOutputs: prodOutputs(PROD_TAG),
          liveObjects: liveStage(30),
        },
      );
      const read = run.resources.find((r) => r.name === "prod-upstream-dex");
      assert.equal(read?.type, APPLICATION);
      const provider = ofType(run, PROVIDER).find((p) => p.name === "prod-upstream-kubernetes");
      assert.equal(provider?.inputs.context, "kind-dex");
      const [record] = (run.outputs.promotionRecords as Record<string, PromotionRecord[]>).dex;
      assert.match(
        record.checks ?? "",
        new RegExp(
          `^stage Synced and Healthy on ${PROD_TAG}, running it since .* \\(30h, soak time 24h\\)$`,
        ),
      );
    });

    it("refuses before the soak time has passed, saying when", async () => {
      const projectDir = tempProject(onCluster);
      const failure = await runFailure(
        runIn(
          projectDir,
          "prod",
          {},
          {
            stackOutputs: prodOutputs(PROD_TAG),
            liveObjects: liveStage(2),
          },
        ),
      );
      assert.match(
        failure.message,
        new RegExp(
          `prod cannot take ${PROD_TAG} yet: stage has run it for 2h of the 24h soak time \\(since .*\\); accepted: the same tag after `,
        ),
      );
      assertNothingDeclared(failure.resources);
    });

    it("refuses an upstream that is not Healthy", async () => {
      const projectDir = tempProject(onCluster);
      const failure = await runFailure(
        runIn(
          projectDir,
          "prod",
          {},
          {
            stackOutputs: prodOutputs(PROD_TAG),
            liveObjects: liveStage(30, "Degraded"),
          },
        ),
      );
      assert.match(failure.message, /stage's Application dex-stage is Synced and Degraded/);
    });

    it("reads nothing live when the tag is unchanged", async () => {
      const projectDir = tempProject(onCluster);
      const outputs = prodOutputs("sha-def67890")!;
      outputs.prod.apps = appsOutput("prod", PROD_TAG, "dex");
      const run = await runIn(projectDir, "prod", {}, { stackOutputs: outputs });
      assert.equal(
        run.resources.find((r) => r.name === "prod-upstream-dex"),
        undefined,
      );
    });
  });

  describe("with a canary stack file between stage and prod (tests/fixtures/canary)", () => {
    it("canary takes what stage runs", async () => {
      const run = await runIn(
        CANARY.dir,
        "canary",
        {},
        {
          stackOutputs: {
            stage: { apps: appsOutput("stage", CANARY.tags.canary) },
            canary: { apps: appsOutput("canary", "sha-11111111") },
          },
        },
      );
      const [record] = (run.outputs.promotionRecords as Record<string, PromotionRecord[]>).dex;
      assert.equal(record.tag, CANARY.tags.canary);
      assert.equal(record.from, "stage");
      assert.equal(run.outputs.upstream, "stage");
    });

    it("prod cannot skip canary", async () => {
      const failure = await runFailure(
        runIn(
          CANARY.dir,
          "prod",
          {},
          {
            stackOutputs: {
              stage: { apps: appsOutput("stage", CANARY.tags.prod) },
              canary: { apps: appsOutput("canary", "sha-11111111") },
              prod: { apps: appsOutput("prod", "sha-11111111", "dex") },
            },
          },
        ),
      );
      assert.match(
        failure.message,
        new RegExp(
          `prod cannot take ${CANARY.tags.prod}: canary runs sha-11111111; accepted: the tag canary runs \\(sha-11111111\\), or promote to canary first`,
        ),
      );
    });

    it("refuses a canary stack file while prod still takes tags from stage", async () => {
      const halfDone = tempProject((stacks) => {
        stacks.prod["promotion:upstream"] = "stage";
      }, CANARY.dir);
      const failure = await runFailure(runIn(halfDone, "dev"));
      assert.match(failure.message, /canary and prod all take tags from stage/);
      assert.deepEqual(failure.resources, []);
    });
  });
});
