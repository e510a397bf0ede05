/**
 * The checks across stack files that run before anything is declared: two environments on one
 * cluster may not share a namespace (stage set to prod's "dex" used to be accepted).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackFile } from "../../config/stackFiles";
import { checkAcrossStacks } from "../../preflight/crossStack";
import { clusterOf, sharedNamespaceProblems } from "../../rules/namespaces";
import { RefusedError } from "../../rules/verdict";

const SEED = path.resolve(__dirname, "..", "fixtures", "seed");

/** A copy of the seed fixture with `edit` applied to the text of some stack files. */
function seedWith(edits: Record<string, (text: string) => string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cross-stack-"));
  fs.copyFileSync(path.join(SEED, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const stack of ["dev", "stage", "prod"]) {
    const file = `Pulumi.${stack}.yaml`;
    const text = fs.readFileSync(path.join(SEED, file), "utf8");
    fs.writeFileSync(path.join(dir, file), (edits[stack] ?? ((t) => t))(text));
  }
  return dir;
}

describe("namespaces across environments", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it("refuses two environments sharing a namespace on one cluster, naming both stack files", () => {
    const dir = seedWith({
      stage: (t) => t.replace("promotion:namespace: dex-stage", "promotion:namespace: dex"),
    });
    dirs.push(dir);
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
    const dir = seedWith({});
    dirs.push(dir);
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
