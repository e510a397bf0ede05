/**
 * The Argo CD policies on what the real program declares for the seed fixture (it passes) and on
 * the same objects edited the way a careless change of the program would (each is refused with
 * the field, the value and what is accepted).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  APPLICATION_TYPE,
  APP_PROJECT_TYPE,
  tagOfImageOverride,
  wildcardRepoReason,
} from "../argocd";
import { isLastEnvironment, stackConfigFromEnvironment } from "../stackConfig";
import { SEED, copy, declaredOfType, fixtureConfig, policyNamed, violationsOf } from "./support";

const application = async (stack: string) =>
  copy((await declaredOfType(stack, APPLICATION_TYPE))[0]);
const project = async (stack: string) => copy((await declaredOfType(stack, APP_PROJECT_TYPE))[0]);

describe("policy immutable-image-tags", () => {
  const policy = () => policyNamed("immutable-image-tags", fixtureConfig("prod"));

  it("passes the Applications the program declares", async () => {
    for (const stack of ["dev", "stage", "prod"]) {
      assert.deepEqual(await violationsOf(policy(), await application(stack)), [], stack);
    }
  });

  for (const [image, why] of [
    [
      "ghcr.io/data-literate/dex:latest",
      /"latest" is a mutable tag that moves from build to build/,
    ],
    ["ghcr.io/data-literate/dex:main", /"main" is a mutable tag/],
    [
      "ghcr.io/data-literate/dex:sha-XYZ",
      /"sha-XYZ" is not sha- followed by 7 to 40 lowercase hex digits/,
    ],
    ["ghcr.io/data-literate/dex:v20261399-abc1234", /which is not a date/],
    ["ghcr.io/data-literate/dex", /it pins no tag/],
    ["localhost:5000/dex", /it pins no tag/],
  ] as const) {
    it(`refuses ${image}`, async () => {
      const app = await application("prod");
      app.inputs.spec.source.kustomize.images = [image];
      const messages = await violationsOf(policy(), app);
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(messages[0], /^Application dex-prod: spec\.source\.kustomize\.images\[0\] = /);
      assert.ok(messages[0].includes(JSON.stringify(image)), messages[0]);
      assert.match(messages[0], why);
      assert.match(messages[0], /accepted: sha-<7-40 hex>/);
    });
  }

  it("checks every source of a multi-source Application", async () => {
    const app = await application("prod");
    app.inputs.spec.sources = [
      { ...app.inputs.spec.source, kustomize: { images: ["dex:stable"] } },
    ];
    const messages = await violationsOf(policy(), app);
    assert.equal(messages.length, 1);
    assert.match(messages[0], /spec\.sources\[0\]\.kustomize\.images\[0\] = "dex:stable"/);
  });

  it("reads a tag, a digest and a renamed image from kustomize's override syntax", () => {
    assert.equal(tagOfImageOverride("ghcr.io/x/dex:sha-abc1234"), "sha-abc1234");
    assert.equal(
      tagOfImageOverride(`ghcr.io/x/dex@sha256:${"a".repeat(64)}`),
      `@sha256:${"a".repeat(64)}`,
    );
    assert.equal(tagOfImageOverride("dex=ghcr.io/x/dex:v1.2.3"), "v1.2.3");
    assert.equal(tagOfImageOverride("localhost:5000/dex"), "");
  });

  it("ignores other resource types", async () => {
    const prj = await project("prod");
    assert.deepEqual(await violationsOf(policy(), prj), []);
  });
});

describe("policy manual-environments-sync-by-hand", () => {
  it("passes automated dev and stage and manual prod, as the program declares them", async () => {
    for (const stack of ["dev", "stage", "prod"]) {
      const policy = policyNamed("manual-environments-sync-by-hand", fixtureConfig(stack));
      assert.deepEqual(await violationsOf(policy, await application(stack)), [], stack);
    }
  });

  it("refuses an automated sync in an environment configured manual", async () => {
    const app = await application("prod");
    app.inputs.spec.syncPolicy.automated = { prune: true, selfHeal: true };
    const policy = policyNamed("manual-environments-sync-by-hand", fixtureConfig("prod"));
    const messages = await violationsOf(policy, app);
    assert.equal(messages.length, 1, messages.join("\n"));
    assert.equal(
      messages[0],
      'Application dex-prod: spec.syncPolicy.automated = {"prune":true,"selfHeal":true}; refused: ' +
        'environment "prod" is configured promotion:syncMode: manual, so Argo CD must never sync it ' +
        "on its own; accepted: no spec.syncPolicy.automated (a sync by hand, argocd app sync)",
    );
  });

  it("reads the sync mode from the stack's config, not from the program: stage set manual refuses its automated Application", async () => {
    const app = await application("stage");
    const config = fixtureConfig("stage", (v) => (v["promotion:syncMode"] = "manual"));
    const messages = await violationsOf(
      policyNamed("manual-environments-sync-by-hand", config),
      app,
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0], /environment "stage" is configured promotion:syncMode: manual/);
  });

  it("takes Pulumi.yaml's default (manual) when the stack file sets no sync mode", async () => {
    const app = await application("dev");
    const config = fixtureConfig("dev", (v) => delete v["promotion:syncMode"]);
    const messages = await violationsOf(
      policyNamed("manual-environments-sync-by-hand", config),
      app,
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0], /configured promotion:syncMode: manual/);
  });

  it("accepts automated with enabled: false (Argo CD's switch-off)", async () => {
    const app = await application("prod");
    app.inputs.spec.syncPolicy.automated = { enabled: false };
    const policy = policyNamed("manual-environments-sync-by-hand", fixtureConfig("prod"));
    assert.deepEqual(await violationsOf(policy, app), []);
  });

  it("refuses an Application labelled with another environment than the stack's", async () => {
    const app = await application("prod");
    app.inputs.metadata.labels["promotion.gitops/environment"] = "dev";
    const policy = policyNamed("manual-environments-sync-by-hand", fixtureConfig("prod"));
    const messages = await violationsOf(policy, app);
    assert.equal(messages.length, 1);
    assert.match(
      messages[0],
      /metadata\.labels\["promotion\.gitops\/environment"\] = "dev"; refused: the stack declares environment "prod"/,
    );
  });

  it("refuses an automated sync of the chain's last environment without promotion:automatedSyncReason", async () => {
    // Written out, not run through the program: only its sync policy and label matter here.
    const app = {
      type: APPLICATION_TYPE,
      name: "dex-prod",
      inputs: {
        metadata: { name: "dex-prod", labels: { "promotion.gitops/environment": "prod" } },
        spec: { syncPolicy: { automated: { prune: true, selfHeal: true } } },
      },
    };
    const automated = fixtureConfig("prod", (v) => (v["promotion:syncMode"] = "automated"));
    const messages = await violationsOf(
      policyNamed("manual-environments-sync-by-hand", automated),
      app,
    );
    assert.equal(messages.length, 1, messages.join("\n"));
    assert.match(
      messages[0],
      /^Application dex-prod: spec\.syncPolicy\.automated = .*; refused: environment "prod" is the last of the chain .*; accepted: promotion:syncMode: manual, or promotion:automatedSyncReason/,
    );
    const reviewed = fixtureConfig("prod", (v) => {
      v["promotion:syncMode"] = "automated";
      v["promotion:automatedSyncReason"] = "internal tool without users";
    });
    assert.deepEqual(
      await violationsOf(policyNamed("manual-environments-sync-by-hand", reviewed), app),
      [],
    );
  });

  it("reads the chain from the project of the stack file the engine was given", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-chain-"));
    try {
      for (const file of [
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.stage.yaml",
        "Pulumi.prod.yaml",
      ]) {
        fs.copyFileSync(path.join(SEED.dir, file), path.join(dir, file));
      }
      const copyDir = path.join(dir, ".pulumi-state", "stack-config");
      fs.mkdirSync(copyDir, { recursive: true });
      fs.copyFileSync(path.join(dir, "Pulumi.stage.yaml"), path.join(copyDir, "Pulumi.stage.yaml"));
      const config = stackConfigFromEnvironment({
        PULUMI_CONFIG: JSON.stringify({ "promotion:upstream": "dev" }),
        PULUMI_NODEJS_STACK: "stage",
        PROMOTION_STACK_CONFIG_FILE: path.join(copyDir, "Pulumi.stage.yaml"),
      });
      assert.deepEqual(config?.chain, [
        { environment: "dev" },
        { environment: "prod", upstream: "stage" },
        { environment: "stage", upstream: "dev" },
      ]);
      assert.equal(isLastEnvironment(config.chain, "stage"), false);
      assert.equal(isLastEnvironment(config.chain, "prod"), true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an automated sync it cannot check, when the stack's config did not reach the pack", async () => {
    const app = await application("dev");
    const messages = await violationsOf(
      policyNamed("manual-environments-sync-by-hand", undefined),
      app,
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0], /the stack's configuration did not reach the policy pack/);
  });
});

describe("policy applications-keep-resources-finalizer", () => {
  const policy = () => policyNamed("applications-keep-resources-finalizer", fixtureConfig("dev"));

  it("passes the Applications the program declares", async () => {
    for (const stack of ["dev", "stage", "prod"]) {
      assert.deepEqual(await violationsOf(policy(), await application(stack)), [], stack);
    }
  });

  for (const [what, finalizers] of [
    ["no finalizers", undefined],
    ["another finalizer only", ["example.com/other"]],
    ["an empty list", []],
  ] as const) {
    it(`refuses an Application with ${what}`, async () => {
      const app = await application("dev");
      if (finalizers === undefined) delete app.inputs.metadata.finalizers;
      else app.inputs.metadata.finalizers = [...finalizers];
      const messages = await violationsOf(policy(), app);
      assert.equal(messages.length, 1);
      assert.match(messages[0], /^Application dex-dev: metadata\.finalizers = /);
      assert.match(
        messages[0],
        /accepted: a list holding "resources-finalizer\.argocd\.argoproj\.io"/,
      );
    });
  }
});

describe("policy projects-stay-in-their-environment", () => {
  it("passes the AppProjects the program declares", async () => {
    for (const stack of ["dev", "stage", "prod"]) {
      const policy = policyNamed("projects-stay-in-their-environment", fixtureConfig(stack));
      assert.deepEqual(await violationsOf(policy, await project(stack)), [], stack);
    }
  });

  it("accepts the extra namespaces the stack declares", async () => {
    const prj = await project("dev");
    prj.inputs.spec.destinations.push({
      server: "https://kubernetes.default.svc",
      namespace: "dex-dev-jobs",
    });
    const config = fixtureConfig(
      "dev",
      (v) => (v["promotion:extraNamespaces"] = '["dex-dev-jobs"]'),
    );
    assert.deepEqual(
      await violationsOf(policyNamed("projects-stay-in-their-environment", config), prj),
      [],
    );
  });

  for (const [what, destination, why] of [
    [
      "another environment's namespace",
      { server: "https://kubernetes.default.svc", namespace: "dex" },
      /namespace "dex" is not one of the environment's/,
    ],
    [
      "every namespace",
      { server: "https://kubernetes.default.svc", namespace: "*" },
      /namespace "\*" is not one of the environment's/,
    ],
    [
      "another cluster",
      { server: "https://prod.example.com", namespace: "dex-dev" },
      /its cluster is not the environment's \(https:\/\/kubernetes\.default\.svc\)/,
    ],
    [
      "a cluster by name",
      { name: "in-cluster", namespace: "dex-dev" },
      /its cluster is not the environment's/,
    ],
  ] as const) {
    it(`refuses a destination in ${what}`, async () => {
      const prj = await project("dev");
      prj.inputs.spec.destinations.push(destination);
      const policy = policyNamed("projects-stay-in-their-environment", fixtureConfig("dev"));
      const messages = await violationsOf(policy, prj);
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(messages[0], /^AppProject dex-dev: spec\.destinations\[1\] = /);
      assert.match(messages[0], why);
      assert.match(
        messages[0],
        /accepted: destinations on https:\/\/kubernetes\.default\.svc \(promotion:clusterServer\) in the environment's own namespaces, \["dex-dev"\]/,
      );
    });
  }
});

describe("policy no-cluster-wide-whitelist", () => {
  const policy = () => policyNamed("no-cluster-wide-whitelist", fixtureConfig("dev"));

  it("passes the AppProjects the program declares, and named cluster-scoped kinds", async () => {
    const prj = await project("dev");
    assert.deepEqual(await violationsOf(policy(), prj), []);
    prj.inputs.spec.clusterResourceWhitelist = [
      { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
    ];
    assert.deepEqual(await violationsOf(policy(), prj), []);
  });

  it('refuses {group: "*", kind: "*"}', async () => {
    const prj = await project("prod");
    prj.inputs.spec.clusterResourceWhitelist = [
      { group: "", kind: "Namespace" },
      { group: "*", kind: "*" },
    ];
    const messages = await violationsOf(policy(), prj);
    assert.equal(messages.length, 1);
    assert.match(
      messages[0],
      /^AppProject dex-prod: spec\.clusterResourceWhitelist\[1\] = \{"group":"\*","kind":"\*"\}; refused: it lets the environment's Applications manage every cluster-scoped kind/,
    );
  });
});

describe("policy no-wildcard-source-repos", () => {
  const policy = () => policyNamed("no-wildcard-source-repos", fixtureConfig("dev"));

  it("passes the AppProjects the program declares, and a glob over one owner's repositories", async () => {
    const prj = await project("stage");
    assert.deepEqual(await violationsOf(policy(), prj), []);
    prj.inputs.spec.sourceRepos = ["https://github.com/data-literate/*"];
    assert.deepEqual(await violationsOf(policy(), prj), []);
  });

  for (const [entry, why] of [
    ["*", /it admits every repository/],
    ["**", /it admits every repository/],
    ["https://github.com/**", /"\*\*" admits repositories of any owner/],
    ["https://github.com/*/dex.git", /a wildcard in the host or owner/],
    ["https://*.example.com/org/dex.git", /a wildcard in the host or owner/],
    ["git@github.com:*/dex.git", /a wildcard in the host or owner/],
  ] as const) {
    it(`refuses ${entry}`, async () => {
      const prj = await project("stage");
      prj.inputs.spec.sourceRepos = ["https://github.com/data-literate/dex.git", entry];
      const messages = await violationsOf(policy(), prj);
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(messages[0], /^AppProject dex-stage: spec\.sourceRepos\[1\] = /);
      assert.match(messages[0], why);
    });
  }

  it("leaves exact URLs alone", () => {
    assert.equal(wildcardRepoReason("https://github.com/data-literate/dex.git"), undefined);
    assert.equal(wildcardRepoReason("git@github.com:data-literate/dex.git"), undefined);
  });
});
