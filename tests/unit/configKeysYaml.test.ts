/**
 * One YAML reader for stack files (config/yamlReader.ts), with one rule for the program, the CLI
 * and CI: duplicate keys, anchors, aliases and merge keys are refused, naming the file, the line
 * and what is accepted. Before, the engine merged `<<: *dex` (an app got dex's digest under its own
 * tag), the CLI refused it as `promotion:apps.api.<<: no such key`, and a duplicate key's error came
 * from the engine without a file name.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { readChainLinks } from "../../config/chain";
import { engineConfig, StackFileError, stackKeyProblems } from "../../config/stackFiles";
import { readStackYaml, stackYamlError } from "../../config/yamlReader";
import { chainOrder } from "../../ci/stacks";
import { CiFailure } from "../../ci/errors";
import { editStackText, StackEditError } from "../../cli/stackText";
import { NOT_DEPLOYED } from "../../cli/deployed";
import { formatRefusal } from "../../rules/verdict";
import { MULTI_APP, SEED } from "../fixtures";
import { editedFixture, removeTempProjects } from "../support/promotionProject";
import { tempProject as gitProject } from "../support/gitRepo";

/** multi-app's dev with migrations taking dex's settings through an anchor and a merge key. */
function withMergeKey(dev: string): string {
  const merged = dev
    .replace(/^    dex:$/m, "    dex: &dex")
    .replace(/^    migrations:$/m, "    migrations:\n      <<: *dex");
  assert.notEqual(merged, dev);
  return merged;
}

const lineOf = (text: string, find: string): number =>
  text.split("\n").findIndex((l) => l.includes(find)) + 1;

