/**
 * Runs the program once per stack file under mocks.
 *
 * The real stack files at the repository root change with every promotion, CI tag bump and new
 * environment, so what is checked on them is only what must hold for any real repository: each
 * validates, the environments form one chain, every tag is immutable, and each stack declares what
 * its own file says (namespaces, tags, replicas, sync mode), read from the file, never written
 * here. The seed's exact environment table (tags, namespaces, sizes) is checked on the frozen
 * fixture tests/fixtures/seed.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { listStacks, loadStackFile } from "../../config/stackFiles";
import type { EnvironmentConfig } from "../../model/environment";
import { orderChain } from "../../rules/chain";
import { checkImageTag, imageReference } from "../../rules/imageTag";
import { SEED } from "../fixtures";
import { PROJECT_DIR, ofType, runIn, runProgram, type ProgramRun } from "../../harness/program";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";
const APP_PROJECT = "kubernetes:argoproj.io/v1alpha1:AppProject";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const AUTOMATED = { prune: true, selfHeal: true };

describe("the real stack files (whatever they pin today)", () => {
  const stacks = listStacks(PROJECT_DIR);
  const configs = (): EnvironmentConfig[] => stacks.map((s) => loadStackFile(PROJECT_DIR, s));

  it("exist", () => {
    assert.ok(stacks.length > 0, `no Pulumi.<stack>.yaml in ${PROJECT_DIR}`);
  });

  it("validate, and each declares the environment of its stack name", () => {
    for (const config of configs()) assert.equal(config.environment, config.stack);
  });

  it("form one promotion chain holding every stack", () => {
    const order = orderChain(configs());
    assert.deepEqual([...order].sort(), stacks);
  });

  it("pin every app to an immutable tag", () => {
    for (const config of configs()) {
      for (const app of config.apps) {
        const checked = checkImageTag(app.tag);
        assert.ok(!("refused" in checked), `${config.stack} ${app.name}: ${app.tag}`);
      }
    }
  });

  it("sync every environment on its own except the last of the chain, which is synced by hand", () => {
    const byName = new Map(configs().map((c) => [c.environment, c]));
    const order = orderChain(configs());
    const modes = order.map((env) => `${env}: ${byName.get(env)!.syncMode}`);
    const want = order.map((env, i) => `${env}: ${i < order.length - 1 ? "automated" : "manual"}`);
    assert.deepEqual(modes, want);
  });

  for (const stack of stacks) {
    describe(`Pulumi.${stack}.yaml`, () => {
      let config: EnvironmentConfig;
      let run: ProgramRun;
      before(async () => {
        config = loadStackFile(PROJECT_DIR, stack);
        run = await runProgram(stack);
      });

      it("declares the namespaces the file names, each with quota, limits and isolation", () => {
        const namespaces = ofType(run, NAMESPACE).map((ns) => ns.inputs.metadata);
        assert.deepEqual(
          namespaces.map((ns) => ns.name),
          config.namespaces,
        );
        for (const ns of namespaces) {
          assert.equal(ns.labels["promotion.gitops/environment"], stack);
        }
        for (const type of [
          "kubernetes:core/v1:ResourceQuota",
          "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        ]) {
          assert.equal(ofType(run, type).length, config.namespaces.length, type);
        }
        assert.deepEqual(run.outputs.namespaces, config.namespaces);
      });

      it("confines its AppProject to those namespaces", () => {
        const [project, ...others] = ofType(run, APP_PROJECT);
        assert.equal(others.length, 0);
        assert.equal(project.inputs.metadata.name, config.projectName);
        assert.deepEqual(
          project.inputs.spec.destinations.map((d: { namespace: string }) => d.namespace),
          config.namespaces,
        );
        assert.deepEqual(project.inputs.spec.sourceRepos, config.sourceRepos);
      });

      it("declares one Application per app with the file's tag, replicas and sync mode", () => {
        const applications = ofType(run, APPLICATION);
        assert.equal(applications.length, config.apps.length);
        for (const app of config.apps) {
          const application = applications.find(
            (a) => a.inputs.metadata.name === `${app.name}-${stack}`,
          );
          assert.ok(application, `no Application for ${app.name}`);
          const spec = application.inputs.spec;
          assert.deepEqual(spec.source.kustomize.images, [
            imageReference(app.image, app.tag, app.digest),
          ]);
          assert.deepEqual(spec.source.kustomize.replicas, [
            { name: app.deployment, count: app.replicas },
          ]);
          assert.equal(spec.destination.namespace, app.namespace);
          assert.deepEqual(
            spec.syncPolicy.automated,
            config.syncMode === "automated" ? AUTOMATED : undefined,
          );
        }
      });

      it("exports each app as the file pins it", () => {
        assert.equal(run.outputs.environmentName, stack);
        const apps = run.outputs.apps as Record<string, { tag: string; syncMode: string }>;
        assert.deepEqual(Object.keys(apps).sort(), config.apps.map((a) => a.name).sort());
        for (const app of config.apps) {
          assert.equal(apps[app.name].tag, app.tag);
          assert.equal(apps[app.name].syncMode, config.syncMode);
        }
      });
    });
  }
});

/** The seed's table (tests/fixtures/seed): what each environment runs and how. */
const seed = {
  dev: {
    namespace: "dex-dev",
    tag: SEED.tags.dev,
    replicas: 2,
    logLevel: "DEBUG",
    cpu: "50m",
    memory: "64Mi",
    automated: true,
  },
  stage: {
    namespace: "dex-stage",
    tag: SEED.tags.stage,
    replicas: 2,
    logLevel: "INFO",
    cpu: "100m",
    memory: "128Mi",
    automated: true,
  },
  prod: {
    namespace: "dex",
    tag: SEED.tags.prod,
    replicas: 3,
    logLevel: "WARN",
    cpu: "200m",
    memory: "1Gi",
    automated: false,
  },
};

