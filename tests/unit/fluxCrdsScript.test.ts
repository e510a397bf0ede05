/**
 * scripts/flux-crds.sh, run for real by bash against a fake `go` that answers from fake modules:
 * which files it takes from which controller, its cache, and its failures. No network.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FLUX_CRD_FILES } from "../support/fluxCrdSchema";

const SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "flux-crds.sh");
const FILES_OF: Record<string, string[]> = {
  "source-controller": [
    "source.toolkit.fluxcd.io_gitrepositories.yaml",
    "source.toolkit.fluxcd.io_helmrepositories.yaml",
    "source.toolkit.fluxcd.io_ocirepositories.yaml",
  ],
  "kustomize-controller": ["kustomize.toolkit.fluxcd.io_kustomizations.yaml"],
  "helm-controller": ["helm.toolkit.fluxcd.io_helmreleases.yaml"],
  "notification-controller": [
    "notification.toolkit.fluxcd.io_providers.yaml",
    "notification.toolkit.fluxcd.io_alerts.yaml",
  ],
};

describe("scripts/flux-crds.sh", () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "flux-crds-test-"));
    for (const [controller, files] of Object.entries(FILES_OF)) {
      const bases = path.join(root, "modules", controller, "config", "crd", "bases");
      fs.mkdirSync(bases, { recursive: true });
      for (const file of files) fs.writeFileSync(path.join(bases, file), `# ${file}\n`);
    }
    fs.mkdirSync(path.join(root, "bin"));
    // `go mod download -json module@version`: logs the call and the toolchain it was asked for,
    // answers with the fake module's directory, or fails like the proxy's 403.
    fs.writeFileSync(
      path.join(root, "bin", "go"),
      `#!/usr/bin/env bash
echo "$GOTOOLCHAIN $*" >>"${path.join(root, "go.log")}"
if [[ -n "\${FAKE_GO_FAIL:-}" ]]; then printf '{\\n\\t"Error": "403 Forbidden"\\n}\\n'; exit 1; fi
module="\${@: -1}"; name="\${module%@*}"; name="\${name##*/}"
printf '{\\n\\t"Path": "%s",\\n\\t"Dir": "%s"\\n}\\n' "\${module%@*}" "${path.join(root, "modules")}/$name"
`,
      { mode: 0o755 },
    );
    fs.mkdirSync(path.join(root, "tmp"));
    env = {
      PATH: `${path.join(root, "bin")}:/usr/bin:/bin`,
      TMPDIR: path.join(root, "tmp"),
      PROMOTION_CACHE: path.join(root, "cache"),
    };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(SCRIPT, [], { env: { ...env, ...extra }, encoding: "utf8" });

  it("takes each kind's CRD from its controller at the pinned version, once, then from the cache", () => {
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    const dir = first.stdout.trim();
    assert.equal(
      dir,
      path.join(
        root,
        "cache",
        "flux-crds",
        "source-v1.10.1.kustomize-v1.10.1.helm-v1.6.0.notification-v1.6.0",
      ),
    );
    assert.deepEqual(
      fs.readdirSync(dir).sort(),
      [...Object.values(FLUX_CRD_FILES), "complete"].sort(),
    );
    assert.deepEqual(fs.readFileSync(path.join(root, "go.log"), "utf8").trim().split("\n"), [
      "go1.27.3+auto mod download -json github.com/fluxcd/source-controller@v1.10.1",
      "go1.27.3+auto mod download -json github.com/fluxcd/kustomize-controller@v1.10.1",
      "go1.27.3+auto mod download -json github.com/fluxcd/helm-controller@v1.6.0",
      "go1.27.3+auto mod download -json github.com/fluxcd/notification-controller@v1.6.0",
    ]);
    assert.deepEqual(fs.readdirSync(path.join(root, "tmp")), [], "no temporary directory left");

    fs.rmSync(path.join(root, "bin", "go"));
    const cached = run();
    assert.equal(cached.status, 0, cached.stderr);
    assert.equal(cached.stdout.trim(), dir, "the cache answers without go");
  });

  it("fails naming the module when the proxy refuses it, and caches nothing", () => {
    const failed = run({ FAKE_GO_FAIL: "1" });
    assert.equal(failed.status, 1);
    assert.match(
      failed.stderr,
      /go mod download github.com\/fluxcd\/source-controller@v1.10.1' failed/,
    );
    assert.equal(fs.existsSync(path.join(root, "cache")), false);
    assert.deepEqual(fs.readdirSync(path.join(root, "tmp")), []);
  });

  it("fails naming the file when a module does not ship a CRD", () => {
    fs.rmSync(
      path.join(
        root,
        "modules",
        "helm-controller",
        "config",
        "crd",
        "bases",
        FLUX_CRD_FILES.HelmRelease,
      ),
    );
    const failed = run();
    assert.equal(failed.status, 1);
    assert.match(
      failed.stderr,
      /helm.toolkit.fluxcd.io_helmreleases.yaml missing from .*helm-controller/,
    );
    assert.equal(fs.existsSync(path.join(root, "cache")), false);
  });
});
