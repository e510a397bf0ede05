/**
 * Helm-chart apps (seed 004) on both engines, from tests/fixtures/helm: the chart at the version
 * the stack file pins, the environment's values with the pinned tag written at the app's values
 * path, on Argo CD through spec.source.helm and on Flux through a HelmRelease and its
 * HelmRepository or OCIRepository; every object fits its engine's CRD.
 */
import { strict as assert } from "assert";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import { HELM } from "../fixtures";
import { ofType, runProgram } from "../../harness/program";
import { argoCrdErrors } from "../support/crdSchema";
import { fluxCrdErrors } from "../support/fluxCrdSchema";
import { validateStackConfig } from "../../config/validate";
import { engineConfig } from "../../config/stackFiles";
import { decodeConfigValues } from "../../config/decode";
import { helmValues, setValueAt } from "../../rules/helm";
import { decideUpstreamHealth, runningSince, type ApplicationStatus } from "../../rules/gate";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";
const FLUX = { "promotion:engine": "flux" };

describe("Helm-chart apps (tests/fixtures/helm)", function () {
  this.timeout(120_000);

  it("Argo CD: the chart at its pinned version, the tag at the app's values path", async () => {
    const run = await runProgram("dev", {}, undefined, { projectDir: HELM.dir });
    const apps: Record<string, any> = Object.fromEntries(
      ofType(run, APPLICATION).map((r) => [r.inputs.metadata.name, r.inputs]),
    );
    assert.deepEqual(Object.keys(apps).sort(), [
      "cert-manager-dev",
      "ingress-nginx-dev",
      "loki-dev",
    ]);
    for (const app of Object.values(apps)) {
      assert.deepEqual(argoCrdErrors(app), [], `${app.metadata.name} does not fit the CRD`);
      new Application(app).validate();
    }
    assert.deepEqual(apps["cert-manager-dev"].spec.source, {
      repoURL: "https://charts.jetstack.io",
      chart: "cert-manager",
      targetRevision: HELM.chartVersions["cert-manager"],
      helm: {
        releaseName: "cert-manager",
        valuesObject: {
          crds: { enabled: false },
          replicaCount: 1,
          image: {
            repository: "quay.io/jetstack/cert-manager-controller",
            tag: HELM.devTags["cert-manager"],
          },
        },
      },
    });
    const nginx = apps["ingress-nginx-dev"].spec.source.helm.valuesObject;
    assert.deepEqual(nginx.controller, {
      service: { type: "ClusterIP" },
      replicaCount: 1,
      image: { tag: HELM.devTags["ingress-nginx"] },
    });
    // An OCI chart: Argo CD names the registry without its scheme.
    assert.equal(apps["loki-dev"].spec.source.repoURL, "ghcr.io/grafana/helm-charts");
    assert.equal(apps["loki-dev"].spec.source.helm.releaseName, "loki-dev");
    assert.equal(apps["loki-dev"].spec.source.helm.valuesObject.loki.image.tag, HELM.devTags.loki);
    // The image annotation the gate and the drift check read is the same as for kustomize apps.
    assert.equal(
      apps["loki-dev"].metadata.annotations["promotion.gitops/image"],
      `docker.io/grafana/loki:${HELM.devTags.loki}`,
    );
  });

  it("Flux: a HelmRelease per app, from a HelmRepository or (oci://) an OCIRepository", async () => {
    for (const stack of HELM.environments) {
      const run = await runProgram(stack, FLUX, undefined, { projectDir: HELM.dir });
      const flux = run.resources
        .filter((r) => r.type.includes(".toolkit.fluxcd.io/"))
        .map((r) => r.inputs);
      for (const object of flux) {
        assert.deepEqual(fluxCrdErrors(object), [], `${object.kind} ${object.metadata.name}`);
      }
      const named = (kind: string, name: string): any =>
        flux.find((o) => o.kind === kind && o.metadata.name === name);
      const release = named("HelmRelease", `cert-manager-${stack}`);
      assert.deepEqual(release.spec.chart.spec, {
        chart: "cert-manager",
        version: HELM.chartVersions["cert-manager"],
        sourceRef: { kind: "HelmRepository", name: `cert-manager-${stack}` },
      });
      assert.equal(release.spec.targetNamespace, `platform-${stack}`);
      assert.equal(release.spec.serviceAccountName, `platform-${stack}`);
      assert.equal(release.spec.install.createNamespace, false);
      assert.equal(release.spec.values.image.tag, HELM.devTags["cert-manager"]);
      assert.deepEqual(named("HelmRepository", `cert-manager-${stack}`).spec, {
        url: "https://charts.jetstack.io",
        interval: "10m",
      });
      const loki = named("HelmRelease", `loki-${stack}`);
      assert.deepEqual(loki.spec.chartRef, { kind: "OCIRepository", name: `loki-${stack}` });
      assert.equal(loki.spec.chart, undefined);
      const oci = named("OCIRepository", `loki-${stack}`);
      assert.equal(oci.spec.url, "oci://ghcr.io/grafana/helm-charts/loki");
      assert.deepEqual(oci.spec.ref, { tag: HELM.chartVersions.loki });
      const [alert] = flux.filter((o) => o.kind === "Alert");
      assert.deepEqual(
        alert.spec.eventSources.map((s: { kind: string }) => s.kind),
        ["HelmRelease", "HelmRelease", "HelmRelease"],
      );
      // stage depends on dev's HelmRelease only when dev runs Flux too: here dev's file says argocd.
      assert.equal(release.spec.dependsOn, undefined);
    }
  });

  it("a chart in a git repository (path, revision) on both engines, each object CRD-valid", async () => {
    const repo = "https://github.com/data-literate/dex.git";
    const overrides = {
      "promotion:sourceRepos": JSON.stringify([repo]),
      "promotion:apps": JSON.stringify({
        dex: {
          image: "ghcr.io/data-literate/dex",
          tag: "sha-5eed0a1b",
          helm: {
            repoURL: repo,
            path: "charts/dex",
            version: "main",
            imagePath: "image.repository",
          },
          replicas: 2,
        },
      }),
    };
    const argo = await runProgram("dev", overrides, undefined, { projectDir: HELM.dir });
    const [app] = ofType(argo, APPLICATION).map((r) => r.inputs);
    assert.deepEqual(argoCrdErrors(app), []);
    assert.deepEqual(app.spec.source, {
      repoURL: repo,
      path: "charts/dex",
      targetRevision: "main",
      helm: {
        releaseName: "dex",
        valuesObject: {
          replicaCount: 2,
          image: { repository: "ghcr.io/data-literate/dex", tag: "sha-5eed0a1b" },
        },
      },
    });
    const flux = await runProgram("dev", { ...overrides, ...FLUX }, undefined, {
      projectDir: HELM.dir,
    });
    const objects = flux.resources
      .filter((r) => r.type.includes(".toolkit.fluxcd.io/"))
      .map((r) => r.inputs);
    for (const object of objects) assert.deepEqual(fluxCrdErrors(object), [], object.kind);
    const source: any = objects.find((o) => o.kind === "GitRepository");
    assert.deepEqual(source.spec.ref, { branch: "main" });
    const release: any = objects.find((o) => o.kind === "HelmRelease");
    assert.deepEqual(release.spec.chart.spec, {
      chart: "./charts/dex",
      sourceRef: { kind: "GitRepository", name: "dex-dev" },
      reconcileStrategy: "Revision",
    });
  });

  it("writes values at dotted paths without touching the environment's other values", () => {
    const values = { image: { pullPolicy: "IfNotPresent" }, other: 1 };
    assert.deepEqual(setValueAt(values, "image.tag", "v1"), {
      image: { pullPolicy: "IfNotPresent", tag: "v1" },
      other: 1,
    });
    assert.deepEqual(values, { image: { pullPolicy: "IfNotPresent" }, other: 1 }, "not mutated");
    const chart = {
      repoURL: "https://x",
      chart: "c",
      version: "1.0.0",
      tagPath: "a.b.tag",
      replicasPath: "replicaCount",
      values: { a: { b: { tag: "overwritten" } } },
      releaseName: "c",
    };
    assert.deepEqual(helmValues({ image: "r/i", tag: "v2.0.0", replicas: 2 }, chart), {
      a: { b: { tag: "v2.0.0" } },
      replicaCount: 2,
    });
  });

  it("the gate's soak time on Argo CD reads a chart's deployments by the tag at its values path", () => {
    const image = "registry.k8s.io/ingress-nginx/controller";
    const deployed = (id: number, tag: string, at: string) => ({
      id,
      deployedAt: at,
      revision: "4.12.0",
      source: {
        repoURL: "https://kubernetes.github.io/ingress-nginx",
        chart: "ingress-nginx",
        targetRevision: "4.12.0",
        helm: { valuesObject: { controller: { image: { tag } } } },
      },
    });
    const status = {
      sync: { status: "Synced" },
      health: { status: "Healthy" },
      summary: { images: [`${image}:v1.12.0`] },
      history: [
        deployed(1, "v1.11.0", "2026-11-29T10:00:00Z"),
        deployed(2, "v1.12.0", "2026-11-30T10:00:00Z"),
        deployed(3, "v1.12.0", "2026-12-01T09:00:00Z"),
      ],
    } as unknown as ApplicationStatus;
    const helm = { tagPath: "controller.image.tag", tag: "v1.12.0" };
    assert.equal(runningSince(status, `${image}:v1.12.0`, helm), "2026-11-30T10:00:00Z");
    assert.equal(
      runningSince(status, `${image}:v1.12.0`),
      undefined,
      "no image in a chart's history",
    );
    const outcome = decideUpstreamHealth({
      environment: "stage",
      app: "ingress-nginx",
      upstream: "dev",
      tag: "v1.12.0",
      imageRef: `${image}:v1.12.0`,
      settings: { requireHealthy: true, soakSeconds: 24 * 3600 },
      application: { readable: true, name: "ingress-nginx-dev", status },
      now: new Date("2026-12-01T12:00:00Z"),
      helmTagPath: "controller.image.tag",
    });
    assert.equal(outcome.allowed, true, JSON.stringify(outcome));
  });

  describe("refusals name the stack, the key, the value and what is accepted", () => {
    const refusal = (edit: (r: Record<string, any>) => void): string => {
      const raw = decodeConfigValues(engineConfig(HELM.dir, "dev"));
      edit(raw);
      try {
        validateStackConfig("dev", raw);
      } catch (error) {
        return (error as Error).message;
      }
      assert.fail("expected a refusal");
    };
    it("a version range", () => {
      const message = refusal((r) => (r.apps.loki.helm.version = "^6.0.0"));
      assert.match(message, /promotion:apps\.loki\.helm\.version/);
      assert.match(message, /\^6\.0\.0/);
      assert.match(message, /an exact chart version/);
    });
    it("both a chart name and a path, or neither", () => {
      let message = refusal((r) => (r.apps.loki.helm.path = "charts/loki"));
      assert.match(message, /promotion:apps\.loki\.helm\.path/);
      assert.match(message, /exactly one of chart .* and path/);
      message = refusal((r) => delete r.apps.loki.helm.chart);
      assert.match(message, /promotion:apps\.loki\.helm\.chart/);
    });
    it("both a kustomize source and a chart, and neither", () => {
      let message = refusal(
        (r) =>
          (r.apps.loki.source = {
            repoURL: "https://github.com/x/y.git",
            path: "p",
            targetRevision: "main",
          }),
      );
      assert.match(message, /promotion:apps\.loki\.helm/);
      assert.match(message, /an app is a kustomize overlay or a Helm chart/);
      message = refusal((r) => delete r.apps.loki.helm);
      assert.match(message, /promotion:apps\.loki\.source/);
      assert.match(message, /of a Helm chart/);
    });
    it("a digest, overlay-only keys, and a chart repository the AppProject does not allow", () => {
      const message = refusal((r) => {
        r.apps.loki.tag = `@sha256:${"ab".repeat(32)}`;
        r.apps.loki.logLevel = "INFO";
        r.apps["cert-manager"].helm.repoURL = "https://charts.example.org";
      });
      assert.match(message, /promotion:apps\.loki\.tag/);
      assert.match(message, /a tag, not a digest, on a Helm-chart app/);
      assert.match(message, /promotion:apps\.loki\.logLevel/);
      assert.match(message, /say it in promotion:apps\.loki\.helm\.values/);
      assert.match(message, /promotion:apps\.cert-manager\.helm\.repoURL/);
      assert.match(message, /charts\.example\.org/);
      assert.match(message, /one of promotion:sourceRepos/);
    });
  });
});
