/**
 * Runs the program once per real stack file under mocks and checks what it declares against the
 * first seed's environment table.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { listStacks } from "../../config/stackFiles";
import { PROJECT_DIR, ofType, runProgram, type ProgramRun } from "../../harness/program";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";
const APP_PROJECT = "kubernetes:argoproj.io/v1alpha1:AppProject";

/** The seed's table: what each environment runs and how. */
const expected = {
  dev: {
    namespace: "dex-dev",
    tag: "sha-abc12345",
    replicas: 2,
    logLevel: "DEBUG",
    cpu: "50m",
    memory: "64Mi",
    automated: true,
  },
  stage: {
    namespace: "dex-stage",
    tag: "sha-abc12345",
    replicas: 2,
    logLevel: "INFO",
    cpu: "100m",
    memory: "128Mi",
    automated: true,
  },
  prod: {
    namespace: "dex",
    tag: "sha-0f1e2d3c",
    replicas: 3,
    logLevel: "WARN",
    cpu: "200m",
    memory: "1Gi",
    automated: false,
  },
};

describe("the real stack files", () => {
  it("are exactly dev, stage and prod", () => {
    assert.deepEqual(listStacks(PROJECT_DIR), ["dev", "prod", "stage"]);
  });

  for (const [stack, want] of Object.entries(expected)) {
    describe(`stack ${stack}`, () => {
      let run: ProgramRun;
      before(async () => {
        run = await runProgram(stack);
      });

      it("declares one namespace with the environment's labels, quota, limits and isolation", () => {
        const [ns, ...others] = ofType(run, "kubernetes:core/v1:Namespace");
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
        if (want.automated) assert.deepEqual(syncPolicy.automated, { prune: true, selfHeal: true });
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
    const run = await runProgram("dev", { "promotion:kubeContext": "kind-dev" });
    const [provider] = ofType(run, "pulumi:providers:kubernetes");
    assert.equal(provider.inputs.context, "kind-dev");
    assert.equal(provider.inputs.renderYamlToDirectory, undefined);
  });

  it("only the prod AppProject has a change window", async () => {
    const prod = await runProgram("prod");
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
    const dev = await runProgram("dev");
    assert.deepEqual(ofType(dev, APP_PROJECT)[0].inputs.spec.syncWindows, []);
  });
});
