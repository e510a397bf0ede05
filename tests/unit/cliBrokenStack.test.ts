/**
 * A broken stack file: `status` still shows the others, with an error row naming the file (and
 * the line of a YAML syntax error), and exits 1 at the end; every other command refuses, naming
 * the file and line, and changes nothing.
 */
import { strict as assert } from "assert";
import { NOT_DEPLOYED } from "../../cli/deployed";
import { tempProject, type TempProject } from "../support/gitRepo";

const STAGE = "Pulumi.stage.yaml";

/** Replaces one line of a file; returns its line number (1-based). */
function breakLine(project: TempProject, file: string, find: string, replace: string): number {
  const lines = project.read(file).split("\n");
  const index = lines.findIndex((line) => line.includes(find));
  assert.ok(index >= 0, `${find} in ${file}`);
  lines[index] = lines[index].replace(find, replace);
  project.write(file, lines.join("\n"));
  project.git("commit", "--quiet", "-am", `break ${file}`);
  return index + 1;
}

describe("cli: a broken stack file", () => {
  let project: TempProject;
  beforeEach(() => (project = tempProject()));
  afterEach(() => project.cleanup());

  it("status shows the others and an error row with the file and the line yaml stops short of", () => {
    // An unclosed flow map: yaml reports it lines later, at the next key it cannot read.
    const line = breakLine(project, STAGE, "memory: 128Mi }", "memory: 128Mi");
    const result = project.cli(["status"], { records: () => NOT_DEPLOYED });
    assert.equal(result.code, 1);
    const rows = result.stdout.split("\n");
    assert.match(rows[1], /^dev +dex +sha-5eed0a1b /);
    assert.match(
      rows[2],
      new RegExp(
        `^stage +ERROR +${STAGE.replace(/\./g, "\\.")} line ${line}, column \\d+: this \\{ is never closed with \\}`,
      ),
    );
    assert.match(rows[3], /^prod +dex +sha-5eed0c3d +no: not deployed +stage +- /);
    assert.match(
      result.stderr,
      /1 stack file cannot be read \(Pulumi\.stage\.yaml\); fix it and run again/,
    );
  });

  it("status names the file, key, value and what is accepted for a config problem", () => {
    breakLine(project, STAGE, "promotion:syncMode: automated", "promotion:syncMode: sometimes");
    const result = project.cli(["status"], { records: () => NOT_DEPLOYED });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /\nstage +ERROR +Pulumi\.stage\.yaml: stack "stage": promotion:syncMode = "sometimes"; accepted: /,
    );
    assert.match(result.stdout, /^ENVIRONMENT.*\ndev +dex .*\nstage +ERROR .*\nprod +dex /);
  });

  it("status --json gives the broken environment a row with the error", () => {
    const line = breakLine(project, STAGE, "tag: sha-5eed0a1b", "\ttag: sha-5eed0a1b");
    const result = project.cli(["status", "--json"], { records: () => NOT_DEPLOYED });
    assert.equal(result.code, 1);
    const parsed = JSON.parse(result.stdout) as {
      chain: string[];
      rows: Array<Record<string, unknown>>;
    };
    assert.deepEqual(parsed.chain, ["dev", "stage", "prod"]);
    const stage = parsed.rows.filter((r) => r.environment === "stage");
    assert.equal(stage.length, 1);
    assert.match(
      String(stage[0].error),
      new RegExp(`^Pulumi\\.stage\\.yaml line ${line}, column \\d+: Tabs`),
    );
    assert.deepEqual(
      parsed.rows.filter((r) => !r.error).map((r) => r.environment),
      ["dev", "prod"],
    );
  });

  it("promote, rollback and hotfix refuse with the file and line, and change nothing", () => {
    const line = breakLine(
      project,
      STAGE,
      "[ingress-nginx, monitoring]",
      "[ingress-nginx, monitoring",
    );
    const head = project.git("rev-parse", "HEAD");
    for (const args of [
      ["promote", "--from", "stage", "--to", "prod"],
      ["promote", "--from", "dev", "--to", "stage", "--dry-run"],
      ["rollback", "--env", "prod", "--reason", "x"],
      ["hotfix", "--env", "prod", "--app", "dex", "--tag", "v1.4.1", "--reason", "x"],
    ]) {
      const result = project.cli(args);
      assert.equal(result.code, 1, args.join(" "));
      assert.match(
        result.stderr,
        new RegExp(
          `^Refused: fix the stack file first:\\n  Pulumi\\.stage\\.yaml line ${line}, column \\d+: this \\[ is never closed`,
        ),
        args.join(" "),
      );
    }
    assert.equal(project.git("rev-parse", "HEAD"), head);
    assert.equal(project.git("branch", "--list"), "* main\n");
    assert.equal(project.git("status", "--porcelain"), "");
  });

  it("keeps the chain order around a broken file whose upstream cannot be read", () => {
    const canary = tempProject({ fixture: "canary" });
    try {
      breakLine(
        canary,
        "Pulumi.canary.yaml",
        "promotion:upstream: stage",
        "promotion:upstream: [stage",
      );
      const result = canary.cli(["status"], { records: () => NOT_DEPLOYED });
      assert.equal(result.code, 1);
      assert.deepEqual(
        result.stdout
          .split("\n")
          .slice(1)
          .map((row) => row.split(/ +/).slice(0, 2).join(" ")),
        ["dev dex", "stage dex", "canary ERROR", "prod dex"],
      );
    } finally {
      canary.cleanup();
    }
  });

  it("a broken Pulumi.yaml is refused with its line", () => {
    project.write("Pulumi.yaml", `${project.read("Pulumi.yaml")}\nbroken: [\n`);
    const result = project.cli(["status"], { records: () => NOT_DEPLOYED });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^Refused: Pulumi\.yaml line \d+, column \d+: this \[ is never closed/,
    );
  });
});
