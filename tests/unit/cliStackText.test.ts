/** Editing stack files for the promotion command line: only the edited values change. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { listStacks } from "../../config/stackFiles";
import { unifiedDiff } from "../../cli/diff";
import { editStackText, readApps, StackEditError, yamlScalar } from "../../cli/stackText";
import { changedLines, fixtureDir } from "../support/gitRepo";

/** The seed fixture's stack files, not the live ones: the tests pin their lines. */
const SEED = fixtureDir("seed");
const read = (env: string) => fs.readFileSync(path.join(SEED, `Pulumi.${env}.yaml`), "utf8");
const DIGEST = `@sha256:${"ab".repeat(32)}`;

describe("cli: editing a stack file", () => {
  for (const env of listStacks(SEED)) {
    it(`changes only the tag line of Pulumi.${env}.yaml, keeping every comment`, () => {
      const before = read(env);
      const after = editStackText(before, `Pulumi.${env}.yaml`, [
        { app: "dex", tag: "sha-5e6f7a8b" },
      ]);
      const changed = changedLines(before, after);
      assert.equal(changed.length, 1);
      assert.match(changed[0].before, /^ {6}tag: /);
      assert.equal(changed[0].after, "      tag: sha-5e6f7a8b");
      assert.equal(readApps(after).dex.tag, "sha-5e6f7a8b");
    });
  }

  it("keeps a quoted tag quoted, and quotes a digest (YAML cannot start a plain value with @)", () => {
    const before = read("stage").replace(/tag: (sha-\w+)/, 'tag: "$1"');
    const quoted = editStackText(before, "f", [{ app: "dex", tag: "v1.2.3" }]);
    assert.deepEqual(
      changedLines(before, quoted).map((l) => l.after),
      ['      tag: "v1.2.3"'],
    );
    const digest = editStackText(read("stage"), "f", [{ app: "dex", tag: DIGEST }]);
    assert.equal(readApps(digest).dex.tag, DIGEST);
    assert.match(digest, /tag: "@sha256:(ab){32}"/);
  });

  it("writes a bypass block under the app, with a comment, and nothing else but the tag", () => {
    const before = read("prod");
    const reason = 'login fails: "invalid_grant" # since 10:30';
    const after = editStackText(before, "Pulumi.prod.yaml", [
      {
        app: "dex",
        tag: "sha-0a0b0c0d",
        bypass: { kind: "rollback", tag: "sha-0a0b0c0d", reason },
      },
    ]);
    assert.deepEqual(readApps(after).dex, {
      tag: "sha-0a0b0c0d",
      bypass: { kind: "rollback", tag: "sha-0a0b0c0d", reason },
    });
    const lines = after.split("\n");
    const at = lines.indexOf("      bypass:") - 1;
    assert.deepEqual(lines.slice(at, at + 5), [
      "      # Exception to the promotion chain (rollback); the next normal promotion removes it.",
      "      bypass:",
      "        kind: rollback",
      "        tag: sha-0a0b0c0d",
      `        reason: ${yamlScalar(reason)}`,
    ]);
    // Right after the app's last line; without the five new lines, only the tag line changed.
    assert.match(lines[at - 1], /^ {8}requests: \{/);
    const withoutBypass = [...lines.slice(0, at), ...lines.slice(at + 5)].join("\n");
    assert.deepEqual(
      changedLines(before, withoutBypass).map((l) => l.after),
      ["      tag: sha-0a0b0c0d"],
    );
  });

  it("replaces an existing bypass, and removes it (with its comment) to give the file back", () => {
    const before = read("prod");
    const rolledBack = editStackText(before, "f", [
      {
        app: "dex",
        tag: "sha-0a0b0c0d",
        bypass: { kind: "rollback", tag: "sha-0a0b0c0d", reason: "broken" },
      },
    ]);
    const hotfixed = editStackText(rolledBack, "f", [
      {
        app: "dex",
        tag: "sha-0e0f0a0b",
        bypass: { kind: "hotfix", tag: "sha-0e0f0a0b", reason: "CVE-2026-1" },
      },
    ]);
    assert.deepEqual(readApps(hotfixed).dex.bypass, {
      kind: "hotfix",
      tag: "sha-0e0f0a0b",
      reason: "CVE-2026-1",
    });
    assert.equal(hotfixed.match(/bypass:/g)?.length, 1);
    assert.equal(hotfixed.match(/# Exception to the promotion chain/g)?.length, 1);
    const promoted = editStackText(hotfixed, "f", [
      { app: "dex", tag: "sha-5eed0c3d", bypass: null },
    ]);
    assert.equal(promoted, before);
  });

  it("writes a rules override line with its comment, and the next promotion gives the file back", () => {
    const before = read("prod");
    const reason = "incident INC-42: the errors are the load test's # not a comment";
    const overridden = editStackText(before, "Pulumi.prod.yaml", [
      { app: "dex", tag: "sha-0a0b0c0d", overrideRules: reason },
    ]);
    assert.equal(readApps(overridden).dex.overrideRules, reason);
    const lines = overridden.split("\n");
    const at = lines.findIndex((l) => l.startsWith("      overrideRules:"));
    assert.deepEqual(lines.slice(at - 1, at + 1), [
      "      # Promoted although promotion rules failed (promote --override-rules); the next promotion removes it.",
      `      overrideRules: { tag: sha-0a0b0c0d, reason: ${JSON.stringify(reason)} }`,
    ]);
    const replaced = editStackText(overridden, "f", [
      { app: "dex", tag: "sha-0a0b0c0d", overrideRules: "another reason" },
    ]);
    assert.equal(replaced.match(/overrideRules:/g)?.length, 1);
    assert.equal(replaced.match(/# Promoted although promotion rules failed/g)?.length, 1);
    const promoted = editStackText(replaced, "f", [
      { app: "dex", tag: "sha-5eed0c3d", overrideRules: null, bypass: null },
    ]);
    assert.equal(promoted, before);
  });

  it("adds a bypass at the end of its own app, before the next app and key", () => {
    const before = [
      "config:",
      "  promotion:apps:",
      "    dex:",
      "      tag: sha-1234567",
      "      source:",
      "          repoURL: https://example.com/x.git",
      "      resources:",
      "          requests: { cpu: 100m } # small",
      "    api:",
      "      # api's tag",
      "      tag: sha-7654321",
      "  promotion:system: dex",
      "",
    ].join("\n");
    const after = editStackText(before, "f", [
      {
        app: "dex",
        tag: "sha-1234567",
        bypass: { kind: "hotfix", tag: "sha-1234567", reason: "CVE-2026-1 fix" },
      },
    ]);
    assert.equal(
      after,
      [
        ...before.split("\n").slice(0, 8),
        "      # Exception to the promotion chain (hotfix); the next normal promotion removes it.",
        "      bypass:",
        "          kind: hotfix",
        "          tag: sha-1234567",
        "          reason: CVE-2026-1 fix",
        ...before.split("\n").slice(8),
      ].join("\n"),
    );
    assert.deepEqual(readApps(after).api, { tag: "sha-7654321", bypass: undefined });
  });

  it("refuses an app the file does not have", () => {
    assert.throws(
      () => editStackText(read("dev"), "Pulumi.dev.yaml", [{ app: "api", tag: "sha-1234567" }]),
      (error: unknown) =>
        error instanceof StackEditError && /Pulumi\.dev\.yaml has no app "api"/.test(error.message),
    );
  });

  it("reads apps from any version, valid or not, and {} from text that is not YAML", () => {
    assert.deepEqual(readApps("config:\n  promotion:apps:\n    dex: { tag: sha-1234567 }\n"), {
      dex: { tag: "sha-1234567", bypass: undefined },
    });
    assert.deepEqual(readApps("config: [unclosed"), {});
    assert.deepEqual(readApps(""), {});
  });
});

describe("cli: unified diff", () => {
  it("shows the removed line before the added one, with three lines of context", () => {
    const before = read("stage");
    const after = editStackText(before, "Pulumi.stage.yaml", [{ app: "dex", tag: "sha-5e6f7a8b" }]);
    const diff = unifiedDiff("Pulumi.stage.yaml", before, after).split("\n");
    const line = before.split("\n").findIndex((l) => l.startsWith("      tag:")) + 1;
    assert.deepEqual(diff.slice(0, 3), [
      "--- a/Pulumi.stage.yaml",
      "+++ b/Pulumi.stage.yaml",
      `@@ -${line - 3},7 +${line - 3},7 @@`,
    ]);
    assert.deepEqual(
      diff.filter((l) => /^[-+] /.test(l)),
      [`-      tag: ${readApps(before).dex.tag}`, "+      tag: sha-5e6f7a8b"],
    );
    assert.equal(diff.length, 3 + 8);
    assert.equal(unifiedDiff("f", before, before), "");
  });
});
