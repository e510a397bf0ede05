/**
 * rules/ci/refusal.ts recognizes every refusal the program can end a run with: the text of a real
 * RefusedError of each kind, inside an engine diagnostic or an engine's output.
 */
import { strict as assert } from "assert";
import { findRefusal, REFUSED_LABEL, refusalReason } from "../../rules/ci/refusal";
import { RefusedError, type Refusal } from "../../rules/verdict";

const REFUSAL: Refusal = {
  stack: "stage",
  key: "promotion:apps.dex.tag",
  value: "sha-0badc0de",
  reason: "stage cannot take sha-0badc0de: dev runs sha-def67890",
  accepted: "the tag dev runs (sha-def67890)",
};

describe("ci: refusals in what the engine printed", () => {
  for (const by of ["config", "governance", "crossStack", "github", "gate"] as const) {
    it(`recognizes a ${by} refusal with every refusal line`, () => {
      const error = new RefusedError("stage", by, [REFUSAL, { ...REFUSAL, key: "promotion:x" }]);
      const found = findRefusal(`warning: something\nerror: ${error.message}\n`);
      assert.ok(found);
      assert.equal(found.by, by);
      assert.equal(found.stack, "stage");
      assert.equal(found.text, error.message);
      assert.equal(found.refusals.length, 2);
      assert.ok(REFUSED_LABEL[by].startsWith("refused"));
    });
  }

  it("finds the refusal inside `pulumi up` output, indented under the stack's diagnostics", () => {
    const error = new RefusedError("prod", "gate", [REFUSAL]);
    const indented = error.message
      .split("\n")
      .map((l) => `    ${l}`)
      .join("\n");
    const found = findRefusal(
      `Diagnostics:\n  pulumi:pulumi:Stack (promotion-prod):\n    error: ${indented.trimStart()}\n\nResources:\n`,
    );
    assert.equal(found?.by, "gate");
    assert.equal(found?.refusals.length, 1);
  });

  it("finds nothing in an error that is not a refusal", () => {
    assert.equal(
      findRefusal("error: Running program failed with an unhandled exception"),
      undefined,
    );
  });

  it("reads the reason out of a formatted refusal", () => {
    const [line] = findRefusal(new RefusedError("stage", "gate", [REFUSAL]).message)!.refusals;
    assert.equal(refusalReason(line), REFUSAL.reason);
  });
});
