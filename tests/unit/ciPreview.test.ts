/**
 * rules/ci/preview.ts on what the real engine printed (tests/fixtures/preview-json, captured from the
 * seed fixture by its capture.ts): the Applications that change and how, the gate's refusal, what
 * else changes, warnings; and a preview that never reached the engine.
 */
import { strict as assert } from "assert";
import { analyzePreview, parseDigest, splitImage } from "../../rules/ci/preview";
import { PREVIEW_JSON, SEED } from "../fixtures";
import { capturedPreview } from "../support/previewJson";

describe("ci: reading a preview's JSON", () => {
  it("a first deployment creates the Application on the stack file's tag, recorded as initial", () => {
    const preview = analyzePreview("dev", capturedPreview("first-deployment.json"));
    assert.equal(preview.outcome, "changes");
    assert.equal(preview.exitCode, 0);
    assert.deepEqual(preview.counts, { create: 13 });
    assert.equal(preview.applications.length, 1);
    const [dex] = preview.applications;
    assert.equal(dex.app, "dex");
    assert.equal(dex.application, "dex-dev");
    assert.equal(dex.op, "create");
    assert.equal(dex.before, undefined);
    assert.equal(dex.after, SEED.tags.dev);
    assert.equal(dex.image, "ghcr.io/data-literate/dex");
    assert.equal(dex.record?.kind, "initial");
    const names = preview.others.map((o) => `${o.type} ${o.name}`);
    assert.ok(names.includes("kubernetes:core/v1:Namespace dev-ns-dex-dev"), names.join("\n"));
    assert.ok(names.includes("kubernetes:argoproj.io/v1alpha1:AppProject dev-project"));
    assert.ok(preview.others.every((o) => o.op === "create"));
    assert.ok(
      !names.some((n) => n.startsWith("pulumi:pulumi:Stack")),
      "the stack itself is not listed",
    );
    assert.equal(preview.refusal, undefined);
    assert.deepEqual(preview.errors, []);
    assert.match(preview.warnings.join("\n"), /^No GitHub token: this run of stack "dev"/);
  });

  it("a preview after an up changes nothing", () => {
    const preview = analyzePreview("dev", capturedPreview("no-change.json"));
    assert.equal(preview.outcome, "no-changes");
    assert.deepEqual(preview.counts, {});
    assert.deepEqual(preview.applications, []);
    assert.deepEqual(preview.others, []);
    assert.equal(preview.unchanged, 13);
  });

  it("a promotion updates the image tag and records where it came from", () => {
    const preview = analyzePreview("stage", capturedPreview("promotion.json"));
    assert.equal(preview.outcome, "changes");
    assert.deepEqual(preview.counts, { update: 1 });
    assert.deepEqual(preview.others, []);
    const [dex] = preview.applications;
    assert.deepEqual(
      {
        app: dex.app,
        application: dex.application,
        op: dex.op,
        before: dex.before,
        after: dex.after,
      },
      {
        app: "dex",
        application: "dex-stage",
        op: "update",
        before: SEED.tags.stage,
        after: PREVIEW_JSON.newBuild,
      },
    );
    assert.equal(dex.record?.kind, "promotion");
    assert.equal(dex.record?.from, "dev");
    assert.match(dex.record?.checks ?? "", /^not checked: stage renders manifests/);
    assert.deepEqual(dex.otherFields, [], "only the image and the record change");
  });

  it("a refused promotion carries the gate's refusal, as the program formatted it", () => {
    const preview = analyzePreview("stage", capturedPreview("refused.json"));
    assert.equal(preview.outcome, "refused");
    assert.equal(preview.exitCode, 1);
    assert.equal(preview.refusal?.by, "gate");
    assert.equal(preview.refusal?.stack, "stage");
    assert.equal(
      preview.refusal?.headline,
      'Stack "stage": the promotion gate refused 1 change; nothing was changed:',
    );
    assert.match(
      preview.refusal?.refusals[0] ?? "",
      new RegExp(
        `^stack "stage": promotion:apps.dex.tag = "${PREVIEW_JSON.neverRan}"; refused: stage cannot take ${PREVIEW_JSON.neverRan}: dev runs ${PREVIEW_JSON.newBuild}; accepted: `,
      ),
    );
    assert.deepEqual(preview.errors, [], "the refusal is the only error");
    assert.deepEqual(preview.applications, []);
  });

  it("a preview that never reached the engine fails with the script's own message", () => {
    const stderr =
      "[toolchain 10:00:00] toolchain ready in 0s: /cache/bin\nstack.sh: stage takes tags from dev, which has no stack on file:///x yet: run 'npm run stack -- up dev' first (stacks come up in chain order)\n";
    const preview = analyzePreview("stage", { exitCode: 1, stdout: "", stderr });
    assert.equal(preview.outcome, "failed");
    assert.deepEqual(preview.errors, [stderr.split("\n")[1]]);
  });

  it("a failing exit code with JSON but no error diagnostic is a failure, not a pass", () => {
    const { stdout } = capturedPreview("no-change.json");
    const preview = analyzePreview("dev", { exitCode: 255, stdout, stderr: "" });
    assert.equal(preview.outcome, "failed");
    assert.deepEqual(preview.errors, ["the engine exited with code 255"]);
  });

  it("says why output is not a preview digest", () => {
    assert.deepEqual(parseDigest(""), { unreadable: "the engine printed nothing on stdout" });
    assert.match((parseDigest("{") as { unreadable: string }).unreadable, /not JSON/);
  });

  it("splits image references, digests included", () => {
    assert.deepEqual(splitImage("ghcr.io/data-literate/dex:sha-1234567"), {
      image: "ghcr.io/data-literate/dex",
      tag: "sha-1234567",
    });
    assert.deepEqual(splitImage(`registry:5000/dex@sha256:${"ab".repeat(32)}`), {
      image: "registry:5000/dex",
      tag: `@sha256:${"ab".repeat(32)}`,
    });
    assert.equal(splitImage("registry:5000/dex"), undefined);
  });
});
