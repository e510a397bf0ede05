import { strict as assert } from "assert";
import { checkImageTag, imageReference, isImmutableTag } from "../../rules/imageTag";

describe("image tag policy", () => {
  const accepted: Array<[string, string]> = [
    ["sha-abc1234", "sha"],
    ["sha-c0ffee01", "sha"],
    ["sha-0123456789abcdef0123456789abcdef01234567", "sha"],
    ["v1.2.3", "semver"],
    ["v0.10.0", "semver"],
    ["v2.0.0-rc.1", "semver"],
    ["v20260128-abc1234", "dated-sha"],
    ["v20240229-0f1e2d3", "dated-sha"],
    [`@sha256:${"0123456789abcdef".repeat(4)}`, "digest"],
  ];
  for (const [tag, kind] of accepted) {
    it(`accepts ${tag} as ${kind}`, () => {
      assert.deepEqual(checkImageTag(tag), { kind, tag });
      assert.ok(isImmutableTag(tag));
    });
  }

  const refused: Array<[string, RegExp]> = [
    ["latest", /mutable/],
    ["LATEST", /mutable/],
    ["main", /mutable/],
    ["stable", /mutable/],
    ["", /empty/],
    ["  ", /empty/],
    ["sha-xyz67890", /7 to 40 lowercase hex/],
    ["sha-abc12", /7 to 40 lowercase hex/],
    ["sha-ABC12345", /7 to 40 lowercase hex/],
    [`sha-${"a".repeat(41)}`, /7 to 40 lowercase hex/],
    ["1.2.3", /not an immutable tag/],
    ["v1.2", /not an immutable tag/],
    ["v01.2.3", /not an immutable tag/],
    ["v20261301-abc1234", /not a date/],
    ["v20230229-abc1234", /not a date/],
    [`sha256:${"a".repeat(64)}`, /@sha256:/],
    [`@sha256:${"a".repeat(63)}`, /not an immutable tag/],
    ["sha-c0ffee01 ", /7 to 40 lowercase hex/],
  ];
  for (const [tag, reason] of refused) {
    it(`refuses ${JSON.stringify(tag)}`, () => {
      const result = checkImageTag(tag);
      assert.ok("refused" in result, `${tag} was accepted`);
      assert.match(result.refused, reason);
      assert.equal(isImmutableTag(tag), false);
    });
  }

  it("writes digests with @ and tags with :", () => {
    assert.equal(imageReference("ghcr.io/o/dex", "sha-abc1234"), "ghcr.io/o/dex:sha-abc1234");
    const digest = `@sha256:${"b".repeat(64)}`;
    assert.equal(imageReference("ghcr.io/o/dex", digest), `ghcr.io/o/dex${digest}`);
  });
});
