/**
 * Faults on the test bed, each with nothing lost: the API server killed during an `up`, two `up`s
 * of one stack at once, hand edits (drift), and Argo CD's application-controller down during a
 * promotion.
 */
import { strict as assert } from "assert";
import { engineStack } from "../../harness/engine";
import { testbed } from "./hooks";
import { ClusterProject } from "./support/clusterProject";
import { IMAGE, deployedImage, runs } from "./support/cluster";
import { until, type Testbed } from "../../harness/testbed";

describe("faults on the test bed", function () {
  let bed: Testbed;
  let project: ClusterProject;

  before(function () {
    bed = testbed();
    project = new ClusterProject(bed);
  });

  after(async function () {
    await project?.teardown(bed, ["stage", "dev"]);
  });

  it("the API server killed in the middle of an up: a rerun converges", async function () {
    const running = project.up("dev").then(
      () => "succeeded",
      (error: unknown) => `failed: ${String(error).split("\n").slice(0, 3).join(" ")}`,
    );
    // Kill it once the engine has started creating objects (the namespace comes first).
    await until("the engine to create dex-dev", 120_000, () => bed.get("namespace", "dex-dev"));
    process.kill(bed.pid("kube-apiserver"), "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    bed.startComponent("kube-apiserver");
    await until(
      "the API server to answer again",
      120_000,
      () => bed.kubectl(["get", "--raw", "/readyz"]) === "ok",
    );
    const first = await running;
    console.log(`      the interrupted up ${first}`);

    await project.up("dev");
    const preview = await project.preview("dev");
    const changes = Object.entries(preview.changeSummary).filter(
      ([op, n]) => op !== "same" && n > 0,
    );
    assert.deepEqual(changes, [], `a second preview after the rerun is empty:\n${preview.stdout}`);
    await runs(bed, "dev", project.tag("dev"));
    for (const kind of ["resourcequota", "limitrange", "networkpolicy"]) {
      assert.ok(bed.list(kind, "dex-dev").length >= 1, `the ${kind} exists after the rerun`);
    }
  });

  it("a second concurrent up of one stack is refused by the stack lock", async function () {
    project.repo.commitTag("dev", "dex", "sha-fa017a01");
    const first = await project.stack("dev");
    const second = await engineStack(project.engine, "dev");
    const results = await Promise.allSettled([
      first.up({ color: "never" }),
      second.up({ color: "never" }),
    ]);
    const refused = results.filter((r) => r.status === "rejected");
    assert.equal(
      refused.length,
      1,
      `exactly one up is refused: ${results.map((r) => r.status).join(", ")}`,
    );
    assert.match(String(refused[0].reason), /locked/i);
    await runs(bed, "dev", "sha-fa017a01");
  });

  it("drift: a hand edit of the Application shows in preview --refresh and up restores it; selfHeal restores the Deployment", async function () {
    const pinned = project.tag("dev");
    bed.patch("applications.argoproj.io", "dex-dev", "argocd", {
      spec: { source: { kustomize: { images: [`${IMAGE}:sha-0ddba11a`] } } },
    });
    const preview = await project.preview("dev", true);
    assert.ok(
      (preview.changeSummary.update ?? 0) >= 1,
      `preview --refresh shows an update:\n${preview.stdout}`,
    );
    // The program saw the edit and marks the Application (its warning says the same).
    assert.match(
      preview.stdout,
      /promotion\.gitops\/drift-corrected\s*: "source\.kustomize\.images at /,
    );
    // A plain up (no refresh) puts the stack file's values back: the program read the live
    // Application and marked it (promotion.gitops/drift-corrected), so the engine applies it whole.
    await project.up("dev");
    const application = bed.application("dex-dev")!;
    assert.deepEqual(application.spec.source.kustomize.images, [`${IMAGE}:${pinned}`]);
    assert.match(
      application.metadata.annotations["promotion.gitops/drift-corrected"] as string,
      /^source\.kustomize\.images at \d{4}-/,
    );
    const quiet = await project.preview("dev");
    assert.equal(quiet.changeSummary.update ?? 0, 0, `no drift, no change:\n${quiet.stdout}`);
    await runs(bed, "dev", pinned);

    bed.kubectl(["set", "image", "-n", "dex-dev", "deployment/dex", `dex=${IMAGE}:sha-0ddba11a`]);
    await until(
      "selfHeal to put the pinned image back",
      90_000,
      () => deployedImage(bed, "dev") === `${IMAGE}:${pinned}`,
      () => String(deployedImage(bed, "dev")),
    );
  });

  it("the application-controller down during a promotion: the gate reports unknown health; the sync happens when it returns", async function () {
    // dev moved on in the tests above: stage's first deployment of the tag its file pins is a
    // reviewed one (a stack without state is gated like a promotion, issue #20).
    const initial = await project.cli([
      "initial",
      "--env",
      "stage",
      "--reason",
      "e2e: stage joins",
    ]);
    assert.equal(initial.code, 0, initial.stderr + initial.stdout);
    project.mergeNewBranch("initial-stage-");
    await project.up("stage");
    await runs(bed, "stage", project.tag("stage"));
    bed.stopComponent("argocd-application-controller");
    try {
      const build = "sha-fa017b02";
      project.repo.commitTag("dev", "dex", build);
      await project.up("dev");
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.notEqual(
        deployedImage(bed, "dev"),
        `${IMAGE}:${build}`,
        "nothing syncs while the controller is down",
      );

      const promoted = await project.cli(["promote", "--from", "dev", "--to", "stage"]);
      assert.equal(promoted.code, 0, promoted.stderr + promoted.stdout);
      project.merge(`promote-stage-${build}`);
      const refusal = await project.up("stage").then(
        () => assert.fail("up stage must be refused while dev's health is unknown"),
        (error: unknown) => String(error),
      );
      assert.match(refusal, /dex-dev's health is unknown/, refusal);
      assert.match(refusal, /is it running\?/, refusal);

      bed.startComponent("argocd-application-controller");
      await runs(bed, "dev", build);
      await project.up("stage");
      await runs(bed, "stage", build);
    } finally {
      try {
        bed.startComponent("argocd-application-controller");
      } catch {
        // already running again
      }
    }
  });
});
