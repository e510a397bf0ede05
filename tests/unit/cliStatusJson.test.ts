/** `status --json` has exactly the keys docs/cli.md documents, on every row, broken ones too. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { deployedStateOf } from "../../cli/deployed";
import { PROJECT_DIR } from "../../harness/program";
import { tempProject } from "../support/gitRepo";

/** The keys of the Markdown table that follows `label` in the `status --json` section. */
function documentedKeys(label: string): string[] {
  const docs = fs.readFileSync(path.join(PROJECT_DIR, "docs", "cli.md"), "utf8");
  const start = docs.indexOf("### `status --json`");
  assert.ok(start >= 0, 'docs/cli.md has a "### `status --json`" section');
  const section = docs.slice(start).split(/\n#{2,3} /)[0];
  const from = section.indexOf(label);
  assert.ok(from >= 0, `the section says "${label}"`);
  const table = section.slice(from).split("\n\n")[1] ?? "";
  return [...table.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
}

describe("cli: status --json keys", () => {
  it("match docs/cli.md exactly, at the top level and on every row", () => {
    const project = tempProject({ origin: false });
    try {
      // One broken stack file, so error rows are checked too.
      project.write(
        "Pulumi.stage.yaml",
        project.read("Pulumi.stage.yaml").replace("tag: sha", "\ttag: sha"),
      );
      const result = project.cli(["status", "--json"], {
        records: () => deployedStateOf({ apps: { dex: { tag: "sha-5eed0a1b" } } }),
      });
      const parsed = JSON.parse(result.stdout) as Record<string, unknown> & {
        rows: Array<Record<string, unknown>>;
      };
      const topLevel = documentedKeys("Top level");
      const rowKeys = documentedKeys("Each row");
      assert.ok(
        topLevel.length >= 3 && rowKeys.length >= 10,
        `${topLevel.join()} / ${rowKeys.join()}`,
      );
      assert.deepEqual(Object.keys(parsed).sort(), [...topLevel].sort());
      assert.equal(parsed.rows.length, 3);
      for (const row of parsed.rows) {
        assert.deepEqual(Object.keys(row).sort(), [...rowKeys].sort(), JSON.stringify(row));
      }
    } finally {
      project.cleanup();
    }
  });
});
