/**
 * scripts/stack.sh and scripts/argocd-crds.sh, run for real by bash against stand-ins: a fake
 * toolchain whose `pulumi` logs its calls and writes into the stack file as the engine does, and
 * a fake `go`. No engine, no network; each case takes a few milliseconds.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

const STACK_FILE = `# dev: a comment the engine must not lose
config:
  promotion:environment: dev
`;

/** Stands in for the engine: logs each call, then acts like pulumi where the script relies on it. */
const FAKE_PULUMI = `#!/usr/bin/env bash
printf '%s\\t%s\\t%s\\t%s\\n' "$PWD" "$PULUMI_HOME" "\${PULUMI_IGNORE_AMBIENT_PLUGINS:-}" "$*" >>"$FAKE_LOG"
case "$1" in
  stack)
    case "$2" in
      select) [[ -f "$FAKE_STATE/$3" ]] ;;
      init) touch "$FAKE_STATE/$3"; printf 'encryptionsalt: v1:init\\n' >>"Pulumi.$3.yaml" ;;
      output) echo '{}' ;;
      ls) printf '['; for f in "$FAKE_STATE"/*; do [[ -e "$f" ]] && printf '{"name": "%s"},' "\${f##*/}"; done; printf '{}]\\n' ;;
    esac ;;
  plugin)
    mkdir -p "$PULUMI_HOME/plugins/resource-$4-v$5"
    cp "$7" "$PULUMI_HOME/plugins/resource-$4-v$5/" ;;
  *)
    # The real engine writes an encryption salt into the stack file it reads; this one writes into
    # the checkout's file, so the test sees whether the script puts it back.
    printf 'encryptionsalt: v1:engine\\n' >>"Pulumi.dev.yaml"
    exit "\${FAKE_EXIT:-0}" ;;
esac
`;

interface Sandbox {
  root: string;
  project: string;
  log: string;
  env: NodeJS.ProcessEnv;
}

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** A project holding the real stack.sh, one stack file, fake SDK packages and a fake toolchain. */
function sandbox(): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "scripts-test-"));
  const project = path.join(root, "project");
  const bin = path.join(root, "bin");
  write(
    path.join(project, "scripts", "stack.sh"),
    fs.readFileSync(path.join(ROOT, "scripts", "stack.sh"), "utf8"),
    0o755,
  );
  write(path.join(project, "scripts", "toolchain.sh"), `#!/usr/bin/env bash\necho ${bin}\n`, 0o755);
  write(path.join(project, "Pulumi.yaml"), "name: promotion\nruntime: nodejs\n");
  write(path.join(project, "Pulumi.dev.yaml"), STACK_FILE);
  for (const [pkg, version] of [
    ["kubernetes", "4.24.1"],
    ["github", "6.15.0"],
  ]) {
    write(
      path.join(project, "node_modules", "@pulumi", pkg, "package.json"),
      `{\n  "name": "@pulumi/${pkg}",\n  "version": "${version}"\n}\n`,
    );
    write(path.join(bin, `pulumi-resource-${pkg}`), `#!/bin/sh\n# ${pkg} provider\n`, 0o755);
  }
  write(path.join(bin, "pulumi"), FAKE_PULUMI, 0o755);
  fs.mkdirSync(path.join(root, "state"));
  fs.mkdirSync(path.join(root, "home"));
  fs.mkdirSync(path.join(root, "tmp"));
  const log = path.join(root, "pulumi.log");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path.join(root, "home"),
    TMPDIR: path.join(root, "tmp"),
    FAKE_LOG: log,
    FAKE_STATE: path.join(root, "state"),
  };
  return { root, project, log, env };
}

