/**
 * Issue #21, a PR comment a reviewer can decide on: once a digest is pinned, the comment, the check
 * title and the `ci up` job summary name the tag AND the short digest and whose digest it is, the
 * digest renders as code (not as a mention of a user called sha256), and the check title keeps
 * whole items, the rest in its summary. Built from the captured promotion (tests/fixtures/
 * preview-json) with the digest the program would deploy by written into it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { affectedStacks } from "../../rules/ci/affected";
import { buildChangeText, buildText, toBuild } from "../../rules/ci/build";
import { CHECK_TITLE_LIMIT, checkTitle, fitTitle, previewCheckRun } from "../../rules/ci/checkRun";
import { applicationText, previewComment } from "../../rules/ci/comment";
import { analyzePreview, type EngineRun, type StackPreview } from "../../rules/ci/preview";
import { recordLine, upSummary } from "../../rules/ci/summary";
import { isObject } from "../../rules/values";
import { PREVIEW_JSON, SEED } from "../fixtures";
import { captured, capturedPreview } from "../support/previewJson";

const DIGEST = `sha256:5320f4${"ab".repeat(29)}`;
const SHORT = "sha256:5320f4ababab…";
const IMAGE = "ghcr.io/data-literate/dex";

/**
 * The captured promotion of dex to stage, with the Application deploying `image@digest` as the
 * program writes it once the stack file pins a digest (manifests/argocd.ts: the kustomize image by
 * digest, the `promotion.gitops/image` annotation by tag). `pin`: the tag stays, the digest is new.
 */
function promotionWithDigest(kind: "promotion" | "pin"): EngineRun {
  const json = JSON.parse(captured("promotion.json")) as { steps: Array<Record<string, unknown>> };
  const step = json.steps.find((s) => String(s.urn).endsWith("::stage-app-dex"));
  if (!step || !isObject(step.newState)) throw new Error("promotion.json has no dex Application");
  const inputs = step.newState.inputs as {
    metadata: { annotations: Record<string, string> };
    spec: { source: { kustomize: { images: string[] } } };
  };
  const tag = kind === "pin" ? SEED.tags.stage : PREVIEW_JSON.newBuild;
  inputs.spec.source.kustomize.images = [`${IMAGE}@${DIGEST}`];
  inputs.metadata.annotations["promotion.gitops/image"] = `${IMAGE}:${tag}`;
  inputs.metadata.annotations["promotion.gitops/kind"] = kind;
  inputs.metadata.annotations["promotion.gitops/from"] = "dev";
  return { ...capturedPreview("promotion.json"), stdout: JSON.stringify(json) };
}

const context = {
  base: "origin/main",
  affected: affectedStacks(["Pulumi.stage.yaml"], SEED.environments),
};

describe("ci: a pinned digest, as a reviewer reads it (#21)", () => {
  it("reads the tag from the annotation and the digest from the deployed image", () => {
    const [dex] = analyzePreview("stage", promotionWithDigest("promotion")).applications;
    assert.deepEqual(
      [dex.before, dex.after, dex.beforeDigest, dex.afterDigest, dex.environment],
      [SEED.tags.stage, PREVIEW_JSON.newBuild, undefined, DIGEST, "stage"],
    );
    const [pinned] = analyzePreview("stage", promotionWithDigest("pin")).applications;
    assert.deepEqual(
      [pinned.before, pinned.after, pinned.afterDigest],
      [SEED.tags.stage, SEED.tags.stage, DIGEST],
    );
    assert.equal(
      pinned.record?.kind,
      "pin",
      "a new digest under the same tag is a recorded change",
    );
  });

  it("names the tag and the short digest, and that the digest is the upstream's", () => {
    const [promoted] = analyzePreview("stage", promotionWithDigest("promotion")).applications;
    assert.equal(
      applicationText(promoted),
      `dex: ${SEED.tags.stage} → ${PREVIEW_JSON.newBuild} (${SHORT}, same bytes dev runs), promotion from dev`,
    );
    const [pinned] = analyzePreview("stage", promotionWithDigest("pin")).applications;
    assert.equal(
      applicationText(pinned),
      `dex: ${SEED.tags.stage} pinned to ${SHORT} (dev's digest of the tag), digest pinned`,
    );
  });

  it("renders the digest as code in the comment, never as an escaped mention", () => {
    const comment = previewComment(
      [analyzePreview("stage", promotionWithDigest("promotion"))],
      context,
    );
    assert.ok(
      comment.includes(
        `- **dex** (\`dex-stage\`): \`${SEED.tags.stage}\` → \`${PREVIEW_JSON.newBuild}\` (\`${SHORT}\`, same bytes dev runs), promotion from dev`,
      ),
      comment,
    );
    assert.ok(
      comment.includes(
        `| stage | ✅ would change: 1 to update | dex: ${SEED.tags.stage} → ${PREVIEW_JSON.newBuild} (\`${SHORT}\`, same bytes dev runs), promotion from dev |`,
      ),
      comment,
    );
    assert.ok(!comment.includes("`@sha256`"), "no digest shown as a mention");
    assert.ok(!comment.includes(`→ @sha256`), "the new tag is shown, not only the digest");
  });

  it("titles the check with the same sentence", () => {
    const preview = analyzePreview("stage", promotionWithDigest("promotion"));
    assert.equal(
      checkTitle(preview),
      `stage: would change: 1 to update; ${applicationText(preview.applications[0])}`,
    );
  });

  it("an app deployed by digest alone is named by its short digest", () => {
    assert.equal(buildText(toBuild(`@${DIGEST}`)), SHORT);
    assert.equal(
      buildChangeText({
        op: "update",
        before: toBuild("sha-1111111", DIGEST),
        after: toBuild("sha-1111111"),
      }),
      `sha-1111111 no longer pinned (ran ${SHORT})`,
    );
  });
});

