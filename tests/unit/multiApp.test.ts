/**
 * Several applications per environment, as in an app-of-apps deployed in sync waves: each app gets
 * its own Application, pinned tag, destination and wave, and the outputs list them all.
 */
import { strict as assert } from "assert";
import { engineConfig } from "../../config/stackFiles";
import { PROJECT_DIR, json, ofType, runProgram } from "../../harness/program";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";

function devWithThreeApps(): Record<string, string> {
  const config = engineConfig(PROJECT_DIR, "dev");
  const dex = JSON.parse(config["promotion:apps"]).dex;
  const apps = {
    api: { ...dex, image: "ghcr.io/data-literate/api", tag: "v20260128-abc1234", syncWave: 1 },
    dex,
    migrations: {
      ...dex,
      image: "ghcr.io/data-literate/migrations",
      tag: `@sha256:${"ab".repeat(32)}`,
      syncWave: -1,
      namespace: "dex-dev-jobs",
      replicas: 0,
      logLevel: undefined,
      resources: undefined,
    },
  };
  return {
    ...config,
    "promotion:apps": json(apps),
    "promotion:extraNamespaces": json(["dex-dev-jobs"]),
  };
}

describe("several applications in one environment", () => {
  it("declares one Application per app, in sync-wave order, each pinned and placed", async () => {
    const run = await runProgram("dev", {}, devWithThreeApps());
    const applications = ofType(run, APPLICATION).map((r) => r.inputs);
    const byName = Object.fromEntries(applications.map((a) => [a.metadata.name, a]));
    assert.deepEqual(Object.keys(byName).sort(), ["api-dev", "dex-dev", "migrations-dev"]);

    const migrations = byName["migrations-dev"];
    assert.equal(migrations.metadata.annotations["argocd.argoproj.io/sync-wave"], "-1");
    assert.deepEqual(migrations.spec.source.kustomize.images, [
      `ghcr.io/data-literate/migrations@sha256:${"ab".repeat(32)}`,
    ]);
    assert.equal(migrations.spec.source.kustomize.patches, undefined, "nothing to patch");
    assert.equal(migrations.spec.destination.namespace, "dex-dev-jobs");
    assert.equal(byName["api-dev"].metadata.annotations["argocd.argoproj.io/sync-wave"], "1");
    assert.deepEqual(byName["api-dev"].spec.source.kustomize.images, [
      "ghcr.io/data-literate/api:v20260128-abc1234",
    ]);

    const namespaces = ofType(run, "kubernetes:core/v1:Namespace").map(
      (r) => r.inputs.metadata.name,
    );
    assert.deepEqual(namespaces.sort(), ["dex-dev", "dex-dev-jobs"]);
    const [project] = ofType(run, "kubernetes:argoproj.io/v1alpha1:AppProject");
    assert.deepEqual(
      project.inputs.spec.destinations.map((d: { namespace: string }) => d.namespace),
      ["dex-dev", "dex-dev-jobs"],
    );
    assert.deepEqual(Object.keys(run.outputs.apps as object), ["migrations", "dex", "api"]);
  });
});
