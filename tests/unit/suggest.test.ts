import { strict as assert } from "assert";
import { closest, didYouMean } from "../../rules/suggest";

describe("closest valid name", () => {
  it("finds transposed, mistyped and mis-cased names", () => {
    assert.equal(closest("form", ["from", "to", "app", "tag"]), "from");
    assert.equal(closest("Dev", ["dev", "stage", "prod"]), "dev");
    assert.equal(closest("stgae", ["dev", "stage", "prod"]), "stage");
    assert.equal(closest("replica", ["replicas", "image", "tag"]), "replicas");
  });

  it("suggests nothing when no name is close", () => {
    assert.equal(closest("kubernetes", ["dev", "stage", "prod"]), undefined);
    assert.equal(closest("x", []), undefined);
    assert.equal(didYouMean("zzz", ["dev"]), "");
  });

  it("says it as a short clause", () => {
    assert.equal(didYouMean("prdo", ["dev", "prod"]), ' (did you mean "prod"?)');
  });
});
