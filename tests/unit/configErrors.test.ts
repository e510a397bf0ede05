/**
 * Errors a user meets while editing stack files: each names the file (and line), the key and what
 * was probably meant.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { readChainLinks, readClusterTarget } from "../../config/chain";
import { decodeConfigValues } from "../../config/decode";
import { engineConfig, StackFileError } from "../../config/stackFiles";
import { validateStackConfig } from "../../config/validate";
import { formatRefusal } from "../../rules/verdict";
import { SEED } from "../fixtures";
import { editedFixture, removeTempProjects } from "../support/promotionProject";

describe("errors while editing stack files", () => {
  after(removeTempProjects);

  it("names the file and the line of a YAML syntax error", () => {
    const dir = editedFixture((files) => {
      const lines = files.stage.split("\n");
      const at = lines.findIndex((l) => l.includes("promotion:slackChannel"));
      lines[at] = '  promotion:slackChannel: "#dex-stage-deploys';
      files.stage = lines.join("\n");
    });
    const slackLine =
      fs
        .readFileSync(path.join(dir, "Pulumi.stage.yaml"), "utf8")
        .split("\n")
        .findIndex((l) => l.includes("promotion:slackChannel")) + 1;
    assert.throws(
      () => engineConfig(dir, "stage"),
      (error: unknown) => {
        assert.ok(error instanceof StackFileError);
        assert.equal(error.file, "Pulumi.stage.yaml");
        assert.equal(error.line, slackLine, "the line where the quote opens");
        assert.match(error.message, /^Pulumi\.stage\.yaml line \d+, column \d+: /);
        return true;
      },
    );
    // The running stack reports its broken sibling with file and line.
    const links = readChainLinks(dir, "prod", { upstream: "stage" });
    assert.match(
      links.find((l) => l.environment === "stage")?.unreadable ?? "",
      /^Pulumi\.stage\.yaml line \d+, column \d+: /,
    );
  });

  it("suggests the key that was probably meant", () => {
    const raw = decodeConfigValues(engineConfig(SEED.dir, "stage"));
    const apps = raw.apps as Record<string, Record<string, unknown>>;
    apps.dex.replcas = 2;
    const refused = (extra: Record<string, unknown>) => {
      try {
        validateStackConfig("stage", { ...raw, ...extra });
        return [];
      } catch (error) {
        return (error as { refusals: Parameters<typeof formatRefusal>[0][] }).refusals.map(
          formatRefusal,
        );
      }
    };
    const lines = refused({
      replica: 3,
      namespce: "x",
      gate: { soak: 1, soakTime: 0, requireHealthy: true },
    });
    assert.ok(
      lines.some((l) =>
        l.includes(
          "promotion:apps.dex.replcas = 2; accepted: no such key (did you mean promotion:apps.dex.replicas?)",
        ),
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) =>
        l.includes(
          "promotion:replica = 3; accepted: no such key (did you mean promotion:apps.dex.replicas? app settings go under each app)",
        ),
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) =>
        l.includes(
          'promotion:namespce = "x"; accepted: no such key (did you mean promotion:namespace?)',
        ),
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) =>
        l.includes(
          "promotion:gate.soak = 1; accepted: no such key (did you mean promotion:gate.soakTime?)",
        ),
      ),
      lines.join("\n"),
    );
  });

  it("treats a secret kubeconfig in another stack's file as unreachable, never as a path", () => {
    const dir = editedFixture((files) => {
      files.stage = files.stage.replace(
        "config:\n",
        "config:\n  promotion:kubeconfig:\n    secure: v1:c2VjcmV0:AAAA\n",
      );
    });
    const target = readClusterTarget(dir, "stage");
    assert.ok("unreadable" in target, JSON.stringify(target));
    assert.match(target.unreadable, /stage's kubeconfig or kubeContext is a secret/);
  });
});