describe("ci: check titles keep whole items (#21)", () => {
  const many = (): StackPreview => {
    const preview = analyzePreview("stage", promotionWithDigest("promotion"));
    const [dex] = preview.applications;
    const apps = Array.from({ length: 8 }, (_, i) => ({
      ...dex,
      app: `app-${i}`,
      application: `app-${i}-stage`,
    }));
    return { ...preview, applications: apps };
  };

  it("carries what fits, counts the rest, and never cuts inside a tag or digest", () => {
    const preview = many();
    const title = checkTitle(preview);
    assert.ok(title.length <= CHECK_TITLE_LIMIT, `${title.length}: ${title}`);
    const shown = title.split("; ").slice(1, -1);
    assert.ok(shown.length >= 1, title);
    for (const [i, item] of shown.entries())
      assert.equal(item, applicationText(preview.applications[i]));
    assert.match(title, new RegExp(`; and ${8 - shown.length} more in the summary$`));
    const summary = previewCheckRun(preview).summary;
    for (const app of preview.applications) assert.ok(summary.includes(`**${app.app}**`), app.app);
  });

  it("says how many when not even one fits", () => {
    const title = fitTitle("stage: refused", {
      items: ["x".repeat(300), "y"],
      noun: "reason",
      nouns: "reasons",
    });
    assert.equal(title, "stage: refused; 2 reasons in the summary");
    assert.equal(
      fitTitle("s: ok", { items: ["a", "b"], noun: "n", nouns: "ns" }, 100),
      "s: ok; a; b",
    );
  });
});

describe("ci up: the job summary names the build as the comment does (#21)", () => {
  const outputs = (kind: "promotion" | "pin") => {
    const all = JSON.parse(captured("outputs-stage.json")) as {
      apps: { dex: Record<string, string> };
      promotionRecords: { dex: Array<Record<string, string>> };
    };
    all.apps.dex.digest = DIGEST;
    all.promotionRecords.dex[0].digest = DIGEST;
    all.promotionRecords.dex[0].kind = kind;
    return all;
  };

  it("shows the tag, the short digest and whose digest it is", () => {
    const summary = upSummary(
      [{ stack: "stage", outcome: "deployed", outputs: outputs("promotion") }],
      {
        ...context,
      },
    );
    assert.ok(
      summary.includes(
        `| dex | \`${PREVIEW_JSON.newBuild}\` (\`${SHORT}\`, same bytes dev runs) | \`dex-stage\``,
      ),
      summary,
    );
    assert.ok(
      summary.includes(`promotion of ${PREVIEW_JSON.newBuild} (\`${SHORT}\`) from dev by`),
      summary,
    );
  });

  it("names a pin record as a pin, not as an initial record", () => {
    const [record] = outputs("pin").promotionRecords.dex as unknown[] as Parameters<
      typeof recordLine
    >[0][];
    assert.match(
      recordLine(record),
      new RegExp(
        `^digest pinned for ${PREVIEW_JSON.newBuild} \\(sha256:5320f4ababab…\\) from dev by `,
      ),
    );
  });
});

describe("docs/ci.md shows what the code renders (#21)", () => {
  const docs = () => fs.readFileSync(path.join(__dirname, "..", "..", "docs", "ci.md"), "utf8");

  it("holds the comment rendered from the captured promotion, exactly", () => {
    const comment = previewComment([analyzePreview("stage", capturedPreview("promotion.json"))], {
      base: "main",
      mergeBase: "a217de1f8344",
      head: "f88364e29da9",
      affected: affectedStacks(["Pulumi.stage.yaml"], SEED.environments),
    });
    assert.ok(docs().includes(`\`\`\`\`markdown\n${comment}\`\`\`\`\n`), comment);
  });

  it("holds the sentences the code writes for a digest", () => {
    for (const kind of ["promotion", "pin"] as const) {
      const [dex] = analyzePreview("stage", promotionWithDigest(kind)).applications;
      assert.ok(docs().includes(`- \`${applicationText(dex)}\``), applicationText(dex));
    }
  });
});
