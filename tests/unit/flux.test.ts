/**
 * Flux as the engine (promotion:engine: flux): seed 003 exactly (examples/flux), every Flux object
 * checked against Flux's own CRDs (scripts/flux-crds.sh), the same namespaces and guardrails as on
 * Argo CD, dependsOn only on one cluster, and the config refusals that belong to Flux.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { FLUX_EXAMPLE, SEED } from "../fixtures";
import { ofType, runProgram, type DeclaredResource } from "../../harness/program";
import { fluxCrdErrors } from "../support/fluxCrdSchema";
import { fluxDependencies } from "../../config/engineUpstream";
import { validateStackConfig } from "../../config/validate";
import { engineConfig } from "../../config/stackFiles";
import { decodeConfigValues } from "../../config/decode";
import { gitRef, fluxGitURL } from "../../manifests/flux";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import { Alert, Provider } from "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3";

const fluxObjects = (resources: DeclaredResource[]) =>
  resources.filter((r) => r.type.includes(".toolkit.fluxcd.io/"));
const byKind = (resources: DeclaredResource[], kind: string) =>
  fluxObjects(resources)
    .map((r) => r.inputs)
    .filter((o) => o.kind === kind);
const GUARDRAILS = [
  "kubernetes:core/v1:Namespace",
  "kubernetes:core/v1:ResourceQuota",
  "kubernetes:core/v1:LimitRange",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy",
];

describe("Flux engine", function () {
  this.timeout(120_000);

  it("the CRD check catches what Flux's API server would prune or reject (it can fail)", () => {
    const errors = fluxCrdErrors({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "x" },
      spec: {
        interval: "1m",
        prune: "yes",
        sourceRef: { kind: "GitRepository", name: "x" },
        replicas: [{ name: "x", count: 2 }],
      },
    } as never);
    assert.ok(
      errors.some((e) => e.includes("/spec/prune")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.includes("(replicas)")),
      errors.join("\n"),
    );
    assert.deepEqual(
      fluxCrdErrors({ apiVersion: "helm.toolkit.fluxcd.io/v2beta2", kind: "HelmRelease" }),
      ["HelmRelease v2beta2 is not served by the CRD (served: v2)"],
    );
  });

  describe("examples/flux: seed 003 exactly", () => {
    const expected = {
      dev: { replicas: 1, memory: "64Mi", cpu: "100m", interval: "1m", dependsOn: undefined },
      staging: {
        replicas: 2,
        memory: "128Mi",
        cpu: "200m",
        interval: "2m",
        dependsOn: "myapp-dev",
      },
      prod: {
        replicas: 3,
        memory: "256Mi",
        cpu: "500m",
        interval: "5m",
        dependsOn: "myapp-staging",
      },
    } as const;
    for (const env of FLUX_EXAMPLE.environments as (keyof typeof expected)[]) {
      it(`${env}: GitRepository on branch ${env}, Kustomization into namespace ${env}, CRD-valid`, async () => {
        const want = expected[env];
        const run = await runProgram(env, {}, undefined, { projectDir: FLUX_EXAMPLE.dir });
        assert.deepEqual(
          run.resources.filter((r) => r.type.startsWith("kubernetes:argoproj.io")),
          [],
          "no Argo CD object on Flux",
        );
        for (const object of fluxObjects(run.resources)) {
          assert.deepEqual(fluxCrdErrors(object.inputs), [], `${object.name} does not fit the CRD`);
        }
        const [repo] = byKind(run.resources, "GitRepository");
        new GitRepository(repo).validate();
        assert.equal(repo.metadata.name, `myapp-${env}`);
        assert.equal(repo.metadata.namespace, "flux-system");
        assert.deepEqual(repo.spec.ref, { branch: env });
        // Seed 003: staging's branch is checked every minute, its Kustomization runs every 2.
        assert.equal(repo.spec.interval, env === "staging" ? "1m" : want.interval);
        assert.equal(repo.spec.url, "https://github.com/example-org/myapp.git");

        const [ks] = byKind(run.resources, "Kustomization");
        new Kustomization(ks).validate();
        assert.equal(ks.metadata.name, `myapp-${env}`);
        assert.equal(ks.spec.path, `./overlays/${env}`);
        assert.equal(ks.spec.targetNamespace, env);
        // Applied as the environment's own service account, admin in its namespace only.
        assert.equal(ks.spec.serviceAccountName, `myapp-${env}`);
        const [account] = ofType(run, "kubernetes:core/v1:ServiceAccount").map((r) => r.inputs);
        assert.deepEqual(
          [account.metadata.name, account.metadata.namespace],
          [`myapp-${env}`, "flux-system"],
        );
        const bindings = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map(
          (r) => r.inputs,
        );
        assert.deepEqual(
          bindings.map((b) => [b.metadata.namespace, b.roleRef.name, b.subjects]),
          [
            [
              env,
              "admin",
              [{ kind: "ServiceAccount", name: `myapp-${env}`, namespace: "flux-system" }],
            ],
          ],
        );
        assert.deepEqual(ks.spec.sourceRef, { kind: "GitRepository", name: `myapp-${env}` });
        assert.deepEqual(ks.spec.images, [
          { name: "ghcr.io/example-org/myapp", newTag: FLUX_EXAMPLE.tag },
        ]);
        assert.equal(ks.spec.interval, want.interval);
        assert.equal(ks.spec.timeout, "3m");
        assert.equal(ks.spec.prune, true);
        assert.equal(ks.spec.wait, true);
        assert.deepEqual(
          ks.spec.dependsOn,
          want.dependsOn ? [{ name: want.dependsOn, namespace: "flux-system" }] : undefined,
        );
        const [patch] = ks.spec.patches;
        assert.deepEqual(patch.target, { kind: "Deployment", name: "myapp" });
        const resources = { cpu: want.cpu, memory: want.memory };
        assert.deepEqual(parse(patch.patch), {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "myapp" },
          spec: {
            replicas: want.replicas,
            template: {
              spec: {
                containers: [
                  { name: "myapp", resources: { requests: resources, limits: resources } },
                ],
              },
            },
          },
        });

        const [provider] = byKind(run.resources, "Provider");
        new Provider(provider).validate();
        assert.deepEqual(provider.spec, {
          type: "slack",
          channel: `myapp-${env}`,
          secretRef: { name: "slack-webhook" },
        });
        const [alert] = byKind(run.resources, "Alert");
        new Alert(alert).validate();
        assert.deepEqual(alert.spec.providerRef, { name: `myapp-${env}-slack` });
        assert.deepEqual(alert.spec.eventSources, [
          { kind: "Kustomization", name: `myapp-${env}` },
        ]);

        const namespaces = ofType(run, "kubernetes:core/v1:Namespace").map(
          (r) => r.inputs.metadata.name,
        );
        assert.deepEqual(namespaces, [env]);
        assert.equal((run.outputs.apps as any).myapp.fluxKind, "Kustomization");
        assert.equal((run.outputs.apps as any).myapp.applicationName, `myapp-${env}`);
      });
    }
  });

  it("declares the same namespaces, quotas, limits and network policies as Argo CD (seed stage)", async () => {
    const options = { projectDir: SEED.dir };
    const argo = await runProgram("stage", {}, undefined, options);
    const flux = await runProgram("stage", { "promotion:engine": "flux" }, undefined, options);
    for (const type of GUARDRAILS) {
      const inputs = (run: typeof argo) => ofType(run, type).map((r) => r.inputs);
      assert.ok(inputs(argo).length > 0, `seed stage declares ${type}`);
      assert.deepEqual(inputs(flux), inputs(argo), type);
    }
    const [ks] = byKind(flux.resources, "Kustomization");
    // The seed's stage takes its tag from dev, on the same (render) cluster, also on Flux here:
    // the override applies to stage only, so dev is an Argo CD stack and nothing is waited on.
    assert.equal(ks.spec.dependsOn, undefined);
    const [repo] = byKind(flux.resources, "GitRepository");
    assert.deepEqual(repo.spec.ref, { branch: "main" });
    for (const object of fluxObjects(flux.resources)) {
      assert.deepEqual(fluxCrdErrors(object.inputs), [], `${object.name} does not fit the CRD`);
    }
  });

  describe("dependsOn the upstream's Kustomization only when Flux runs both on one cluster", () => {
    const staging = () =>
      validateStackConfig("staging", decodeConfigValues(engineConfig(FLUX_EXAMPLE.dir, "staging")));
    const upstream = { engine: "flux" as const, fluxNamespace: "flux-system", apps: ["myapp"] };
    const sameCluster = JSON.stringify(["", "", "https://kubernetes.default.svc"]);

    it("same cluster, upstream on Flux: waits for myapp-dev", () => {
      assert.deepEqual(fluxDependencies(staging(), { ...upstream, cluster: sameCluster }), {
        myapp: { name: "myapp-dev", namespace: "flux-system" },
      });
    });
    it("another cluster, an upstream on Argo CD, or an app the upstream lacks: none", () => {
      const other = JSON.stringify(["", "dev-cluster", "https://kubernetes.default.svc"]);
      assert.deepEqual(fluxDependencies(staging(), { ...upstream, cluster: other }), {});
      assert.deepEqual(
        fluxDependencies(staging(), { ...upstream, cluster: sameCluster, engine: "argocd" }),
        {},
      );
      assert.deepEqual(
        fluxDependencies(staging(), { ...upstream, cluster: sameCluster, apps: ["other"] }),
        {},
      );
    });
  });

  it("a revision becomes Flux's ref: branch, release tag, commit or full ref; git@ becomes ssh://", () => {
    assert.deepEqual(gitRef("staging"), { branch: "staging" });
    assert.deepEqual(gitRef("v1.4.0"), { tag: "v1.4.0" });
    assert.deepEqual(gitRef("a".repeat(40)), { commit: "a".repeat(40) });
    assert.deepEqual(gitRef("refs/heads/main"), { name: "refs/heads/main" });
    assert.equal(fluxGitURL("git@github.com:org/repo.git"), "ssh://git@github.com/org/repo.git");
    assert.equal(fluxGitURL("https://github.com/org/repo.git"), "https://github.com/org/repo.git");
  });

  describe("refusals that belong to Flux name the stack, key, value and what is accepted", () => {
    const raw = () => decodeConfigValues(engineConfig(FLUX_EXAMPLE.dir, "dev"));
    const refusal = (edit: (r: Record<string, any>) => void): string => {
      const config = raw();
      edit(config);
      try {
        validateStackConfig("dev", config);
      } catch (error) {
        return (error as Error).message;
      }
      assert.fail("expected a refusal");
    };

    it("an unknown engine", () => {
      const message = refusal((r) => (r.engine = "fluxcd"));
      assert.match(message, /promotion:engine/);
      assert.match(message, /fluxcd/);
      assert.match(message, /argocd \(Argo CD Applications, the default\) or flux/);
    });
    it("Flux settings on an Argo CD stack", () => {
      const message = refusal((r) => {
        r.engine = "argocd";
      });
      assert.match(message, /promotion:flux/);
      assert.match(message, /not set unless promotion:engine is flux \(it is argocd\)/);
    });
    it("manual sync on Flux", () => {
      const message = refusal((r) => (r.syncMode = "manual"));
      assert.match(message, /promotion:syncMode/);
      assert.match(message, /automated on Flux/);
    });
    it("a git:// repository on Flux", () => {
      const message = refusal((r) => (r.apps.myapp.source.repoURL = "git://example.org/myapp.git"));
      assert.match(message, /promotion:apps\.myapp\.source\.repoURL/);
      assert.match(message, /does not clone git:\/\//);
    });
    it("a zero or malformed interval, and Flux's namespace as the environment's", () => {
      const message = refusal(
        (r) => (r.flux = { interval: "0m", timeout: "3 minutes", namespace: "dev" }),
      );
      assert.match(message, /promotion:flux\.interval/);
      assert.match(message, /promotion:flux\.timeout/);
      assert.match(message, /"3 minutes"|3 minutes/);
      assert.match(message, /promotion:flux\.namespace/);
      assert.match(message, /Flux's own namespace/);
    });
  });
});