function stackSh(box: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(path.join(box.project, "scripts", "stack.sh"), args, {
    env: { ...box.env, ...env },
    encoding: "utf8",
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The fake pulumi's calls: [cwd, PULUMI_HOME, PULUMI_IGNORE_AMBIENT_PLUGINS, args]. */
function calls(box: Sandbox): string[][] {
  if (!fs.existsSync(box.log)) return [];
  return fs
    .readFileSync(box.log, "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split("\t"));
}

describe("scripts/stack.sh", () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => fs.rmSync(box.root, { recursive: true, force: true }));

  it("names the command to run when the upstream has no stack yet (stacks come up in chain order)", () => {
    write(
      path.join(box.project, "Pulumi.prod.yaml"),
      'config:\n  promotion:environment: prod\n  promotion:upstream: "canary" # canary runs first\n',
    );
    const early = stackSh(box, ["up", "prod"]);
    assert.equal(early.status, 1, early.stderr);
    assert.match(
      early.stderr,
      /stack\.sh: prod takes tags from canary, which has no stack on .* yet: run 'npm run stack -- up canary' first \(stacks come up in chain order\)/,
    );
    assert.ok(!calls(box).some((c) => c[3].startsWith("up")), "the engine never ran");
    fs.writeFileSync(path.join(box.root, "state", "canary"), "");
    const later = stackSh(box, ["up", "prod"]);
    assert.equal(later.status, 0, later.stderr);
  });

  it("refuses a missing command or an unknown stack with exit 2 and lists the stacks", () => {
    const none = stackSh(box, []);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^stacks: dev$/m);
    const unknown = stackSh(box, ["up", "qa"]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /there is no Pulumi\.qa\.yaml/);
    assert.deepEqual(calls(box), []);
  });

  it("puts the stack file back byte for byte after a failing up, and keeps the exit status", () => {
    const run = stackSh(box, ["up", "dev"], { FAKE_EXIT: "3" });
    assert.equal(run.status, 3, run.stderr);
    assert.equal(fs.readFileSync(path.join(box.project, "Pulumi.dev.yaml"), "utf8"), STACK_FILE);
    assert.match(run.stderr, /restored Pulumi\.dev\.yaml/);
    assert.deepEqual(fs.readdirSync(path.join(box.root, "tmp")), [], "scratch directory left");
  });

  it("runs stack init outside the checkout and the engine on a copy of the stack file", () => {
    const run = stackSh(box, ["preview", "dev"]);
    assert.equal(run.status, 0, run.stderr);
    const init = calls(box).find((call) => call[3].startsWith("stack init dev"));
    assert.ok(init, "stack init was not called");
    assert.notEqual(init[0], box.project);
    assert.ok(!init[0].startsWith(box.project + path.sep));
    const preview = calls(box).find((call) => call[3].startsWith("preview"));
    assert.ok(preview);
    assert.equal(preview[0], box.project);
    assert.match(
      preview[3],
      /^preview --stack dev --config-file \S+\/\.pulumi-state\/stack-config\/Pulumi\.dev\.yaml --non-interactive$/,
    );
    assert.equal(fs.readFileSync(path.join(box.project, "Pulumi.dev.yaml"), "utf8"), STACK_FILE);
  });

  it("never creates a missing stack where PROMOTION_REQUIRE_STACK=1 (CI); init creates it on purpose", () => {
    const refused = stackSh(box, ["up", "dev"], { PROMOTION_REQUIRE_STACK: "1" });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /stack 'dev' does not exist on .*'npm run stack -- init dev'/);
    assert.ok(!calls(box).some((c) => /^(stack init|up)/.test(c[3])), "nothing was created or run");
    const init = stackSh(box, ["init", "dev"], { PROMOTION_REQUIRE_STACK: "1" });
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stderr, /created stack 'dev'/);
    assert.ok(!calls(box).some((c) => c[3].startsWith("init")), "init runs no engine command");
    fs.writeFileSync(path.join(box.root, "state", "dev"), "");
    const up = stackSh(box, ["up", "dev"], { PROMOTION_REQUIRE_STACK: "1" });
    assert.equal(up.status, 0, up.stderr);
  });

  it("registers the providers once, under the SDK versions, and ignores ambient plugins", () => {
    const home = path.join(box.root, "home", ".cache", "promotion-as-code", "pulumi-home");
    assert.equal(stackSh(box, ["up", "dev"]).status, 0);
    const installs = calls(box).filter((call) => call[3].startsWith("plugin install"));
    assert.deepEqual(
      installs.map((call) => [call[1], call[3]]),
      ["kubernetes 4.24.1", "github 6.15.0"].map((plugin) => [
        home,
        `plugin install resource ${plugin} --file ${box.root}/bin/pulumi-resource-${plugin.split(" ")[0]} --reinstall`,
      ]),
    );
    const up = calls(box).find((call) => call[3].startsWith("up"));
    assert.deepEqual(up?.slice(1, 3), [home, "true"]);

    fs.rmSync(box.log);
    assert.equal(stackSh(box, ["up", "dev"]).status, 0);
    assert.deepEqual(
      calls(box).filter((call) => call[3].startsWith("plugin")),
      [],
      "registered again although the binaries did not change",
    );
  });

  it("does not register again a provider build it registered from another toolchain key (same stamp)", () => {
    // The toolchain's layout: <key>/bin next to <key>/stamps, one stamp per binary.
    const stamp = (dir: string, pkg: string, text: string) =>
      write(path.join(dir, "stamps", `pulumi-resource-${pkg}`), `${text}\n`);
    for (const pkg of ["kubernetes", "github"]) stamp(box.root, pkg, `recipe-of-${pkg}`);
    assert.equal(stackSh(box, ["up", "dev"]).status, 0);
    assert.equal(calls(box).filter((call) => call[3].startsWith("plugin install")).length, 2);

    // Another key: the same builds copied to a new directory, the same stamps.
    const other = path.join(box.root, "other-key");
    fs.cpSync(path.join(box.root, "bin"), path.join(other, "bin"), { recursive: true });
    for (const pkg of ["kubernetes", "github"]) stamp(other, pkg, `recipe-of-${pkg}`);
    write(
      path.join(box.project, "scripts", "toolchain.sh"),
      `#!/usr/bin/env bash\necho ${path.join(other, "bin")}\n`,
      0o755,
    );
    fs.rmSync(box.log);
    assert.equal(stackSh(box, ["up", "dev"]).status, 0);
    assert.deepEqual(
      calls(box).filter((call) => call[3].startsWith("plugin")),
      [],
    );

    // A different build (another stamp) is registered.
    stamp(other, "github", "another-recipe");
    assert.equal(stackSh(box, ["up", "dev"]).status, 0);
    assert.deepEqual(
      calls(box)
        .filter((call) => call[3].startsWith("plugin install"))
        .map((call) => call[3]),
      [
        `plugin install resource github 6.15.0 --file ${other}/bin/pulumi-resource-github --reinstall`,
      ],
    );
  });

  it("passes --yes to up, refresh and destroy, which the engine needs when non-interactive", () => {
    for (const command of ["up", "refresh", "destroy"]) {
      assert.equal(stackSh(box, [command, "dev"]).status, 0);
      const call = calls(box).find((c) => c[3].startsWith(`${command} `));
      assert.ok(call, `${command} was not run`);
      assert.match(call[3], / --yes /);
    }
  });

  it("asks for npm ci when the SDK packages are missing", () => {
    fs.rmSync(path.join(box.project, "node_modules"), { recursive: true });
    const run = stackSh(box, ["up", "dev"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /run 'npm ci' first/);
  });
});

