/**
 * The Flux path on the test bed's real kube-apiserver with Flux's own CRDs installed
 * (scripts/flux-crds.sh): the real engine declares examples/flux (seed 003) by server-side apply,
 * every dependsOn names a Kustomization that exists, and the gate reads the upstream's live
 * Kustomization. No Flux controller runs here (the Go module proxy refuses several of their
 * dependencies: README, "Flux"), so a Kustomization's status is written by the test as
 * kustomize-controller would write it, through the status subresource.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { testbed } from "./hooks";
import { FLUX_EXAMPLE } from "../fixtures";
import { fluxCrdDirectory } from "../support/fluxCrdSchema";
import { copyProject, engineStack, type EngineProject } from "../../harness/engine";
import { targetedFixture } from "../../harness/testbed";
import { stackFilePath } from "../../config/stackFiles";

const NEW_BUILD = "sha-0031ee01";
const REPO = "https://github.com/example-org/myapp.git";

describe("Flux on the test bed: server-side apply of seed 003 with Flux's CRDs", function () {
  this.timeout(15 * 60_000);
  let project: EngineProject;
  const stacks = new Map<string, Stack>();
  const stack = async (env: string): Promise<Stack> => {
    let s = stacks.get(env);
    if (!s) stacks.set(env, (s = await engineStack(project, env)));
    return s;
  };
  const setTag = (env: string, tag: string) => {
    const file = stackFilePath(project.dir, env);
    const text = fs.readFileSync(file, "utf8");
    const changed = text.replace(/^(\s*tag:\s*).*$/m, `$1${tag}`);
    assert.notEqual(changed, text);
    fs.writeFileSync(file, changed);
  };

  before(function () {
    const bed = testbed();
    // Flux's CRDs as the controllers' releases ship them, and Flux's namespace, as `flux install` makes it.
    bed.kubectl(["apply", "--server-side", "-f", fluxCrdDirectory()]);
    for (const crd of [
      "kustomizations.kustomize.toolkit.fluxcd.io",
      "helmreleases.helm.toolkit.fluxcd.io",
    ]) {
      bed.kubectl(["wait", "--for=condition=Established", `crd/${crd}`, "--timeout=60s"]);
    }
    bed.kubectl(["create", "namespace", "flux-system"]);
    // The example pointed at the test bed's API server; Flux clones https, so the source stays.
    const dir = targetedFixture(bed, FLUX_EXAMPLE.dir, (env, config) => {
      config.set("promotion:sourceRepos", [REPO]);
      config.setIn(["promotion:apps", "myapp", "source", "repoURL"], REPO);
      // No Flux controllers run here, so dev never reports Ready: staging's and prod's first
      // deployments are reviewed ones (a stack without state is gated, issue #20), removed after.
      if (env !== "dev") {
        config.setIn(["promotion:apps", "myapp", "bypass"], {
          kind: "initial",
          tag: FLUX_EXAMPLE.tag,
          reason: "the test bed runs no Flux controllers",
        });
      }
    });
    project = copyProject({}, dir);
  });

  after(async function () {
    for (const env of ["prod", "staging", "dev"]) {
      await (await stack(env)).destroy({ color: "never" }).catch(() => undefined);
    }
    fs.rmSync(path.dirname(project.dir), { recursive: true, force: true });
  });

  it("up dev, staging, prod: every object accepted, dependsOn resolving to existing Kustomizations", async () => {
    const bed = testbed();
    for (const env of FLUX_EXAMPLE.environments) {
      const result = await (await stack(env)).up({ color: "never" });
      assert.equal(result.summary.result, "succeeded", `up ${env}`);
    }
    // Deployed: the initial bypasses cover nothing any more; the next change removes them.
    for (const env of FLUX_EXAMPLE.environments) {
      const file = stackFilePath(project.dir, env);
      const doc = parseDocument(fs.readFileSync(file, "utf8"));
      doc.deleteIn(["config", "promotion:apps", "myapp", "bypass"]);
      fs.writeFileSync(file, doc.toString());
    }
    for (const env of FLUX_EXAMPLE.environments) {
      const ks = bed.get(
        "kustomizations.kustomize.toolkit.fluxcd.io",
        `myapp-${env}`,
        "flux-system",
      );
      assert.ok(ks, `Kustomization myapp-${env}`);
      assert.deepEqual(ks.spec.images, [
        { name: "ghcr.io/example-org/myapp", newTag: FLUX_EXAMPLE.tag },
      ]);
      // Applied server-side by the Kubernetes provider (its field manager owns the spec).
      const managed = JSON.parse(
        bed.kubectl([
          "get",
          "kustomizations.kustomize.toolkit.fluxcd.io",
          `myapp-${env}`,
          "-n",
          "flux-system",
          "-o",
          "json",
          "--show-managed-fields",
        ]),
      ).metadata.managedFields;
      assert.ok(
        managed.some((f: any) => f.operation === "Apply" && f.fieldsV1?.["f:spec"]?.["f:images"]),
        JSON.stringify(managed),
      );
      for (const dep of ks.spec.dependsOn ?? []) {
        assert.ok(
          bed.get("kustomizations.kustomize.toolkit.fluxcd.io", dep.name, dep.namespace),
          `myapp-${env} depends on ${dep.namespace}/${dep.name}, which exists`,
        );
      }
      const repo = bed.get(
        "gitrepositories.source.toolkit.fluxcd.io",
        `myapp-${env}`,
        "flux-system",
      );
      assert.deepEqual(repo?.spec.ref, { branch: env });
      assert.ok(
        bed.get("providers.notification.toolkit.fluxcd.io", `myapp-${env}-slack`, "flux-system"),
      );
      assert.ok(bed.get("alerts.notification.toolkit.fluxcd.io", `myapp-${env}`, "flux-system"));
      assert.ok(bed.get("networkpolicy", "isolate-environment", env), `namespace ${env} isolated`);
      assert.equal(ks.spec.serviceAccountName, `myapp-${env}`);
      assert.ok(bed.get("serviceaccount", `myapp-${env}`, "flux-system"));
      // The account may act in its own namespace only (what the API server's RBAC answers).
      const can = (namespace: string): string => {
        const args = ["auth", "can-i", "create", "deployments", "-n", namespace];
        args.push(`--as=system:serviceaccount:flux-system:myapp-${env}`);
        try {
          return bed.kubectl(args).trim();
        } catch (error) {
          // kubectl answers "no" on stdout and exits 1.
          return String((error as { stdout?: string }).stdout ?? error).trim();
        }
      };
      assert.equal(can(env), "yes");
      const other = env === "dev" ? "staging" : "dev";
      assert.equal(can(other), "no", `myapp-${env} may not create in ${other}`);
    }
    const deps = (env: string) =>
      bed.get("kustomizations.kustomize.toolkit.fluxcd.io", `myapp-${env}`, "flux-system")?.spec
        .dependsOn;
    assert.equal(deps("dev"), undefined);
    assert.deepEqual(deps("staging"), [{ name: "myapp-dev", namespace: "flux-system" }]);
    assert.deepEqual(deps("prod"), [{ name: "myapp-staging", namespace: "flux-system" }]);
  });

  it("the gate reads dev's live Kustomization: refused until Flux reports it Ready on the tag", async () => {
    const bed = testbed();
    setTag("dev", NEW_BUILD);
    assert.equal((await (await stack("dev")).up({ color: "never" })).summary.result, "succeeded");
    setTag("staging", NEW_BUILD);

    // No controller has reconciled dev's new spec: its health is unknown, which never passes.
    const refused = await (
      await stack("staging")
    )
      .up({ color: "never" })
      .then(() => "succeeded")
      .catch((error: unknown) => String(error));
    assert.match(
      refused,
      /staging cannot take sha-0031ee01 yet: dev's Kustomization myapp-dev's health is unknown: Flux has not reconciled its current generation 2 \(observed: -1; is the kustomize-controller running\?\)/,
      refused,
    );

    // What kustomize-controller writes once it has applied the new spec and its health checks pass.
    const ks = bed.get("kustomizations.kustomize.toolkit.fluxcd.io", "myapp-dev", "flux-system")!;
    const now = new Date().toISOString();
    const status = {
      observedGeneration: ks.metadata.generation,
      lastAppliedRevision: "dev@sha1:4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ReconciliationSucceeded",
          message: "Applied revision: dev@sha1:4f1e2d3c",
          lastTransitionTime: now,
          observedGeneration: ks.metadata.generation,
        },
      ],
      history: [
        {
          digest: "sha256:0031ee01",
          firstReconciled: now,
          lastReconciled: now,
          lastReconciledDuration: "1.2s",
          lastReconciledStatus: "ReconciliationSucceeded",
          totalReconciliations: 1,
        },
      ],
    };
    bed.kubectl([
      "patch",
      "kustomizations.kustomize.toolkit.fluxcd.io",
      "myapp-dev",
      "-n",
      "flux-system",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status }),
    ]);

    const result = await (await stack("staging")).up({ color: "never" });
    assert.equal(result.summary.result, "succeeded");
    const records = (await (await stack("staging")).outputs()).promotionRecords.value.myapp;
    assert.equal(records[0].tag, NEW_BUILD);
    assert.equal(records[0].kind, "promotion");
    assert.match(records[0].checks, /^dev Ready on sha-0031ee01 \(revision dev@sha1:4f1e2d3c4b5a/);
    const staging = bed.get(
      "kustomizations.kustomize.toolkit.fluxcd.io",
      "myapp-staging",
      "flux-system",
    );
    assert.deepEqual(staging?.spec.images, [
      { name: "ghcr.io/example-org/myapp", newTag: NEW_BUILD },
    ]);
  });
});