describe("the seed fixture (tests/fixtures/seed)", () => {
  it("is exactly dev, stage and prod", () => {
    assert.deepEqual(listStacks(SEED.dir), ["dev", "prod", "stage"]);
  });

  for (const [stack, want] of Object.entries(seed)) {
    describe(`stack ${stack}`, () => {
      let run: ProgramRun;
      before(async () => {
        run = await runIn(SEED.dir, stack);
      });

      it("declares one namespace with the environment's labels, quota, limits and isolation", () => {
        const [ns, ...others] = ofType(run, NAMESPACE);
        assert.equal(others.length, 0);
        assert.equal(ns.inputs.metadata.name, want.namespace);
        assert.equal(ns.inputs.metadata.labels["promotion.gitops/environment"], stack);
        assert.equal(ofType(run, "kubernetes:core/v1:ResourceQuota").length, 1);
        const [limits] = ofType(run, "kubernetes:core/v1:LimitRange");
        assert.equal(limits.inputs.spec.limits[0].type, "Container");
        const [policy] = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        assert.deepEqual(policy.inputs.spec.podSelector, {});
        assert.deepEqual(policy.inputs.spec.ingress[0].from[0].namespaceSelector.matchLabels, {
          "promotion.gitops/environment": stack,
          "promotion.gitops/system": "dex",
        });
      });

      it("confines the AppProject to its own namespace on its own cluster", () => {
        const [project, ...others] = ofType(run, APP_PROJECT);
        assert.equal(others.length, 0);
        assert.equal(project.inputs.metadata.name, `dex-${stack}`);
        assert.deepEqual(project.inputs.spec.destinations, [
          { server: "https://kubernetes.default.svc", namespace: want.namespace },
        ]);
        assert.deepEqual(project.inputs.spec.clusterResourceWhitelist, []);
        assert.deepEqual(project.inputs.spec.sourceRepos, [
          "https://github.com/data-literate/dex.git",
        ]);
        assert.ok(project.inputs.spec.roles.length >= 1);
      });

      it("pins the image tag through kustomize images, never in the overlay", () => {
        const [application] = ofType(run, APPLICATION);
        const kustomize = application.inputs.spec.source.kustomize;
        assert.deepEqual(kustomize.images, [`ghcr.io/data-literate/dex:${want.tag}`]);
        assert.deepEqual(kustomize.replicas, [{ name: "dex", count: want.replicas }]);
        const patch = parse(kustomize.patches[0].patch);
        const container = patch.spec.template.spec.containers[0];
        assert.deepEqual(container.env, [{ name: "LOG_LEVEL", value: want.logLevel }]);
        assert.deepEqual(container.resources.requests, { cpu: want.cpu, memory: want.memory });
        assert.equal(application.inputs.spec.source.path, `infra/argocd/overlays/${stack}`);
        assert.equal(application.inputs.spec.source.targetRevision, "main");
      });

      it("syncs the way the environment says", () => {
        const [application] = ofType(run, APPLICATION);
        const syncPolicy = application.inputs.spec.syncPolicy;
        if (want.automated) assert.deepEqual(syncPolicy.automated, AUTOMATED);
        else assert.equal(syncPolicy.automated, undefined);
        assert.equal(syncPolicy.retry.limit, 5);
        assert.ok(syncPolicy.syncOptions.includes("CreateNamespace=false"));
        assert.deepEqual(application.inputs.metadata.finalizers, [
          "resources-finalizer.argocd.argoproj.io",
        ]);
        assert.equal(application.inputs.metadata.annotations["argocd.argoproj.io/sync-wave"], "0");
        assert.equal(
          application.inputs.metadata.annotations[
            "notifications.argoproj.io/subscribe.on-sync-failed.slack"
          ],
          `dex-${stack}-deploys`,
        );
      });

      it("exports what a user needs", () => {
        assert.equal(run.outputs.environmentName, stack);
        assert.deepEqual(run.outputs.namespaces, [want.namespace]);
        assert.deepEqual(run.outputs.apps, {
          dex: {
            image: "ghcr.io/data-literate/dex",
            tag: want.tag,
            applicationName: `dex-${stack}`,
            syncMode: want.automated ? "automated" : "manual",
            namespace: want.namespace,
          },
        });
      });

      it("renders to a folder when no cluster is configured", () => {
        const [provider] = ofType(run, "pulumi:providers:kubernetes");
        assert.equal(provider.inputs.renderYamlToDirectory, `rendered/${stack}`);
        assert.equal(run.outputs.renderedTo, `rendered/${stack}`);
      });
    });
  }

  it("targets a cluster when a kubeconfig context is configured", async () => {
    const run = await runIn(SEED.dir, "dev", { "promotion:kubeContext": "kind-dev" });
    const [provider] = ofType(run, "pulumi:providers:kubernetes");
    assert.equal(provider.inputs.context, "kind-dev");
    assert.equal(provider.inputs.renderYamlToDirectory, undefined);
  });

  it("only the prod AppProject has a change window", async () => {
    const prod = await runIn(SEED.dir, "prod");
    const [project] = ofType(prod, APP_PROJECT);
    assert.deepEqual(project.inputs.spec.syncWindows, [
      {
        kind: "allow",
        schedule: "0 9 * * 1-5",
        duration: "8h",
        applications: ["*"],
        manualSync: true,
        timeZone: "Europe/Berlin",
      },
    ]);
    const dev = await runIn(SEED.dir, "dev");
    assert.deepEqual(ofType(dev, APP_PROJECT)[0].inputs.spec.syncWindows, []);
  });
});
