/**
 * The checks across stack files that run before anything is declared: two environments on one
 * cluster may not share a namespace (stage set to prod's "dex" used to be accepted).
 */
import { strict as assert } from "assert";
import { loadStackFile } from "../../config/stackFiles";
import { checkAcrossStacks } from "../../preflight/crossStack";
import { clusterOf, sharedNamespaceProblems } from "../../rules/namespaces";
import { RefusedError } from "../../rules/verdict";
import { editedFixture, removeTempProjects } from "../support/promotionProject";

describe("namespaces across environments", () => {
  after(removeTempProjects);

  it("refuses two environments sharing a namespace on one cluster, naming both stack files", () => {
    const dir = editedFixture((files) => {
      files.stage = files.stage.replace(
        "promotion:namespace: dex-stage",
        "promotion:namespace: dex",
      );
    });
    const stage = loadStackFile(dir, "stage");
    assert.throws(
      () => checkAcrossStacks(dir, stage),
      (error: unknown) => {
        assert.ok(error instanceof RefusedError);
        assert.match(
          error.message,
          /^Stack "stage" cannot be declared: the stack files taken together have 2 problems/,
        );
        assert.match(
          error.message,
          /stack "stage": promotion:namespace = "dex"; refused: Pulumi.stage.yaml and Pulumi.prod.yaml both declare namespace "dex" on https:\/\/kubernetes.default.svc; accepted: a namespace no other environment on the same cluster uses/,
        );
        assert.match(
          error.message,
          /stack "prod": promotion:namespace = "dex"; refused: Pulumi.prod.yaml and Pulumi.stage.yaml/,
        );
        return true;
      },
    );
  });

  it("accepts the same namespace on different clusters, and the seed's own namespaces", () => {
    const dir = editedFixture(() => undefined);
    assert.equal(checkAcrossStacks(dir, loadStackFile(dir, "stage")) !== undefined, true);
    const onOwnClusters = ["dev", "prod"].map((stack) => ({
      stack,
      namespaces: ["dex"],
      clusterServer: `https://${stack}.example.com`,
      kubernetes: { mode: "cluster" as const, context: stack },
    }));
    assert.deepEqual(sharedNamespaceProblems(onOwnClusters), []);
    assert.notEqual(clusterOf(onOwnClusters[0]), clusterOf(onOwnClusters[1]));
  });

  it("names an extra namespace by its key", () => {
    const problems = sharedNamespaceProblems([
      {
        stack: "dev",
        namespaces: ["dex-dev", "jobs"],
        clusterServer: "https://c",
        kubernetes: { mode: "render", directory: "r/dev" },
      },
      {
        stack: "stage",
        namespaces: ["dex-stage", "jobs"],
        clusterServer: "https://c",
        kubernetes: { mode: "render", directory: "r/stage" },
      },
    ]);
    assert.deepEqual(
      problems.map((p) => [p.stack, p.key, p.value]),
      [
        ["dev", "promotion:extraNamespaces[0]", "jobs"],
        ["stage", "promotion:extraNamespaces[0]", "jobs"],
      ],
    );
  });
});
