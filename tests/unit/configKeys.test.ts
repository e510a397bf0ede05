/**
 * No key is ignored (issue #21): a config key in a namespace nothing reads is refused, naming the
 * key it probably meant, the stack file and line, and what is accepted, where the program checks
 * its own config (stackKeyProblems, given what the engine hands it) and wherever a stack file is
 * loaded (the CLI, CI's deploy settings, the program's siblings).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { engineConfig, listStacks, loadStackFile, stackKeyProblems } from "../../config/stackFiles";
import { meantKey, PROMOTION_KEYS } from "../../config/namespaces";
import { stackConfigSchema } from "../../config/schema";
import { StackConfigError } from "../../config/validate";
import { formatRefusal } from "../../rules/verdict";
import { editedFixture, removeTempProjects } from "../support/promotionProject";
import { NOT_DEPLOYED } from "../../cli/deployed";
import { tempProject as gitProject } from "../support/gitRepo";
import { FIXTURES_DIR } from "../support/gitRepo";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The refusals loadStackFile throws for `stack` of `dir`, formatted; [] when it loads. */
function loadRefusals(dir: string, stack: string): string[] {
  try {
    loadStackFile(dir, stack);
    return [];
  } catch (error) {
    assert.ok(error instanceof StackConfigError, String(error));
    return error.refusals.map(formatRefusal);
  }
}

/** The 1-based line of the first line of `text` that includes `find`. */
const lineOf = (text: string, find: string): number =>
  text.split("\n").findIndex((l) => l.includes(find)) + 1;

