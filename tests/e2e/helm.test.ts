/**
 * A Helm-chart app on the test bed: dev's dex as a chart in the test bed's GitOps repository
 * (testbed/gitops/charts/dex), pinned by the stack file with the tag written at image.tag; Argo CD's
 * repo-server renders it with helm (scripts/helm-build.sh), syncs it, and kwok runs the pinned
 * image. The tag is the cluster fixture's own.
 */
import { strict as assert } from "assert";
import { testbed } from "./hooks";
import { ClusterProject } from "./support/clusterProject";
import { NAMESPACE, runs } from "./support/cluster";

describe("a Helm-chart app on the test bed (Argo CD)", function () {
  this.timeout(10 * 60_000);
  let project: ClusterProject | undefined;

  after(async function () {
    await project?.teardown(testbed(), ["dev"]);
  });

  it("up dev: the Application renders the chart at the pinned tag, syncs, and the pods run it", async () => {
    const bed = testbed();
    project = new ClusterProject(bed, {
      edit: (env, config) => {
        if (env !== "dev") return;
        const dex = config.getIn(["promotion:apps", "dex"]);
        for (const key of ["source", "logLevel", "resources", "env"]) dex.delete(key);
        dex.set("helm", {
          repoURL: bed.gitUrl,
          path: "charts/dex",
          version: "main",
          imagePath: "image.repository",
        });
      },
    });
    const tag = project.tag("dev");
    const result = await project.up("dev");
    assert.equal(result.summary.result, "succeeded");
    const app = bed.application("dex-dev");
    assert.equal(app?.spec.source.path, "charts/dex");
    assert.equal(app?.spec.source.helm.valuesObject.image.tag, tag);
    await runs(bed, "dev", tag);
    const deployment = bed.get("deployment", "dex", NAMESPACE.dev);
    assert.equal(deployment?.spec.replicas, app?.spec.source.helm.valuesObject.replicaCount);
  });
});