describe("scripts/argocd-crds.sh", () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "argocd-crds-test-"));
    const crds = path.join(root, "module", "manifests", "crds");
    write(path.join(crds, "application-crd.yaml"), "kind: CustomResourceDefinition\n");
    write(path.join(crds, "appproject-crd.yaml"), "kind: CustomResourceDefinition\n");
    // `go mod download -json`, answered from the fake module, or failing like the proxy's 403.
    write(
      path.join(root, "bin", "go"),
      `#!/usr/bin/env bash
if [[ -n "\${FAKE_GO_FAIL:-}" ]]; then printf '{\\n\\t"Error": "403 Forbidden"\\n}\\n'; exit 1; fi
printf '{\\n\\t"Path": "github.com/argoproj/argo-cd/v3",\\n\\t"Dir": "%s"\\n}\\n' "${path.join(root, "module")}"
`,
      0o755,
    );
    fs.mkdirSync(path.join(root, "tmp"));
    env = {
      PATH: `${path.join(root, "bin")}:${process.env.PATH ?? ""}`,
      TMPDIR: path.join(root, "tmp"),
      PROMOTION_CACHE: path.join(root, "cache"),
    };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const crds = (extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(path.join(ROOT, "scripts", "argocd-crds.sh"), [], {
      env: { ...env, ...extra },
      encoding: "utf8",
    });

  it("leaves no temporary directory behind when it downloads", () => {
    const run = crds();
    assert.equal(run.status, 0, run.stderr);
    const dir = run.stdout.trim();
    assert.equal(dir, path.join(root, "cache", "argocd-crds", "v3.5.7"));
    assert.deepEqual(fs.readdirSync(dir).sort(), ["application-crd.yaml", "appproject-crd.yaml"]);
    assert.deepEqual(fs.readdirSync(path.join(root, "tmp")), []);
  });

  it("leaves no temporary directory behind when the download fails", () => {
    const run = crds({ FAKE_GO_FAIL: "1" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /go mod download .* failed/);
    assert.deepEqual(fs.readdirSync(path.join(root, "tmp")), []);
  });
});

