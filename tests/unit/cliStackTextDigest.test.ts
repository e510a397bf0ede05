/**
 * The digest line of a stack file (issue #14): written right below the tag, replaced in place,
 * removed with the tag change that makes it stale, byte for byte everywhere else.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { editStackText, readApps } from "../../cli/stackText";
import { fixtureDir } from "../support/gitRepo";

const SEED = fixtureDir("seed");
const stage = fs.readFileSync(path.join(SEED, "Pulumi.stage.yaml"), "utf8");
const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

describe("cli: the digest line of a stack file", () => {
  it("writes the digest on the line below the tag, at the tag's indentation", () => {
    const after = editStackText(stage, "f", [{ app: "dex", tag: "sha-5e6f7a8b", digest: D1 }]);
    const before = stage.split("\n");
    const lines = after.split("\n");
    const at = lines.indexOf("      tag: sha-5e6f7a8b");
    assert.equal(lines[at + 1], `      digest: ${D1}`);
    assert.deepEqual(
      [...lines.slice(0, at), ...lines.slice(at + 2)],
      [...before.slice(0, at), ...before.slice(at + 1)],
    );
    assert.deepEqual(readApps(after).dex, { tag: "sha-5e6f7a8b", digest: D1, bypass: undefined });
  });

  it("replaces a digest in place, and removes it, giving back the original text", () => {
    const pinned = editStackText(stage, "f", [{ app: "dex", tag: "sha-5e6f7a8b", digest: D1 }]);
    const moved = editStackText(pinned, "f", [{ app: "dex", tag: "sha-5e6f7a8b", digest: D2 }]);
    assert.equal(moved, pinned.replace(D1, D2));
    const tag = readApps(stage).dex.tag!;
    assert.equal(editStackText(moved, "f", [{ app: "dex", tag, digest: null }]), stage);
  });

  it("keeps a comment after the tag on the tag's line, and CRLF line ends", () => {
    const commented = stage.replace(/(tag: sha-\w+)/, "$1  # the build");
    const after = editStackText(commented, "f", [{ app: "dex", tag: "sha-5e6f7a8b", digest: D1 }]);
    assert.match(after, /\n {6}tag: sha-5e6f7a8b {2}# the build\n {6}digest: sha256:1{64}\n/);
    const crlf = stage.replace(/\n/g, "\r\n");
    const edited = editStackText(crlf, "f", [{ app: "dex", tag: "sha-5e6f7a8b", digest: D1 }]);
    assert.match(edited, /\r\n {6}digest: sha256:1{64}\r\n/);
    assert.equal(edited.replace(/\r\n/g, "").includes("\n"), false, "no bare LF");
  });

  it("law: set then remove the digest is the identity; set twice is set once", () => {
    const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);
    fc.assert(
      fc.property(digest, digest, (a, b) => {
        const tag = readApps(stage).dex.tag!;
        const once = editStackText(stage, "f", [{ app: "dex", tag, digest: a }]);
        assert.equal(editStackText(once, "f", [{ app: "dex", tag, digest: null }]), stage);
        const twice = editStackText(once, "f", [{ app: "dex", tag, digest: b }]);
        assert.equal(twice, editStackText(stage, "f", [{ app: "dex", tag, digest: b }]));
      }),
      { numRuns: 50 },
    );
  });
});
