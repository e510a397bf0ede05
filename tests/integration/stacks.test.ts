/**
 * Every real stack file through the real engine, whatever environments and tags they hold today:
 * preview, up in render mode, a no-op second up, a broken config that changes nothing, and stack
 * references across stacks on the file backend. What each stack is expected to do is read from its
 * own stack file, never written here.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { parseDocument, type Document } from "yaml";
import { listStacks, loadStackFile, stackFilePath } from "../../config/stackFiles";
import { orderChain } from "../../rules/chain";
import { argoCrdErrors } from "../support/crdSchema";
import { PROJECT_DIR } from "../../harness/program";
import {
  copyProject,
  engineStack,
  renderedManifests,
  toolchainBin,
  type EngineProject,
} from "../../harness/engine";

/** The real stack files, as found, in chain order: each upstream is up before its downstream. */
const stacks = orderChain(listStacks(PROJECT_DIR).map((s) => loadStackFile(PROJECT_DIR, s)));

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
    // A fresh backend: every stack after the first takes what its file pins through a reviewed
    // first deployment (a stack without state is gated like a promotion, issue #20), as
    // `npm run promote -- initial` writes it, whatever the files pin today.
    for (const config of stacks.map((s) => loadStackFile(PROJECT_DIR, s))) {
      if (!config.upstream) continue;
      const file = stackFilePath(project.dir, config.stack);
      const doc = parseDocument(fs.readFileSync(file, "utf8"));
      for (const app of config.apps) {
        const path = ["config", "promotion:apps", app.name, "bypass"];
        if (!doc.hasIn(path)) {
          doc.setIn(path, { kind: "initial", tag: app.tag, reason: "a fresh backend" });
        }
      }
      fs.writeFileSync(file, doc.toString());
    }
  });
  after(() => project?.cleanup());

  for (const stackName of stacks) {
    describe(`stack ${stackName}`, () => {
      it("previews with no token and no network, leaving GitHub alone as an offline up does", async () => {
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
        for (const type of [
          "kubernetes:argoproj.io/v1alpha1:Application",
          "kubernetes:argoproj.io/v1alpha1:AppProject",
        ])
          assert.ok(types.has(type), `${type} not previewed: ${[...types].join(", ")}`);
        // The stack never managed GitHub: without a token its preview, like its up, declares no
        // GitHub object, so a preview after an offline up shows no change.
        const github = [...types].filter((t) => t.startsWith("github:"));
        assert.deepEqual(
          github,
          [],
          `GitHub objects previewed without a token: ${github.join(", ")}`,
        );
        assert.match(preview.stderr + preview.stdout, /No GitHub token: this run of stack/);
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

      it("previews no change right after an up with the same inputs, without a token", async () => {
        const stack = await engineStack(project, stackName);
        const preview = await stack.preview({ diff: false });
        const changed = Object.entries(preview.changeSummary).filter(([op]) => op !== "same");
        assert.deepEqual(changed, [], `preview after up: ${JSON.stringify(preview.changeSummary)}`);
      });
    });
  }

  // Mocha runs a suite's own tests before its nested suites: these need every stack up first.
  describe("once every stack is up", () => {
    it("resolves stack references between stacks on the file backend", async () => {
      const first = loadStackFile(PROJECT_DIR, stacks[0]);
      const pulumiCommand = await PulumiCommand.get({ root: path.dirname(toolchainBin()) });
      const reader = await LocalWorkspace.createOrSelectStack(
        {
          stackName: "reference-reader",
          projectName: "promotion",
          program: () => {
            const ref = new pulumi.StackReference(
              `${pulumi.getOrganization()}/promotion/${first.stack}`,
            );
            return Promise.resolve({ apps: ref.getOutput("apps") });
          },
        },
        {
          workDir: fs.mkdtempSync(path.join(project.backend, "..", "inline-")),
          envVars: project.envVars,
          pulumiCommand,
        },
      );
      const result = await reader.up();
      const apps = result.outputs.apps.value as Record<string, { tag: string }>;
      for (const app of first.apps) assert.equal(apps[app.name].tag, app.tag, app.name);
    });

    it("fails preview and up on a broken config, leaving the state untouched", async () => {
      // The last environment of the chain, broken in two places its own file names.
      const last = loadStackFile(PROJECT_DIR, stacks[stacks.length - 1]);
      const app = last.apps[0].name;
      const stack = await engineStack(project, last.stack);
      const before = JSON.stringify((await stack.exportStack()).deployment.resources);
      const stackFile = stackFilePath(project.dir, last.stack);
      const good = fs.readFileSync(stackFile, "utf8");
      const broken = (change: (doc: Document) => void): string => {
        const doc = parseDocument(good);
        change(doc);
        return doc.toString();
      };
      try {
        fs.writeFileSync(
          stackFile,
          broken((doc) => {
            doc.setIn(["config", "promotion:apps", app, "tag"], "latest");
            doc.setIn(["config", "promotion:namespace"], "kube-system");
          }),
        );
        await assert.rejects(stack.preview(), (error: Error) => {
          // Both problems at once (an app that names its namespace may add a third).
          assert.match(
            error.message,
            new RegExp(
              `Stack "${last.stack}" has \\d+ configuration problems; nothing was changed`,
            ),
          );
          assert.ok(
            error.message.includes(
              `promotion:apps.${app}.tag = "latest"; accepted: sha-<7-40 hex>`,
            ),
            error.message,
          );
          assert.match(error.message, /promotion:namespace = "kube-system"/);
          return true;
        });
        await assert.rejects(stack.up(), (error: Error) =>
          error.message.includes(`promotion:apps.${app}.tag = "latest"`),
        );
        fs.writeFileSync(
          stackFile,
          broken((doc) => doc.deleteIn(["config", "promotion:namespace"])),
        );
        await assert.rejects(stack.preview(), /promotion:namespace/);
      } finally {
        fs.writeFileSync(stackFile, good);
      }
      const after = JSON.stringify((await stack.exportStack()).deployment.resources);
      assert.equal(after, before, "the failed runs changed the state");
    });
  });
});
