/**
 * The CrossGuard policy pack (policy/, docs/policy.md) through the real engine: pulumi preview and
 * up with `--policy-pack policy` on copies of the seed fixture (tests/fixtures/seed), so nothing
 * here depends on what the live stack files pin. The engine starts the pack through the toolchain's
 * Node.js language host (its RunPlugin wrapper) and hands it the stack's configuration.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import {
  copyProject,
  engineStack,
  policyPackDir,
  toolchainBin,
  type EngineProject,
} from "../../harness/engine";
import { SEED } from "../fixtures";

const PACK_APPLIED = /✅ promotion-as-code@v[\d.]+ \(local: .*policy\)/;
const GITHUB_TOKEN_LIKE = `ghp_${"Z9y8X7w6V5".repeat(4)}`;

/** The seed's dev stack file with `change` applied. */
function seedDev(change: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(fs.readFileSync(path.join(SEED.dir, "Pulumi.dev.yaml"), "utf8"));
  change(doc);
  return doc.toString();
}

/** Replaces `from` by `to` in a file of the project copy; `from` must be there, once. */
function editProgram(project: EngineProject, file: string, from: string, to: string): void {
  const full = path.join(project.dir, file);
  const text = fs.readFileSync(full, "utf8");
  assert.equal(text.split(from).length, 2, `${file} no longer holds ${JSON.stringify(from)}`);
  fs.writeFileSync(full, text.replace(from, to));
}

describe("the policy pack with the real engine", function () {
  this.timeout(15 * 60_000);
  let pack: string;
  const projects: EngineProject[] = [];
  before(() => {
    toolchainBin();
    pack = policyPackDir();
  });
  after(() => projects.forEach((p) => p.cleanup()));

  it("lets the seed fixture's dev through, the pack applied", async () => {
    const project = copyProject({}, SEED.dir);
    projects.push(project);
    const stack = await engineStack(project, "dev");
    const preview = await stack.preview({ policyPacks: [pack], diff: false });
    assert.match(preview.stdout, PACK_APPLIED);
    assert.ok((preview.changeSummary.create ?? 0) > 0, JSON.stringify(preview.changeSummary));
  });

  describe("a copy whose stack file and program break every Argo CD policy and the secrets policy", () => {
    let project: EngineProject;
    before(() => {
      project = copyProject(
        {
          "Pulumi.dev.yaml": seedDev((doc) => {
            // Valid for the program, refused by the pack.
            doc.setIn(["config", "promotion:syncMode"], "manual");
            doc.setIn(["config", "promotion:sourceRepos"], ["*"]);
            doc.setIn(["config", "promotion:clusterResources"], [{ group: "*", kind: "*" }]);
            doc.setIn(["config", "promotion:apps", "dex", "env"], { API_TOKEN: GITHUB_TOKEN_LIKE });
          }),
        },
        SEED.dir,
      );
      projects.push(project);
      // What a careless edit of the program could do, whatever the stack file says.
      editProgram(
        project,
        "manifests/argocd.ts",
        "images: [imageReference(app.image, app.tag, app.digest)]",
        'images: [imageReference(app.image, "latest")]',
      );
      editProgram(
        project,
        "manifests/argocd.ts",
        '...(env.syncMode === "automated" ? { automated: { prune: true, selfHeal: true } } : {}),',
        "automated: { prune: true, selfHeal: true },",
      );
      editProgram(
        project,
        "manifests/argocd.ts",
        "      finalizers: [RESOURCES_FINALIZER],\n      labels: { ...commonLabels(env), [LABELS.app]: app.name },",
        "      labels: { ...commonLabels(env), [LABELS.app]: app.name },",
      );
      editProgram(
        project,
        "manifests/argocd.ts",
        "destinations: env.namespaces.map((namespace) => ({ server: env.clusterServer, namespace })),",
        'destinations: [...env.namespaces, "kube-system"].map((namespace) => ({ server: env.clusterServer, namespace })),',
      );
    });

    const expected: Array<[string, RegExp]> = [
      [
        "immutable-image-tags",
        /Application dex-dev: spec\.source\.kustomize\.images\[0\] = "ghcr\.io\/data-literate\/dex:latest"; refused: "latest" is a mutable tag/,
      ],
      [
        "manual-environments-sync-by-hand",
        /Application dex-dev: spec\.syncPolicy\.automated = \{"prune":true,"selfHeal":true\}; refused: environment "dev" is configured promotion:syncMode: manual/,
      ],
      [
        "applications-keep-resources-finalizer",
        /Application dex-dev: metadata\.finalizers = \(not set\); refused: without it, deleting the Application/,
      ],
      [
        "projects-stay-in-their-environment",
        // The engine prints the inputs with their keys sorted.
        /AppProject dex-dev: spec\.destinations\[1\] = \{[^}]*"kube-system"[^}]*\}; refused: namespace "kube-system" is not one of the environment's/,
      ],
      [
        "no-cluster-wide-whitelist",
        /AppProject dex-dev: spec\.clusterResourceWhitelist\[0\] = \{"group":"\*","kind":"\*"\}; refused/,
      ],
      [
        "no-wildcard-source-repos",
        /AppProject dex-dev: spec\.sourceRepos\[0\] = "\*"; refused: it admits every repository/,
      ],
      [
        "no-plaintext-secrets-in-config",
        /stack "dev": promotion:apps\.dex\.env\.API_TOKEN = "\(plain text, not shown\)"; refused: it holds a GitHub token/,
      ],
    ];

    it("is refused by preview, with each policy's message", async () => {
      const stack = await engineStack(project, "dev");
      await assert.rejects(stack.preview({ policyPacks: [pack], diff: false }), (error: Error) => {
        for (const [policy, message] of expected) {
          assert.ok(
            error.message.includes(`[mandatory]  ${policy} `),
            `${policy} did not report:\n${error.message}`,
          );
          assert.match(error.message, message);
        }
        assert.ok(!error.message.includes(GITHUB_TOKEN_LIKE), "the token was printed");
        return true;
      });
    });

    it("is refused by up (preview first, as npm run stack runs it), which changes nothing", async () => {
      await engineStack(project, "dev");
      // The Automation API's up skips the preview; the main job's (scripts/stack.sh) does not.
      const run = spawnSync(
        path.join(toolchainBin(), "pulumi"),
        [
          "up",
          "--stack",
          "dev",
          "--yes",
          "--non-interactive",
          "--skip-preview=false",
          "--policy-pack",
          pack,
        ],
        { cwd: project.dir, env: { ...process.env, ...project.envVars }, encoding: "utf8" },
      );
      const output = `${run.stdout}${run.stderr}`;
      assert.notEqual(run.status, 0, output);
      assert.match(output, /no-wildcard-source-repos/);
      assert.ok(!fs.existsSync(path.join(project.dir, "rendered", "dev")), "up rendered manifests");
      const stack = await engineStack(project, "dev");
      const resources = (await stack.exportStack()).deployment.resources ?? [];
      assert.deepEqual(resources, [], "up recorded resources");
    });

    it("passes the same copy without the pack: the program alone lets all of it through", async () => {
      const stack = await engineStack(project, "dev");
      const preview = await stack.preview({ diff: false });
      assert.ok((preview.changeSummary.create ?? 0) > 0, JSON.stringify(preview.changeSummary));
    });
  });
});
