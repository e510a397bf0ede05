/**
 * rules/ci/summary.ts: the job summary of `ci up`, from a real stack's outputs after a promotion
 * and a real refused `pulumi up` (tests/fixtures/preview-json).
 */
import { strict as assert } from "assert";
import { affectedStacks } from "../../rules/ci/affected";
import { deployedOutputs, engineFailure, upSummary, type UpContext } from "../../rules/ci/summary";
import { PREVIEW_JSON, SEED } from "../fixtures";
import { captured, capturedRefusedUp } from "../support/previewJson";

const outputs = () => JSON.parse(captured("outputs-stage.json")) as unknown;
const context = (files: string[]): UpContext => ({
  base: "4b825dc642cb",
  mergeBase: "4b825dc642cb",
  head: "9f8e7d6c5b4a",
  affected: affectedStacks(files, SEED.environments),
});

describe("ci: what an up deployed", () => {
  it("reads the apps and promotionRecords outputs", () => {
    const deployed = deployedOutputs(outputs());
    assert.deepEqual(deployed.apps, [
      {
        app: "dex",
        tag: PREVIEW_JSON.newBuild,
        image: "ghcr.io/data-literate/dex",
        applicationName: "dex-stage",
        namespace: "dex-stage",
        syncMode: "automated",
      },
    ]);
    const [newest, previous] = deployed.records.dex;
    assert.deepEqual(
      [newest.kind, newest.from, newest.tag, newest.by],
      ["promotion", "dev", PREVIEW_JSON.newBuild, PREVIEW_JSON.actor],
    );
    assert.equal(previous.kind, "initial");
  });

  it("takes the refusal out of a refused up's output, whole", () => {
    const up = capturedRefusedUp();
    const failure = engineFailure(up.stdout, up.stderr, up.exitCode);
    assert.equal(
      failure.split("\n")[0],
      'Stack "stage": the promotion gate refused 1 change; nothing was changed:',
    );
    assert.match(
      failure.split("\n")[1],
      new RegExp(
        `^  - stack "stage": promotion:apps.dex.tag = "${PREVIEW_JSON.neverRan}"; refused: `,
      ),
    );
    assert.equal(failure.split("\n").length, 2);
  });

  it("takes error lines, else the last lines, of other failures", () => {
    assert.equal(
      engineFailure(
        "Diagnostics:\n  pulumi:pulumi:Stack (promotion-dev):\n    error: Program failed\n      at index.ts:3\n\nResources:\n",
        "",
      ),
      "Program failed\n      at index.ts:3",
    );
    assert.equal(
      engineFailure(
        "",
        "stack.sh: node_modules/@pulumi/kubernetes is missing; run 'npm ci' first\n",
      ),
      "stack.sh: node_modules/@pulumi/kubernetes is missing; run 'npm ci' first",
    );
    assert.equal(engineFailure("", "", 137), "exit code 137, no output");
  });

  it("summarizes a deployed stack: tag, Application, namespace, the newest record", () => {
    const summary = upSummary(
      [{ stack: "stage", outcome: "deployed", outputs: outputs() }],
      context(["Pulumi.stage.yaml"]),
    );
    const lines = summary.split("\n");
    assert.ok(lines.includes("## Pulumi up of stage"));
    assert.ok(lines.includes("✅ 1 stack deployed: stage."));
    assert.ok(lines.includes("### ✅ stage: deployed"));
    const row = lines.find((l) => l.startsWith("| dex |"));
    assert.ok(row, summary);
    assert.match(
      row,
      new RegExp(
        `^\\| dex \\| \`${PREVIEW_JSON.newBuild}\` \\| \`dex-stage\` \\| \`dex-stage\` \\| automated \\| \`ghcr.io/data-literate/dex:${PREVIEW_JSON.newBuild}\` \\| promotion of ${PREVIEW_JSON.newBuild} from dev by ci-capture at `,
      ),
    );
    assert.ok(lines.some((l) => l.startsWith("- dex: gate checks: not checked:")));
  });

  it("says which stack failed, why, and which did not run", () => {
    const up = capturedRefusedUp();
    const summary = upSummary(
      [
        { stack: "dev", outcome: "deployed", outputsUnreadable: "no backend" },
        { stack: "stage", outcome: "failed", failure: engineFailure(up.stdout, up.stderr) },
        { stack: "prod", outcome: "not-run" },
      ],
      context(["index.ts"]),
    );
    assert.ok(summary.includes("❌ stage failed after dev deployed; not run: prod."));
    assert.ok(
      summary.includes(
        '### ❌ stage: failed\n\n```text\nStack "stage": the promotion gate refused 1 change',
      ),
    );
    assert.ok(summary.includes("### ⏭️ prod: not run (stage failed first)"));
    assert.ok(summary.includes("Deployed; its outputs could not be read: no backend"));
  });

  it("no stack affected: nothing deployed", () => {
    assert.match(upSummary([], context(["docs/ci.md"])), /^## Pulumi up: no stack affected\n/);
  });
});
