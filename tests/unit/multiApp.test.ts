/**
 * Several applications per environment, as in an app-of-apps deployed in sync waves: each app gets
 * its own Application, pinned tag, destination and wave, and the outputs list them all. Runs dev of
 * the multi-app fixture (tests/fixtures/multi-app), whose stack file lists api, dex and migrations.
 */
import { strict as assert } from "assert";
import { MULTI_APP } from "../fixtures";
import { ofType, runProgram } from "../../harness/program";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";

describe("several applications in one environment (tests/fixtures/multi-app)", () => {
  it("declares one Application per app, in sync-wave order, each pinned and placed", async () => {
    const run = await runProgram("dev", {}, undefined, { projectDir: MULTI_APP.dir });
    const applications = ofType(run, APPLICATION).map((r) => r.inputs);
    const byName = Object.fromEntries(applications.map((a) => [a.metadata.name, a]));
    assert.deepEqual(Object.keys(byName).sort(), ["api-dev", "dex-dev", "migrations-dev"]);

    const migrations = byName["migrations-dev"];
    assert.equal(migrations.metadata.annotations["argocd.argoproj.io/sync-wave"], "-1");
    assert.deepEqual(migrations.spec.source.kustomize.images, [
      `ghcr.io/data-literate/migrations${MULTI_APP.devTags.migrations}`,
    ]);
    assert.equal(migrations.spec.source.kustomize.patches, undefined, "nothing to patch");
    assert.equal(migrations.spec.destination.namespace, "dex-dev-jobs");
    assert.equal(byName["api-dev"].metadata.annotations["argocd.argoproj.io/sync-wave"], "1");
    assert.deepEqual(byName["api-dev"].spec.source.kustomize.images, [
      `ghcr.io/data-literate/api:${MULTI_APP.devTags.api}`,
    ]);
    assert.equal(byName["dex-dev"].metadata.annotations["argocd.argoproj.io/sync-wave"], "0");
    assert.deepEqual(byName["dex-dev"].spec.source.kustomize.images, [
      `ghcr.io/data-literate/dex:${MULTI_APP.devTags.dex}`,
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