describe("config keys: no key is ignored", () => {
  after(removeTempProjects);

  it("refuses a mistyped namespace that dropped prod's change window, with the key meant and the line", () => {
    let prodText = "";
    const dir = editedFixture((files) => {
      files.prod = files.prod.replace("promotion:syncWindows", "promotoin:syncWindows");
      prodText = files.prod;
    });
    const refusals = loadRefusals(dir, "prod");
    assert.equal(refusals.length, 1, refusals.join("\n"));
    const line = lineOf(prodText, "promotoin:syncWindows");
    assert.match(
      refusals[0],
      new RegExp(
        `^stack "prod": promotoin:syncWindows = \\[\\{"kind":"allow".*; accepted: no key the program reads \\(did you mean promotion:syncWindows\\?\\); Pulumi\\.prod\\.yaml line ${line}: nothing reads the namespace "promotoin"`,
      ),
    );
    // What is accepted, written out.
    assert.ok(refusals[0].includes("github:token"), refusals[0]);
    assert.ok(refusals[0].includes("syncWindows, clusterResources"), refusals[0]);
  });

  it("names the mistyped key next to the required key it left unset", () => {
    const dir = editedFixture((files) => {
      files.prod = files.prod.replace("promotion:apps:", "promotoin:apps:");
    });
    const refusals = loadRefusals(dir, "prod");
    assert.ok(
      refusals.some((r) => r.startsWith('stack "prod": promotion:apps = (not set)')),
      refusals.join("\n"),
    );
    assert.ok(
      refusals.some(
        (r) => r.includes("promotoin:apps = {") && r.includes("(did you mean promotion:apps?)"),
      ),
      refusals.join("\n"),
    );
  });

  it("the program's check refuses a key the engine hands it in a namespace nothing reads", () => {
    // What loadEnvironmentConfig passes: pulumi.runtime.allConfig() of the running stack.
    const dir = editedFixture((files) => {
      files.dev = files.dev.replace("promotion:syncMode", "Promotion:syncMode");
    });
    const all = { ...engineConfig(dir, "dev"), "promotoin:syncWindow": "[]" };
    const refusals = stackKeyProblems(dir, "dev", all).map(formatRefusal);
    assert.equal(refusals.length, 2, refusals.join("\n"));
    assert.match(
      refusals[0],
      /^stack "dev": Promotion:syncMode = "automated"; accepted: no key the program reads \(did you mean promotion:syncMode\?\); Pulumi\.dev\.yaml line \d+: /,
    );
    // Not in the file (a --config override, say): refused all the same, without a line.
    assert.match(
      refusals[1],
      /^stack "dev": promotoin:syncWindow = \[\]; accepted: no key the program reads \(did you mean promotion:syncWindows\?\); nothing reads/,
    );
  });

  it("refuses provider keys the program never reads, pointing at the promotion key that does it", () => {
    const dir = editedFixture((files) => {
      files.dev = files.dev.replace(
        "config:\n",
        "config:\n  kubernetes:context: kind-dev\n  github:owner: data-literate\n",
      );
    });
    const refusals = loadRefusals(dir, "dev");
    assert.equal(refusals.length, 2, refusals.join("\n"));
    assert.match(
      refusals[0],
      /^stack "dev": kubernetes:context = "kind-dev"; accepted: no key the program reads \(did you mean promotion:kubeContext\?\); Pulumi\.dev\.yaml line \d+: the program's Kubernetes providers are explicit/,
    );
    assert.match(
      refusals[1],
      /github:owner = "data-literate"; accepted: no key the program reads \(did you mean promotion:governance\.repository\.owner\?\)/,
    );
  });

  it("accepts github:token (a secret), the engine's pulumi:* keys and unqualified project keys", () => {
    const dir = editedFixture((files) => {
      files.dev = files.dev
        .replace(
          "config:\n",
          "config:\n  github:token:\n    secure: v1:c2VjcmV0:AAAA\n  pulumi:tags:\n    team: platform\n",
        )
        .replace("promotion:syncMode:", "syncMode:");
    });
    assert.deepEqual(loadRefusals(dir, "dev"), []);
  });

  it("refuses a top-level key the engine ignores, with every setting under it", () => {
    const dir = editedFixture((files) => {
      files.stage = files.stage.replace(
        /^config:$/m,
        "config:\n  promotion:environment: stage\nconfg:",
      );
    });
    const refusals = loadRefusals(dir, "stage");
    assert.ok(
      refusals.some((r) =>
        /^stack "stage": confg = \{.*; accepted: no key the engine reads at the top of a stack file \(did you mean config\?\); Pulumi\.stage\.yaml line \d+: /.test(
          r,
        ),
      ),
      refusals.join("\n"),
    );
  });

  it("suggests across namespaces", () => {
    assert.equal(meantKey("promotoin:syncWindows"), "promotion:syncWindows");
    assert.equal(meantKey("promotoin:syncWindow"), "promotion:syncWindows");
    assert.equal(meantKey("githb:tokne"), "github:token");
    assert.equal(meantKey("pulmi:tags"), "pulumi:tags");
    assert.equal(meantKey("prod:apps"), "promotion:apps");
    assert.equal(meantKey("kubernetes:kubeconfig"), "promotion:kubeconfig");
    assert.equal(meantKey("acme:zzzzzz"), undefined);
  });

  it("takes the promotion keys from the schema", () => {
    assert.deepEqual(PROMOTION_KEYS, Object.keys(stackConfigSchema.shape));
  });

  it("finds nothing to refuse in the stack files of the project, its examples and fixtures", () => {
    const projects = [
      PROJECT_DIR,
      path.join(PROJECT_DIR, "examples", "flux"),
      ...fs
        .readdirSync(FIXTURES_DIR)
        .map((name) => path.join(FIXTURES_DIR, name))
        .filter((dir) => fs.existsSync(path.join(dir, "Pulumi.yaml"))),
    ];
    for (const dir of projects) {
      for (const stack of listStacks(dir)) {
        const refusals = stackKeyProblems(dir, stack, engineConfig(dir, stack));
        assert.deepEqual(refusals.map(formatRefusal), [], `${dir} ${stack}`);
      }
    }
  });
});

describe("config keys: the CLI refuses to plan on a file with a key nothing reads", () => {
  it("status shows the error row and promote refuses, naming the key meant", () => {
    const project = gitProject();
    try {
      const text = project
        .read("Pulumi.prod.yaml")
        .replace("promotion:syncWindows", "promotoin:syncWindows");
      project.write("Pulumi.prod.yaml", text);
      project.git("commit", "--quiet", "-am", "typo");
      const status = project.cli(["status"], { records: () => NOT_DEPLOYED });
      assert.equal(status.code, 1);
      assert.match(
        status.stdout,
        /\nprod +ERROR +Pulumi\.prod\.yaml: stack "prod": promotoin:syncWindows = .*\(did you mean promotion:syncWindows\?\)/,
      );
      const head = project.git("rev-parse", "HEAD");
      const promote = project.cli(["promote", "--from", "stage", "--to", "prod"]);
      assert.equal(promote.code, 1);
      assert.match(
        promote.stderr,
        /^Refused: fix the stack file first:\n  Pulumi\.prod\.yaml: stack "prod": promotoin:syncWindows = .*did you mean promotion:syncWindows/,
      );
      assert.equal(project.git("rev-parse", "HEAD"), head);
    } finally {
      project.cleanup();
    }
  });
});

describe("config keys: the program refuses a key nothing reads before declaring anything", () => {
  it("names the typo'd namespace and the key meant (promotoin:syncWindows)", async () => {
    const { runProgram } = await import("../../harness/program");
    const { expectRefusal } = await import("../support/refusal");
    const { SEED } = await import("../fixtures");
    await expectRefusal(
      () =>
        runProgram("prod", { "promotoin:syncWindows": "[]" }, undefined, { projectDir: SEED.dir }),
      "prod",
      ["promotoin:syncWindows", "promotion:syncWindows"],
    );
  });
});
