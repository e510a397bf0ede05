/**
 * rules/ci/comment.ts and checks.ts: the pull request comment and the per-stack checks, built from
 * what the real engine printed (tests/fixtures/preview-json).
 */
import { strict as assert } from "assert";
import { affectedStacks } from "../../rules/ci/affected";
import { CHECK_TITLE_LIMIT, previewCheckRun as previewCheck } from "../../rules/ci/checkRun";
import { checksJsonLines } from "../../rules/ci/checks";
import {
  applicationText,
  COMMENT_LIMIT,
  COMMENT_MARKER,
  previewComment,
  type PreviewContext,
} from "../../rules/ci/comment";
import { analyzePreview, type StackPreview } from "../../rules/ci/preview";
import { PREVIEW_JSON, SEED } from "../fixtures";
import { capturedPreview } from "../support/previewJson";

const context = (files: string[]): PreviewContext => ({
  base: "origin/main",
  mergeBase: "1a2b3c4d5e6f",
  head: "6f5e4d3c2b1a",
  affected: affectedStacks(files, SEED.environments),
});

const promotion = () => analyzePreview("stage", capturedPreview("promotion.json"));
const refused = () => analyzePreview("stage", capturedPreview("refused.json"));
const PROMOTION_TEXT = `dex: ${SEED.tags.stage} → ${PREVIEW_JSON.newBuild}, promotion from dev`;

describe("ci: the preview comment", () => {
  it("starts with the hidden marker a workflow finds the comment by", () => {
    const comment = previewComment([promotion()], context(["Pulumi.stage.yaml"]));
    assert.equal(comment.split("\n")[0], COMMENT_MARKER);
    assert.equal(COMMENT_MARKER, "<!-- promotion-as-code:preview -->");
  });

  it("names a promotion: the Application, the tags, where it comes from, the gate's verdict", () => {
    const preview = promotion();
    assert.equal(applicationText(preview.applications[0]), PROMOTION_TEXT);
    const comment = previewComment([preview], context(["Pulumi.stage.yaml"]));
    const lines = comment.split("\n");
    assert.ok(lines.includes("## Pulumi preview of stage"));
    assert.ok(
      lines.includes(
        "Changes since `origin/main` (`1a2b3c4d5e6f`...`6f5e4d3c2b1a`): Pulumi.stage.yaml changed: stage.",
      ),
    );
    assert.ok(lines.includes("✅ 1 stack previews cleanly; 1 would change: stage."));
    assert.ok(lines.includes(`| stage | ✅ would change: 1 to update | ${PROMOTION_TEXT} |`));
    assert.ok(lines.includes("### ✅ stage: would change: 1 to update"));
    assert.ok(
      lines.includes(
        `- **dex** (\`dex-stage\`): \`${SEED.tags.stage}\` → \`${PREVIEW_JSON.newBuild}\`, promotion from dev`,
      ),
      comment,
    );
    assert.ok(
      lines.some((l) => l.startsWith("  - gate checks: not checked: stage renders manifests")),
    );
    assert.ok(
      lines.includes(`**Promotion gate**: dex \`${PREVIEW_JSON.newBuild}\` passed: dev runs it.`),
    );
    assert.ok(lines.includes("**Everything else**: nothing else changes; 12 unchanged."));
    assert.ok(lines.includes("**Policies**: no policy pack ran."));
    assert.ok(lines.includes("<details><summary>2 warnings</summary>"));
  });

  it("shows a refusal with the gate's message, word for word", () => {
    const preview = refused();
    const comment = previewComment([preview], context(["Pulumi.stage.yaml"]));
    assert.ok(comment.includes("### ❌ stage: refused by the promotion gate"));
    assert.ok(
      comment.includes(
        "❌ 1 of 1 stack cannot be deployed: stage (refused by the promotion gate).",
      ),
    );
    assert.ok(
      comment.includes(
        `**Refused by the promotion gate**:\n\n\`\`\`text\n${preview.refusal?.text}\n\`\`\``,
      ),
    );
    assert.ok(
      comment.includes(
        `refused: stage cannot take ${PREVIEW_JSON.neverRan}: dev runs ${PREVIEW_JSON.newBuild}`,
      ),
    );
    assert.ok(!comment.includes("**Everything else**"), "a refused run changes nothing");
  });

  it("lists what else a first deployment creates, by kind and name", () => {
    const comment = previewComment(
      [analyzePreview("dev", capturedPreview("first-deployment.json"))],
      context(["Pulumi.dev.yaml"]),
    );
    assert.ok(
      comment.includes(`- **dex** (\`dex-dev\`): new on \`${SEED.tags.dev}\`, first deployment`),
    );
    assert.match(comment, /- 11 to create: .*Namespace `dev-ns-dex-dev`.*AppProject `dev-project`/);
    assert.ok(comment.includes("### ✅ dev: would change: 13 to create"));
  });

  it("keeps the stacks in the order given (chain order), one section each", () => {
    const comment = previewComment(
      [analyzePreview("dev", capturedPreview("no-change.json")), refused()],
      context(["Pulumi.dev.yaml", "Pulumi.stage.yaml"]),
    );
    assert.ok(comment.indexOf("### ✅ dev: no changes") < comment.indexOf("### ❌ stage"));
    assert.ok(comment.includes("## Pulumi preview of dev, stage"));
  });

  it("says so when no stack is affected (and still replaces an older comment)", () => {
    const comment = previewComment([], context(["docs/ci.md"]));
    assert.equal(comment.split("\n")[0], COMMENT_MARKER);
    assert.ok(comment.includes("## Pulumi preview: no stack affected"));
  });

  it("stays within GitHub's comment size", () => {
    const big = promotion();
    const many: StackPreview = {
      ...big,
      warnings: Array.from({ length: 2000 }, (_, i) => `warning ${i} ${"x".repeat(100)}`),
    };
    const comment = previewComment([many, many], context(["index.ts"]));
    assert.ok(comment.length <= COMMENT_LIMIT);
    assert.match(comment, /the job log has all of it\)$/);
  });
});

describe("ci: one check per stack", () => {
  it("a promotion passes, titled with what changes", () => {
    const check = previewCheck(promotion());
    assert.equal(check.conclusion, "success");
    assert.equal(check.name, "preview (stage)");
    assert.equal(check.title, `stage: would change: 1 to update; ${PROMOTION_TEXT}`);
    assert.match(check.summary, /^### ✅ stage/);
  });

  it("a refusal fails, titled with the gate's reason", () => {
    const check = previewCheck(refused());
    assert.equal(check.conclusion, "failure");
    assert.equal(
      check.title,
      `stage: refused by the promotion gate; stage cannot take ${PREVIEW_JSON.neverRan}: dev runs ${PREVIEW_JSON.newBuild}`,
    );
    assert.ok(check.title.length <= CHECK_TITLE_LIMIT);
  });

  it("are JSON lines, one object per stack", () => {
    const text = checksJsonLines([promotion(), refused()].map(previewCheck));
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).conclusion),
      ["success", "failure"],
    );
  });
});