describe("scripts/testbed.sh and scripts/testbed-build.sh", () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "testbed-script-test-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const testbed = (args: string[]) =>
    spawnSync(
      path.join(ROOT, "scripts", "testbed.sh"),
      [...args, "--dir", path.join(root, "run")],
      {
        // An empty cache: nothing is built.
        env: { ...process.env, PROMOTION_TESTBED_CACHE: path.join(root, "cache") },
        encoding: "utf8",
      },
    );

  it("refuses an unknown command or component with exit 2 and says what is accepted", () => {
    const unknown = testbed(["upp"]);
    assert.equal(unknown.status, 2);
    assert.match(
      unknown.stderr,
      /unknown command 'upp'; accepted: build, up, down, status, kubeconfig, env, stop, start/,
    );
    const component = testbed(["stop", "apiserver"]);
    assert.equal(component.status, 2);
    assert.match(component.stderr, /unknown component 'apiserver'; accepted: etcd kube-apiserver /);
  });

  it("fails up with the build command when the binaries are not built, and starts nothing", () => {
    const run = testbed(["up"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /not built \(run: npm run testbed -- build/);
    assert.ok(!fs.existsSync(path.join(root, "run", "pids")), "no process was started");
  });

  it("reports every component stopped when nothing runs, and down is a no-op", () => {
    const status = testbed(["status"]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^etcd\s+stopped$/m);
    assert.match(status.stdout, /^argocd-application-controller\s+stopped$/m);
    assert.equal(testbed(["down"]).status, 0);
  });

  it("pins in testbed-build.sh the versions testbed/build/go.mod requires", () => {
    const script = fs.readFileSync(path.join(ROOT, "scripts", "testbed-build.sh"), "utf8");
    const goMod = fs.readFileSync(path.join(ROOT, "testbed", "build", "go.mod"), "utf8");
    const pins = [...script.matchAll(/readonly \w+_MOD=(\S+) \w+_VER=(v\S+)/g)].map((m) => [
      m[1],
      m[2],
    ]);
    assert.equal(pins.length, 5, "argocd, kubernetes, etcd, kwok, kustomize");
    for (const [module, version] of pins) {
      assert.match(
        goMod,
        new RegExp(`^\\s+${module.replace(/\./g, "\\.")} ${version}( // indirect)?$`, "m"),
      );
    }
    // The control plane at the Kubernetes release Argo CD builds against: one set of k8s.io libraries.
    const staging = [...goMod.matchAll(/^\s+(k8s\.io\/[\w-]+) => \1 (v\S+)$/gm)]
      .filter((m) => m[1] !== "k8s.io/kube-openapi") // not a staging module: a served pseudo-version
      .map((m) => m[2]);
    assert.ok(staging.length >= 30);
    assert.deepEqual([...new Set(staging)], ["v0.37.0"]);
  });
});
