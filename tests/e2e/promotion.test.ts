/**
 * A promotion end to end on the test bed: the real engine declares the cluster fixture's
 * environments in a real kube-apiserver, a real Argo CD syncs them from the test bed's git daemon,
 * kwok runs the pods. Every tag here is the fixture's own or made up by the test.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { testbed } from "./hooks";
import { ClusterProject } from "./support/clusterProject";
import { IMAGE, appState, deployedImage, runs } from "./support/cluster";
import { until, type Testbed } from "../../harness/testbed";

/** The refusal an `up` ended with (the gate's message), or a failure if it did not fail. */
async function refusedUp(project: ClusterProject, env: string): Promise<string> {
  try {
    await project.up(env);
  } catch (error) {
    return String(error);
  }
  assert.fail(`up ${env} was expected to be refused by the gate`);
}

/** Sets an environment's soak time in its stack file and commits it, as a reviewed change would. */
function setGate(project: ClusterProject, env: string, soakTime: string): void {
  const file = `Pulumi.${env}.yaml`;
  const text = project.repo.read(file);
  const changed = text.replace(/^(\s*soakTime:\s*).*$/m, `$1${soakTime}`);
  assert.notEqual(changed, text, `${file} has a soakTime line`);
  project.repo.write(file, changed);
  project.repo.git("commit", "--quiet", "-m", `${env}: soak time ${soakTime}`, "--", file);
}

