import { strict as assert } from "assert";
import { formatRefusal, RefusedError, type Refusal } from "../../rules/verdict";

const tagRefusal: Refusal = {
  stack: "prod",
  key: "promotion:apps.dex.tag",
  value: "sha-5eed0a1b",
  reason: "prod cannot take sha-5eed0a1b: stage runs sha-def67890",
  accepted: "the tag stage runs (sha-def67890)",
};

describe("one refusal shape, one formatter", () => {
  it("names the stack, the key, the value, why and what is accepted", () => {
    assert.equal(
      formatRefusal(tagRefusal),
      'stack "prod": promotion:apps.dex.tag = "sha-5eed0a1b"; refused: prod cannot take sha-5eed0a1b: stage runs sha-def67890; accepted: the tag stage runs (sha-def67890)',
    );
    assert.equal(
      formatRefusal({
        stack: "dev",
        key: "promotion:namespace",
        value: undefined,
        accepted: "a name",
      }),
      'stack "dev": promotion:namespace = (not set); accepted: a name',
    );
  });

  it("lists every refusal under one heading that says what refused", () => {
    const error = new RefusedError("prod", "gate", [tagRefusal, tagRefusal]);
    const lines = error.message.split("\n");
    assert.equal(
      lines[0],
      'Stack "prod": the promotion gate refused 2 changes; nothing was changed:',
    );
    assert.equal(lines.length, 3);
    assert.equal(lines[1], `  - ${formatRefusal(tagRefusal)}`);
    assert.match(
      new RefusedError("dev", "config", [tagRefusal]).message,
      /^Stack "dev" has 1 configuration problem; nothing was changed:/,
    );
  });
});
