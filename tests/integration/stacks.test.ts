/**
 * Every stack file through the real engine: preview, up in render mode, a no-op second up, a
 * broken config that changes nothing, and stack references across stacks on the file backend.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { orderChain } from "../../rules/chain";
import { loadStackFile } from "../../config/stackFiles";
import { argoCrdErrors } from "../support/crdSchema";
import { PROJECT_DIR } from "../../harness/program";
import {
  copyProject,
  engineStack,
  renderedManifests,
  toolchainBin,
  type EngineProject,
} from "../../harness/engine";

/** The real stack files in chain order, so each upstream is up before its downstream. */
const stacks = orderChain(
  ["dev", "stage", "prod"].map((s) => {
    const env = loadStackFile(PROJECT_DIR, s);
    return { environment: env.environment, upstream: env.upstream };
  }),
);

/**
 * Operations that change something. "read" is not one: the stack references of the lineage gate
 * are re-read on every run, and `pulumi up --expect-no-changes` accepts them too.
 */
function changeCounts(summary: {
  resourceChanges?: Record<string, number>;
}): Record<string, number> {
  return Object.fromEntries(
    Object.entries(summary.resourceChanges ?? {}).filter(([op]) => op !== "same" && op !== "read"),
  );
}

describe("the real engine", function () {
  this.timeout(15 * 60_000);
  let project: EngineProject;

  before(() => {
    toolchainBin();
    project = copyProject();
  });
  after(() => project?.cleanup());

  for (const stackName of stacks) {
    describe(`stack ${stackName}`, () => {
      it("previews, GitHub governance included, with no token and no network", async () => {
        const stack = await engineStack(project, stackName);
        const types = new Set<string>();
        const preview = await stack.preview({
          diff: false,
          onEvent: (event) => {
            if (event.resourcePreEvent) types.add(event.resourcePreEvent.metadata.type);
          },
        });
        assert.ok(
          (preview.changeSummary.create ?? 0) > 0,
          `nothing to create: ${JSON.stringify(preview.changeSummary)}`,
        );
        const expected = [
          "kubernetes:argoproj.io/v1alpha1:Application",
          "kubernetes:argoproj.io/v1alpha1:AppProject",
          "github:index/repositoryEnvironment:RepositoryEnvironment",
          // prod manages the shared main branch and CODEOWNERS.
          ...(stackName === "prod"
            ? [
                "github:index/branchProtection:BranchProtection",
                "github:index/repositoryFile:RepositoryFile",
              ]
            : []),
        ];
        for (const type of expected)
          assert.ok(types.has(type), `${type} not previewed: ${[...types].join(", ")}`);
      });

      it("renders the manifests on up, each Argo CD object fitting the CRD schema", async () => {
        const stack = await engineStack(project, stackName);
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        const manifests = renderedManifests(project, stackName);
        const kinds = manifests.map((m) => m.kind).sort();
        for (const kind of [
          "Application",
          "AppProject",
          "LimitRange",
          "Namespace",
          "NetworkPolicy",
          "ResourceQuota",
        ]) {
          assert.ok(kinds.includes(kind), `no ${kind} rendered; got ${kinds.join(", ")}`);
        }
        for (const manifest of manifests.filter((m) => m.apiVersion === "argoproj.io/v1alpha1")) {
          assert.deepEqual(
            argoCrdErrors(manifest),
            [],
            `${manifest.kind} ${manifest.metadata?.name}`,
          );
        }
        const outputs = await stack.outputs();
        assert.equal(outputs.environmentName.value, stackName);
      });

      it("reports no changes on a second up", async () => {
        const stack = await engineStack(project, stackName);
        const result = await stack.up();
        assert.deepEqual(changeCounts(result.summary), {});
      });
    });
  }

  // Mocha runs a suite's own tests before its nested suites: these need every stack up first.
  describe("once every stack is up", () => {
    it("resolves stack references between stacks on the file backend", async () => {
      const pulumiCommand = await PulumiCommand.get({ root: path.dirname(toolchainBin()) });
      const reader = await LocalWorkspace.createOrSelectStack(
        {
          stackName: "reference-reader",
          projectName: "promotion",
          program: () => {
            const dev = new pulumi.StackReference(`${pulumi.getOrganization()}/promotion/dev`);
            return Promise.resolve({ devApps: dev.getOutput("apps") });
          },
        },
        {
          workDir: fs.mkdtempSync(path.join(project.backend, "..", "inline-")),
          envVars: project.envVars,
          pulumiCommand,
        },
      );
      const result = await reader.up();
      const devApps = result.outputs.devApps.value as Record<string, { tag: string }>;
      assert.equal(devApps.dex.tag, loadStackFile(PROJECT_DIR, "dev").apps[0].tag);
    });

    it("fails preview and up on a broken config, leaving the state untouched", async () => {
      const stack = await engineStack(project, "prod");
      const before = JSON.stringify((await stack.exportStack()).deployment.resources);
      const stackFile = path.join(project.dir, "Pulumi.prod.yaml");
      const good = fs.readFileSync(stackFile, "utf8");
      try {
        fs.writeFileSync(
          stackFile,
          good
            .replace("tag: sha-0f1e2d3c", "tag: latest")
            .replace("namespace: dex\n", "namespace: kube-system\n"),
        );
        await assert.rejects(stack.preview(), (error: Error) => {
          assert.match(
            error.message,
            /Stack "prod" has 2 configuration problems; nothing was changed/,
          );
          assert.match(
            error.message,
            /promotion:apps\.dex\.tag = "latest"; accepted: sha-<7-40 hex>/,
          );
          assert.match(error.message, /promotion:namespace = "kube-system"/);
          return true;
        });
        await assert.rejects(stack.up(), /promotion:apps\.dex\.tag = "latest"/);
        fs.writeFileSync(stackFile, good.replace(/\n  promotion:namespace: dex\n/, "\n"));
        await assert.rejects(stack.preview(), /promotion:namespace/);
      } finally {
        fs.writeFileSync(stackFile, good);
      }
      const after = JSON.stringify((await stack.exportStack()).deployment.resources);
      assert.equal(after, before, "the failed runs changed the state");
    });
  });
});