describe("config keys: one YAML reader for stack files", () => {
  after(removeTempProjects);

  const cases: Array<[string, string, RegExp]> = [
    [
      "a merge key and its alias",
      "config:\n  promotion:apps:\n    api:\n      <<: { image: x }\n",
      /^f\.yaml line 4, column 7: << is a YAML merge key, which stack files do not use: the engine would merge it and the promotion CLI would not.*; accepted: the values written out in full/,
    ],
    [
      "an alias",
      "config:\n  a: &x 1\n  b: *x\n",
      /^f\.yaml line 2, column 6: &x is a YAML anchor.*; also line 3 \(\*x\); accepted: the values written out/,
    ],
    [
      "an alias of a value anchored nowhere it should be",
      "config:\n  b: [*x]\n",
      /^f\.yaml line 2, column \d+: /,
    ],
    [
      "a duplicate key",
      "config:\n  promotion:apps:\n    dex: { tag: v1 }\n  promotion:apps:\n    api: { tag: v2 }\n",
      /^f\.yaml line 4, column 3: the key "promotion:apps" is set again \(first at line 2\).*; accepted: each key once/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(`refuses ${what} with the file, line and what is accepted`, () => {
      assert.match(stackYamlError("f.yaml", text) ?? "(accepted)", expected);
      assert.throws(() => readStackYaml("f.yaml", text), StackFileError);
    });
  }

  it("reads plain YAML, and says where each key is", () => {
    const read = readStackYaml("f.yaml", "config:\n  a: 1\n  b: { c: [1, 2] }\n");
    assert.deepEqual(read.value, { config: { a: 1, b: { c: [1, 2] } } });
    assert.equal(read.lineOf(["config", "b"]), 3);
    assert.equal(read.lineOf(["config", "z"]), undefined);
    assert.equal(stackYamlError("f.yaml", "config:\n  a: 1\n"), undefined);
  });

  it("the engine's view of the files refuses a merge key that would have given api dex's settings", () => {
    let dev = "";
    const dir = editedFixture((files) => {
      files.dev = withMergeKey(files.dev);
      dev = files.dev;
    }, MULTI_APP.dir);
    assert.throws(
      () => engineConfig(dir, "dev"),
      (error: unknown) => {
        assert.ok(error instanceof StackFileError);
        assert.equal(error.file, "Pulumi.dev.yaml");
        assert.equal(error.line, lineOf(dev, "dex: &dex"));
        assert.match(
          error.message,
          /&dex is a YAML anchor.*also line \d+ \(<<\), line \d+ \(\*dex\)/,
        );
        return true;
      },
    );
    // A sibling's file: the running stack names it as unreadable, with the file and line.
    const links = readChainLinks(dir, "stage", { upstream: "dev" });
    assert.match(
      links.find((l) => l.environment === "dev")?.unreadable ?? "",
      /^Pulumi\.dev\.yaml line \d+, column \d+: &dex is a YAML anchor/,
    );
  });

  it("the program refuses its own file with a merge key, which the engine merged before handing it over", () => {
    const merged = MULTI_APP.dir;
    // The engine has merged the keys: the program gets plain values; only the file shows the `<<`.
    const all = engineConfig(merged, "dev");
    const dir = editedFixture((files) => {
      files.dev = withMergeKey(files.dev);
    }, MULTI_APP.dir);
    const refusals = stackKeyProblems(dir, "dev", all).map(formatRefusal);
    assert.equal(refusals.length, 1, refusals.join("\n"));
    // The copy the engine was given (npm run stack's), named as the stack's file.
    const copy = path.join(dir, "copy-of-dev.yaml");
    fs.copyFileSync(path.join(dir, "Pulumi.dev.yaml"), copy);
    assert.deepEqual(
      stackKeyProblems(MULTI_APP.dir, "dev", all, copy).map(formatRefusal),
      refusals,
    );
    assert.match(
      refusals[0],
      /^stack "dev": promotion:apps\.dex = "&dex"; refused: Pulumi\.dev\.yaml line \d+, column \d+: &dex is a YAML anchor.*; accepted: the values written out in full/,
    );
  });

  it("CI refuses to order the chain around a duplicate key, naming the file and line", () => {
    let stage = "";
    const dir = editedFixture((files) => {
      files.stage = files.stage.replace(
        "promotion:syncMode: automated",
        "promotion:syncMode: automated\n  promotion:syncMode: manual",
      );
      stage = files.stage;
    });
    const line = lineOf(stage, "promotion:syncMode: manual");
    assert.throws(
      () => chainOrder(dir),
      (error: unknown) => {
        assert.ok(error instanceof CiFailure);
        assert.match(
          error.message,
          new RegExp(
            `Pulumi\\.stage\\.yaml line ${line}, column 3: the key "promotion:syncMode" is set again \\(first at line ${line - 1}\\)`,
          ),
        );
        return true;
      },
    );
  });

  it("the CLI shows the file and line and will not edit it", () => {
    const project = gitProject({ fixture: "multi-app" });
    try {
      project.write("Pulumi.dev.yaml", withMergeKey(project.read("Pulumi.dev.yaml")));
      project.git("commit", "--quiet", "-am", "merge key");
      const status = project.cli(["status"], { records: () => NOT_DEPLOYED });
      assert.equal(status.code, 1);
      assert.match(
        status.stdout,
        /\ndev +ERROR +Pulumi\.dev\.yaml line \d+, column \d+: &dex is a YAML anchor/,
      );
      assert.doesNotMatch(status.stdout, /no such key/);
    } finally {
      project.cleanup();
    }
    const text = withMergeKey(fs.readFileSync(`${MULTI_APP.dir}/Pulumi.dev.yaml`, "utf8"));
    assert.throws(
      () => editStackText(text, "Pulumi.dev.yaml", [{ app: "api", tag: "v20260201-abc1234" }]),
      (error: unknown) =>
        error instanceof StackEditError && /Pulumi\.dev\.yaml line \d+/.test(error.message),
    );
  });

  it("reads the seed fixture the same as before", () => {
    assert.equal(engineConfig(SEED.dir, "dev")["promotion:environment"], "dev");
  });
});