/** Pushes a change to the GitOps repository the test bed serves (as a developer would). */
function pushToGitops(bed: Testbed, change: (work: string) => void, message: string): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-work-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: work,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "e2e",
        GIT_AUTHOR_EMAIL: "e2e@127.0.0.1",
        GIT_COMMITTER_NAME: "e2e",
        GIT_COMMITTER_EMAIL: "e2e@127.0.0.1",
      },
    });
  try {
    git("clone", "--quiet", bed.gitDir, ".");
    change(work);
    git("commit", "--quiet", "-am", message);
    git("push", "--quiet", "origin", "main");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

describe("promotion on the test bed (real kube-apiserver, Argo CD, engine)", function () {
  let bed: Testbed;
  let project: ClusterProject;

  before(function () {
    bed = testbed();
    project = new ClusterProject(bed);
  });

  after(async function () {
    await project?.teardown(bed, ["prod", "stage", "dev"]);
  });

  it("dev up: its Application is Synced and Healthy and the dex Deployment runs dev's tag", async function () {
    await project.up("dev");
    await runs(bed, "dev", project.tag("dev"));

    const deployment = bed.get("deployment", "dex", "dex-dev")!;
    assert.equal(deployment.spec.replicas, 2, "replicas from Pulumi.dev.yaml");
    assert.deepEqual(deployment.spec.template.spec.containers[0].env, [
      { name: "LOG_LEVEL", value: "DEBUG" },
    ]);
    // The guardrails the program declares around the namespace are real objects.
    assert.ok(
      bed.get("resourcequota", "dex-dev", "dex-dev") ?? bed.list("resourcequota", "dex-dev")[0],
    );
    assert.equal(bed.list("limitrange", "dex-dev").length, 1, "one LimitRange");
    assert.ok(bed.list("networkpolicy", "dex-dev").length >= 1, "a NetworkPolicy");
    const appProject = bed.get("appprojects.argoproj.io", "dex-dev", "argocd")!;
    assert.deepEqual(
      appProject.spec.destinations.map((d: any) => d.namespace),
      ["dex-dev"],
    );
  });

  it("stage and prod up: stage syncs on its own, prod stays OutOfSync until synced by hand", async function () {
    await project.up("stage");
    await runs(bed, "stage", project.tag("stage"));

    await project.up("prod");
    const prodTag = project.tag("prod");
    await until(
      "dex-prod compared and OutOfSync",
      60_000,
      () => {
        const s = bed.application("dex-prod")?.status;
        return s?.sync?.status === "OutOfSync" && s?.sync?.comparedTo !== undefined;
      },
      () => appState(bed, "prod"),
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(
      bed.application("dex-prod")!.status.sync.status,
      "OutOfSync",
      "prod never syncs on its own",
    );
    assert.equal(deployedImage(bed, "prod"), undefined, "nothing deployed in prod before the sync");

    bed.syncByHand("dex-prod");
    await runs(bed, "prod", prodTag);
  });

  it("a CI tag bump and a CLI promotion: dev, then stage run the new build", async function () {
    const build = "sha-c1a5e0c3";
    project.repo.commitTag("dev", "dex", build);
    await project.up("dev");
    await runs(bed, "dev", build);

    const promoted = await project.cli(["promote", "--from", "dev", "--to", "stage"]);
    assert.equal(promoted.code, 0, promoted.stderr + promoted.stdout);
    project.merge(`promote-stage-${build}`);
    assert.equal(project.tag("stage"), build);
    await project.up("stage");
    await runs(bed, "stage", build);
  });

  it("the gate reads stage's live Application: refused before the soak time, allowed after; prod runs it once synced", async function () {
    const build = project.tag("stage");
    const promoted = await project.cli(["promote", "--from", "stage", "--to", "prod"]);
    assert.equal(promoted.code, 0, promoted.stderr + promoted.stdout);
    project.merge(`promote-prod-${build}`);

    // A soak time no test outlasts: refused, whatever the machine's speed.
    setGate(project, "prod", "1h");
    const refusal = await refusedUp(project, "prod");
    assert.match(refusal, /stage has run it for \w+ of the 1h soak time \(since /, refusal);
    assert.notEqual(
      deployedImage(bed, "prod"),
      `${IMAGE}:${build}`,
      "a refused up changes nothing",
    );

    // The fixture's own 20s: allowed once stage has run the tag that long.
    setGate(project, "prod", "20s");
    const since = Date.parse(
      bed.application("dex-stage")!.status.history.slice(-1)[0].deployedAt as string,
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, since + 21_000 - Date.now())));
    await project.up("prod");
    await until(
      "dex-prod OutOfSync on the new tag",
      60_000,
      () => bed.application("dex-prod")?.status?.sync?.status === "OutOfSync",
    );
    assert.notEqual(deployedImage(bed, "prod"), `${IMAGE}:${build}`, "manual: not before the sync");
    bed.syncByHand("dex-prod");
    await runs(bed, "prod", build);
  });

  it("the gate refuses while stage is Degraded, and allows once it is Healthy again", async function () {
    // A manifest change breaks stage: its pods exceed the namespace's LimitRange, so none can be
    // created, and the Deployment's short progress deadline turns it Degraded.
    pushToGitops(
      bed,
      (work) =>
        fs.writeFileSync(
          path.join(work, "infra/argocd/overlays/stage/kustomization.yaml"),
          `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../base]
labels:
  - pairs: { app.kubernetes.io/environment: stage }
patches:
  - target: { kind: Deployment, name: dex }
    patch: |
      - { op: add, path: /spec/progressDeadlineSeconds, value: 5 }
      - { op: add, path: /spec/template/spec/containers/0/resources, value: { limits: { memory: 64Gi } } }
`,
        ),
      "stage: a change that breaks the rollout",
    );
    const build = "sha-c1a5e0d4";
    try {
      project.repo.commitTag("dev", "dex", build);
      await project.up("dev");
      await runs(bed, "dev", build);
      const toStage = await project.cli(["promote", "--from", "dev", "--to", "stage"]);
      assert.equal(toStage.code, 0, toStage.stderr);
      project.merge(`promote-stage-${build}`);
      await project.up("stage");
      bed.refresh("dex-stage");
      await until(
        "dex-stage Degraded",
        120_000,
        () => bed.application("dex-stage")?.status?.health?.status === "Degraded",
        () => appState(bed, "stage"),
      );

      const toProd = await project.cli(["promote", "--from", "stage", "--to", "prod"]);
      assert.equal(toProd.code, 0, toProd.stderr);
      project.merge(`promote-prod-${build}`);
      const refusal = await refusedUp(project, "prod");
      assert.match(
        refusal,
        /stage's Application dex-stage is Synced and Degraded \(it runs ghcr.io\/data-literate\/dex:sha-c1a5e0\w+, not ghcr.io\/data-literate\/dex:sha-c1a5e0d4\)/,
        refusal,
      );
    } finally {
      // The fix: the overlay as it was; stage rolls out and becomes Healthy.
      pushToGitops(
        bed,
        (work) =>
          fs.copyFileSync(
            path.join(
              __dirname,
              "..",
              "..",
              "testbed/gitops/infra/argocd/overlays/stage/kustomization.yaml",
            ),
            path.join(work, "infra/argocd/overlays/stage/kustomization.yaml"),
          ),
        "stage: revert the broken change",
      );
      bed.refresh("dex-stage");
    }
    await runs(bed, "stage", build);
    await until("the 20s soak time of stage", 60_000, async () => {
      try {
        await project.up("prod");
        return true;
      } catch (error) {
        if (!/soak time/.test(String(error))) throw error;
        return false;
      }
    });
    bed.syncByHand("dex-prod");
    await runs(bed, "prod", build);
  });

  it("a rollback and a hotfix put the previous and the fixed image back in prod's Deployment", async function () {
    const current = project.tag("prod");
    const rollback = await project.cli([
      "rollback",
      "--env",
      "prod",
      "--reason",
      "e2e: the new build misbehaves",
    ]);
    assert.equal(rollback.code, 0, rollback.stderr + rollback.stdout);
    project.mergeNewBranch("rollback-prod-");
    const previous = project.tag("prod");
    assert.notEqual(previous, current, "a rollback pins a tag prod ran before");
    await project.up("prod");
    bed.syncByHand("dex-prod");
    await runs(bed, "prod", previous);

    const fixed = "sha-c1a5e0f1";
    const hotfix = await project.cli([
      "hotfix",
      "--env",
      "prod",
      "--app",
      "dex",
      "--tag",
      fixed,
      "--reason",
      "e2e: CVE fix straight to prod",
    ]);
    assert.equal(hotfix.code, 0, hotfix.stderr + hotfix.stdout);
    project.mergeNewBranch("hotfix-prod-");
    assert.equal(project.tag("prod"), fixed);
    await project.up("prod");
    bed.syncByHand("dex-prod");
    await runs(bed, "prod", fixed);
    const annotations = bed.application("dex-prod")!.metadata.annotations as Record<string, string>;
    assert.ok(
      Object.values(annotations).some((value) => value.includes("CVE fix straight to prod")),
      `the hotfix's reason is recorded on the Application: ${JSON.stringify(annotations)}`,
    );
  });

  it("the AppProject confines: another environment's namespace and an unlisted repository are refused by Argo CD", async function () {
    const intruder = (name: string, namespace: string, repoURL: string) =>
      bed.kubectl(
        ["apply", "-f", "-"],
        JSON.stringify({
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Application",
          metadata: { name, namespace: "argocd" },
          spec: {
            project: "dex-dev",
            source: { repoURL, path: "infra/argocd/overlays/dev", targetRevision: "main" },
            destination: { server: "https://kubernetes.default.svc", namespace },
            syncPolicy: { automated: {} },
          },
        }),
      );
    intruder("e2e-wrong-namespace", "dex-stage", bed.gitUrl);
    intruder("e2e-wrong-repo", "dex-dev", "git://127.0.0.1:1/elsewhere.git");
    try {
      const refused = (name: string) =>
        until(
          `Argo CD to refuse ${name}`,
          60_000,
          () => {
            const conditions = bed.application(name)?.status?.conditions ?? [];
            return conditions.find((c: any) => c.type === "InvalidSpecError")?.message as
              string | undefined;
          },
          () => JSON.stringify(bed.application(name)?.status ?? {}),
        );
      assert.match(
        await refused("e2e-wrong-namespace"),
        /namespace 'dex-stage' do not match any of the allowed destinations in project 'dex-dev'/,
      );
      assert.match(await refused("e2e-wrong-repo"), /repo.*not permitted|not permitted.*repo/i);
      // Nothing of dev's landed in stage's namespace.
      assert.deepEqual(
        bed
          .list("deployment", "dex-stage")
          .map((d) => d.metadata.labels?.["app.kubernetes.io/environment"]),
        ["stage"],
      );
    } finally {
      bed.kubectl([
        "delete",
        "applications.argoproj.io",
        "-n",
        "argocd",
        "e2e-wrong-namespace",
        "e2e-wrong-repo",
        "--wait=false",
      ]);
    }
  });

  it("a sync window denies stage's sync, so stage stays OutOfSync and the gate refuses prod; without it stage syncs", async function () {
    const window =
      'promotion:syncWindows:\n  - { kind: deny, schedule: "* * * * *", duration: 24h, manualSync: false }\n';
    const file = "Pulumi.stage.yaml";
    project.repo.write(
      file,
      project.repo
        .read(file)
        .replace("config:\n", `config:\n  ${window.replace(/\n  -/, "\n    -")}`),
    );
    project.repo.git("commit", "--quiet", "-am", "stage: freeze");
    await project.up("stage");

    const build = "sha-c1a5e0e5";
    project.repo.commitTag("dev", "dex", build);
    await project.up("dev");
    await runs(bed, "dev", build);
    const toStage = await project.cli(["promote", "--from", "dev", "--to", "stage"]);
    assert.equal(toStage.code, 0, toStage.stderr);
    project.merge(`promote-stage-${build}`);
    await project.up("stage");
    await until(
      "dex-stage OutOfSync on the new tag",
      60_000,
      () => {
        const s = bed.application("dex-stage")?.status;
        return (
          s?.sync?.status === "OutOfSync" &&
          (s.sync.comparedTo?.source?.kustomize?.images ?? []).includes(`${IMAGE}:${build}`)
        );
      },
      () => appState(bed, "stage"),
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.notEqual(
      deployedImage(bed, "stage"),
      `${IMAGE}:${build}`,
      "the window held the sync back",
    );

    // By hand too (the window has manualSync false): the operation waits, blocked, and nothing runs.
    bed.syncByHand("dex-stage");
    try {
      const blocked = await until("the manual sync to be held by the window", 60_000, () => {
        const op = bed.application("dex-stage")?.status?.operationState;
        return op?.message && /blocked by sync window/i.test(op.message as string)
          ? `${op.phase}: ${op.message}`
          : undefined;
      });
      assert.match(blocked, /^Running: Sync operation blocked by sync window/, blocked);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.notEqual(deployedImage(bed, "stage"), `${IMAGE}:${build}`);
    } finally {
      bed.terminateOperation("dex-stage");
    }
    await until(
      "the held operation to end",
      60_000,
      () => {
        const app = bed.application("dex-stage");
        return !app?.operation && app?.status?.operationState?.phase !== "Running";
      },
      () => JSON.stringify(bed.application("dex-stage")?.status?.operationState ?? {}),
    );

    const toProd = await project.cli([
      "promote",
      "--from",
      "stage",
      "--to",
      "prod",
      "--confirm",
      "e2e: replaces the hotfix",
    ]);
    assert.equal(toProd.code, 0, toProd.stderr + toProd.stdout);
    project.merge(`promote-prod-${build}`);
    const refusal = await refusedUp(project, "prod");
    assert.match(
      refusal,
      /stage's Application dex-stage is OutOfSync and Healthy \(it runs /,
      refusal,
    );

    // The window lifted, the sync goes through. Argo CD does not retry on its own a sync of the
    // same revision and parameters whose last attempt failed (the terminated one): sync by hand.
    project.repo.write(
      file,
      project.repo.read(file).replace(/  promotion:syncWindows:\n    - .*\n/, ""),
    );
    project.repo.git("commit", "--quiet", "-am", "stage: unfreeze");
    await project.up("stage");
    assert.deepEqual(
      bed.get("appprojects.argoproj.io", "dex-stage", "argocd")!.spec.syncWindows ?? [],
      [],
    );
    bed.syncByHand("dex-stage");
    await runs(bed, "stage", build);
  });

  it("destroy of an environment removes its Applications and, through the finalizer, what they deployed", async function () {
    await project.destroy("dev");
    await until(
      "dex-dev's Application, Deployment and namespace gone",
      120_000,
      () =>
        !bed.application("dex-dev") &&
        !bed.get("deployment", "dex", "dex-dev") &&
        !bed.get("namespace", "dex-dev"),
      () =>
        `${appState(bed, "dev")}; deployment ${deployedImage(bed, "dev") ?? "gone"}; namespace ${bed.get("namespace", "dex-dev")?.status?.phase ?? "gone"}`,
    );
    assert.equal(bed.get("appprojects.argoproj.io", "dex-dev", "argocd"), undefined);
    assert.ok(bed.get("deployment", "dex", "dex-stage"), "stage is untouched");
  });
});
