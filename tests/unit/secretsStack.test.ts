/**
 * Issue #20, "Secrets stay secret", for scripts/stack.sh: its built-in passphrase is public, so it
 * only guards a local file:// backend; any other backend without a passphrase or a secrets
 * provider of its own is refused before the engine runs. And the engine runs with
 * PROMOTION_STACK_CONFIG_FILE naming the stack file it reads, for the policy pack. The real script
 * runs by bash against a fake toolchain whose `pulumi` logs what it was given.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Logs its arguments and the secrets settings it got, one line per call. */
const FAKE_PULUMI = `#!/usr/bin/env bash
printf '%s\\tpassphrase=%s\\tstackfile=%s\\n' "$*" "\${PULUMI_CONFIG_PASSPHRASE:-}" "\${PROMOTION_STACK_CONFIG_FILE:-}" >>"$FAKE_LOG"
case "$1 $2" in
  "stack select") [[ -f "$FAKE_STATE/$3" ]] ;;
  "stack init") touch "$FAKE_STATE/$3" ;;
  "plugin install") mkdir -p "$PULUMI_HOME/plugins/resource-$4-v$5" ;;
esac
exit 0
`;

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

describe("secrets: scripts/stack.sh and the passphrase", () => {
  let root: string;
  let project: string;
  let log: string;
  let baseEnv: NodeJS.ProcessEnv;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-stack-"));
    project = path.join(root, "project");
    const bin = path.join(root, "bin");
    write(
      path.join(project, "scripts", "stack.sh"),
      fs.readFileSync(path.join(ROOT, "scripts", "stack.sh"), "utf8"),
      0o755,
    );
    write(
      path.join(project, "scripts", "toolchain.sh"),
      `#!/usr/bin/env bash\necho ${bin}\n`,
      0o755,
    );
    write(path.join(project, "Pulumi.yaml"), "name: promotion\nruntime: nodejs\n");
    write(path.join(project, "Pulumi.dev.yaml"), "config:\n  promotion:environment: dev\n");
    for (const pkg of ["kubernetes", "github"]) {
      write(
        path.join(project, "node_modules", "@pulumi", pkg, "package.json"),
        // One field a line: stack.sh reads the version with sed, as npm writes package.json.
        `{\n  "name": "@pulumi/${pkg}",\n  "version": "1.0.0"\n}\n`,
      );
      write(path.join(bin, `pulumi-resource-${pkg}`), "#!/bin/sh\n", 0o755);
    }
    write(path.join(bin, "pulumi"), FAKE_PULUMI, 0o755);
    fs.mkdirSync(path.join(root, "state"));
    fs.mkdirSync(path.join(root, "home"));
    log = path.join(root, "pulumi.log");
    baseEnv = {
      PATH: process.env.PATH,
      HOME: path.join(root, "home"),
      TMPDIR: os.tmpdir(),
      FAKE_LOG: log,
      FAKE_STATE: path.join(root, "state"),
    };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const stackSh = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const run = spawnSync(path.join(project, "scripts", "stack.sh"), args, {
      env: { ...baseEnv, ...env },
      encoding: "utf8",
    });
    return { status: run.status, stderr: run.stderr };
  };
  const engineCalls = (): string[] =>
    fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];

  it("refuses a shared backend without a passphrase, naming the variable and the backend", () => {
    for (const backend of ["s3://team-state/promotion", "https://pulumi.internal.example"]) {
      const run = stackSh(["preview", "dev"], { PULUMI_BACKEND_URL: backend });
      assert.equal(run.status, 1, run.stderr);
      assert.ok(run.stderr.includes(`the backend ${backend} is not a local file:// backend`));
      assert.match(run.stderr, /set PULUMI_CONFIG_PASSPHRASE \(or PULUMI_CONFIG_PASSPHRASE_FILE\)/);
      assert.ok(!run.stderr.includes("promotion-as-code-local"), "the public passphrase is named");
      assert.deepEqual(engineCalls(), [], "the engine ran");
    }
  });

  it("runs a shared backend with the passphrase it is given, never the public one", () => {
    const run = stackSh(["preview", "dev"], {
      PULUMI_BACKEND_URL: "s3://team-state/promotion",
      PULUMI_CONFIG_PASSPHRASE: "team-passphrase",
    });
    assert.equal(run.status, 0, run.stderr);
    const preview = engineCalls().find((line) => line.startsWith("preview"));
    assert.ok(preview);
    assert.match(preview, /\tpassphrase=team-passphrase\t/);
  });

  it("runs a shared backend whose stack file names a secrets provider, without any passphrase", () => {
    write(
      path.join(project, "Pulumi.dev.yaml"),
      "secretsprovider: awskms://alias/promotion\nconfig:\n  promotion:environment: dev\n",
    );
    const run = stackSh(["preview", "dev"], { PULUMI_BACKEND_URL: "s3://team-state/promotion" });
    assert.equal(run.status, 0, run.stderr);
    const preview = engineCalls().find((line) => line.startsWith("preview"));
    assert.match(preview ?? "", /\tpassphrase=\t/);
  });

  it("runs Pulumi Cloud, which encrypts with the service, without the public passphrase", () => {
    const run = stackSh(["preview", "dev"], { PULUMI_BACKEND_URL: "https://api.pulumi.com" });
    assert.equal(run.status, 0, run.stderr);
    const preview = engineCalls().find((line) => line.startsWith("preview"));
    assert.match(preview ?? "", /\tpassphrase=\t/);
  });

  it("keeps the local default for a file:// backend", () => {
    const run = stackSh(["preview", "dev"]);
    assert.equal(run.status, 0, run.stderr);
    const preview = engineCalls().find((line) => line.startsWith("preview"));
    assert.match(preview ?? "", /\tpassphrase=promotion-as-code-local\t/);
  });

  it("names the stack file the engine reads in PROMOTION_STACK_CONFIG_FILE (for the policy pack)", () => {
    const run = stackSh(["preview", "dev"]);
    assert.equal(run.status, 0, run.stderr);
    const preview = engineCalls().find((line) => line.startsWith("preview"));
    const copy = path.join(project, ".pulumi-state", "stack-config", "Pulumi.dev.yaml");
    assert.ok(preview?.endsWith(`\tstackfile=${copy}`), preview);
    assert.ok(preview?.includes(`--config-file ${copy} `), preview);
  });
});
