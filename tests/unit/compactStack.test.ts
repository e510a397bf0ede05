/**
 * The compact stack file (promotion:appDefaults, one line per app): it declares what the explicit
 * form declares, its bad input is named once where it was written, the CLI edits its one-line apps,
 * and the expansion's laws hold for any app and defaults (fast-check).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { engineConfig, loadStackFile } from "../../config/stackFiles";
import { StackConfigError } from "../../config/validate";
import { editStackText, readApps } from "../../cli/stackText";
import { expandApp, writtenAt } from "../../rules/appDefaults";
import { runIn } from "../../harness/program";
import { COMPACT, MULTI_APP } from "../fixtures";

/** A project with the compact fixture's files, `dev` replaced by `devText`. */
function withDev(devText: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compact-"));
  for (const file of fs.readdirSync(COMPACT.dir)) {
    fs.copyFileSync(path.join(COMPACT.dir, file), path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), devText);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const compactDev = () => fs.readFileSync(path.join(COMPACT.dir, "Pulumi.dev.yaml"), "utf8");

function problemsOf(dir: string): string[] {
  try {
    loadStackFile(dir, "dev");
  } catch (error) {
    if (error instanceof StackConfigError)
      return error.refusals.map((r) => `${r.key}: ${r.accepted}`);
    throw error;
  }
  return [];
}

describe("compact stack files: promotion:appDefaults", () => {
  it("declares exactly what the explicit form declares (multi-app's dev)", async () => {
    assert.deepEqual(loadStackFile(COMPACT.dir, "dev"), loadStackFile(MULTI_APP.dir, "dev"));
    const compact = await runIn(COMPACT.dir, "dev");
    const explicit = await runIn(MULTI_APP.dir, "dev");
    // When and by whom (the stack file's last git author) differ between the two files.
    const declared = (resources: unknown) =>
      JSON.parse(
        JSON.stringify(resources, (key, v: unknown) =>
          /promoted-(at|by)$/.test(key) ? undefined : v,
        ),
      ) as unknown;
    assert.deepEqual(declared(compact.resources), declared(explicit.resources));
    assert.deepEqual(
      Object.fromEntries(Object.entries(readApps(compactDev())).map(([a, s]) => [a, s.tag])),
      COMPACT.devTags,
    );
  });

  it("is much smaller as the engine passes it to the program", () => {
    const size = (dir: string) => JSON.stringify(engineConfig(dir, "dev")["promotion:apps"]).length;
    assert.ok(size(COMPACT.dir) * 2 < size(MULTI_APP.dir), "apps take under half the bytes");
  });

  it("names a bad default once, at promotion:appDefaults, with its value as written", () => {
    const project = withDev(
      compactDev().replace("image: ghcr.io/data-literate/{app}", "image: ghcr.io/Data/{app}"),
    );
    try {
      const problems = problemsOf(project.dir);
      assert.deepEqual(problems, [
        "promotion:appDefaults.image: an image repository such as ghcr.io/org/name, without tag or digest",
      ]);
    } finally {
      project.cleanup();
    }
  });

  it("refuses a tag or bypass in the defaults: they are per app", () => {
    const project = withDev(
      compactDev().replace("    replicas: 2\n", "    replicas: 2\n    tag: sha-5eed0a1b\n"),
    );
    try {
      const [problem] = problemsOf(project.dir);
      assert.match(problem, /^promotion:appDefaults\.tag: no such key/);
    } finally {
      project.cleanup();
    }
  });

  it("names an app's own bad value at the app, and a missing required key there too", () => {
    const project = withDev(
      compactDev()
        .replace("dex: { tag: sha-5eed0a1b }", "dex: { tag: latest, replicas: 5000 }")
        .replace("    image: ghcr.io/data-literate/{app}\n", ""),
    );
    try {
      const problems = problemsOf(project.dir);
      assert.ok(
        problems.some((p) => p.startsWith("promotion:apps.dex.tag: ")),
        problems.join("\n"),
      );
      assert.ok(problems.includes("promotion:apps.dex.replicas: a whole number from 0 to 1000"));
      for (const app of ["api", "dex", "migrations"]) {
        assert.ok(
          problems.some((p) => p.startsWith(`promotion:apps.${app}.image: `)),
          app,
        );
      }
    } finally {
      project.cleanup();
    }
  });
});

describe("compact stack files: the CLI's edits of one-line apps", () => {
  it("a tag edit changes only the tag, and editing back restores the text", () => {
    const before = compactDev();
    const after = editStackText(before, "Pulumi.dev.yaml", [{ app: "dex", tag: "sha-0123abcd" }]);
    assert.equal(after, before.replace("dex: { tag: sha-5eed0a1b }", "dex: { tag: sha-0123abcd }"));
    const back = editStackText(after, "Pulumi.dev.yaml", [{ app: "dex", tag: "sha-5eed0a1b" }]);
    assert.equal(back, before);
  });

  it("writes a bypass into a one-line app and removes it again, byte for byte", () => {
    const before = compactDev();
    const bypass = {
      kind: "rollback" as const,
      tag: "v20260101-abc1234",
      reason: "bad build, } and , inside",
    };
    const withBypass = editStackText(before, "Pulumi.dev.yaml", [
      { app: "api", tag: "v20260101-abc1234", bypass },
    ]);
    assert.deepEqual(readApps(withBypass).api, { tag: "v20260101-abc1234", bypass });
    const project = withDev(withBypass);
    try {
      const api = loadStackFile(project.dir, "dev").apps.find((a) => a.name === "api");
      assert.deepEqual(api?.bypass, bypass);
      assert.equal(api?.syncWave, 1, "the app's other keys are kept");
    } finally {
      project.cleanup();
    }
    const removed = editStackText(withBypass, "Pulumi.dev.yaml", [
      { app: "api", tag: "v20260128-abc1234", bypass: null },
    ]);
    assert.equal(removed, before);
  });

  it("writes a rules override into a one-line app, read by the program, and a promotion removes it", () => {
    const before = compactDev();
    const reason = 'flaky "e2e", see QA-9 } , ok';
    const overridden = editStackText(before, "Pulumi.dev.yaml", [
      { app: "api", tag: "v20260101-abc1234", overrideRules: reason },
    ]);
    assert.equal(readApps(overridden).api.overrideRules, reason);
    const project = withDev(overridden);
    try {
      const api = loadStackFile(project.dir, "dev").apps.find((a) => a.name === "api");
      assert.deepEqual(api?.overrideRules, { tag: "v20260101-abc1234", reason });
      assert.equal(api?.syncWave, 1, "the app's other keys are kept");
    } finally {
      project.cleanup();
    }
    const promoted = editStackText(overridden, "Pulumi.dev.yaml", [
      { app: "api", tag: "v20260128-abc1234", overrideRules: null, bypass: null },
    ]);
    assert.equal(promoted, before);
  });
});

describe("compact stack files: laws of the expansion", () => {
  const word = fc.stringMatching(/^[a-z]{1,8}$/);
  const value = fc.oneof(word, fc.integer(), fc.dictionary(word, word, { maxKeys: 3 }));
  const settings = fc.dictionary(word, value, { maxKeys: 6 });

  it("an app's own keys always win, and defaults fill only what it leaves out", () => {
    fc.assert(
      fc.property(settings, settings, (app, defaults) => {
        const expanded = expandApp(app, defaults) as Record<string, unknown>;
        for (const [key, own] of Object.entries(app)) {
          if (key === "source" || key === "env") continue;
          assert.deepEqual(expanded[key], own);
        }
        for (const key of Object.keys(defaults)) {
          if (!(key in app)) assert.deepEqual(expanded[key], defaults[key]);
        }
        assert.deepEqual(expandApp(app, {}), { ...app }, "no defaults: the app as it is");
      }),
    );
  });

  it("source merges key by key, null drops a default, and each value is located where written", () => {
    fc.assert(
      fc.property(word, word, word, (repo, ownPath, app) => {
        const defaults = { source: { repoURL: repo, path: "p" }, logLevel: "INFO" };
        const raw = {
          appDefaults: defaults,
          apps: { [app]: { source: { path: ownPath }, logLevel: null } },
        };
        const expanded = expandApp(raw.apps[app], defaults) as Record<string, unknown>;
        assert.deepEqual(expanded.source, { repoURL: repo, path: ownPath });
        assert.ok(!("logLevel" in expanded));
        assert.deepEqual(writtenAt(raw, ["apps", app, "source", "repoURL"]), [
          "appDefaults",
          "source",
          "repoURL",
        ]);
        assert.deepEqual(writtenAt(raw, ["apps", app, "source", "path"]), [
          "apps",
          app,
          "source",
          "path",
        ]);
      }),
    );
  });
});
