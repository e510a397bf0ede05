/**
 * The transpile-only build (boot/build.js) that the engine's runs and the CLI start from: it
 * covers every program folder, rebuilds what is newer than its output, never leaves stale output,
 * and the CLI's overview needs none of the commands' code.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROGRAM_ENTRIES } from "../../harness/engine";
import { PROJECT_DIR } from "../../harness/program";
import { COMMAND_SUMMARIES, loadCommands } from "../../cli/main";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require("../../boot/build") as {
  ensureBuilt: (root: string) => { built: number; removed: number };
  builtPath: (rel: string, root: string) => string;
  SOURCES: string[];
};

describe("boot: the transpile-only build", () => {
  it("builds every TypeScript entry and folder the engine copies (harness/engine.ts)", () => {
    for (const entry of PROGRAM_ENTRIES) {
      const full = path.join(PROJECT_DIR, entry);
      const hasTs = fs.statSync(full).isDirectory()
        ? fs.readdirSync(full, { recursive: true }).some((f) => String(f).endsWith(".ts"))
        : entry.endsWith(".ts");
      if (hasTs) assert.ok(build.SOURCES.includes(entry), `${entry} is built by boot/build.js`);
    }
  });

  it("rebuilds a changed source, removes the output of a deleted one, and is quiet otherwise", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "boot-build-"));
    try {
      fs.copyFileSync(path.join(PROJECT_DIR, "tsconfig.json"), path.join(root, "tsconfig.json"));
      fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(root, "node_modules"));
      fs.mkdirSync(path.join(root, "rules"));
      const source = path.join(root, "rules", "a.ts");
      fs.writeFileSync(source, "export const a: number = 1;\n");
      fs.writeFileSync(path.join(root, "rules", "b.ts"), "export const b = 2;\n");
      assert.equal(build.ensureBuilt(root).built, 2);
      assert.equal(build.ensureBuilt(root).built, 0, "nothing newer: nothing rebuilt");
      const out = build.builtPath("rules/a.ts", root);
      assert.match(fs.readFileSync(out, "utf8"), /exports\.a = 1/);
      const map = JSON.parse(fs.readFileSync(`${out}.map`, "utf8"));
      assert.deepEqual(map.sources, ["../../rules/a.ts"], "the map names the TypeScript source");

      fs.writeFileSync(source, "export const a: number = 3;\n");
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(source, later, later);
      assert.equal(build.ensureBuilt(root).built, 1, "only the newer source");
      assert.match(fs.readFileSync(out, "utf8"), /exports\.a = 3/);

      fs.rmSync(path.join(root, "rules", "b.ts"));
      assert.equal(build.ensureBuilt(root).removed, 1);
      assert.ok(!fs.existsSync(build.builtPath("rules/b.ts", root)), "no output without a source");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("boot: checking only what a run loads (useBuild)", () => {
  /** Runs `node -e` in a child: useBuild(root), then prints what requiring `rel` gives. */
  function load(root: string, rel: string): { status: number | null; out: string; err: string } {
    const script = `require(${JSON.stringify(path.join(PROJECT_DIR, "boot", "build.js"))}).useBuild(${JSON.stringify(root)});
console.log(JSON.stringify(require(${JSON.stringify(path.join(root, ".build", rel))})));`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    return { status: run.status, out: run.stdout.trim(), err: run.stderr };
  }
  const future = (file: string) => {
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
  };

  it("builds on a fresh clone, rebuilds a newer source as it loads, builds a new one, refuses a deleted one", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "boot-lazy-"));
    try {
      fs.copyFileSync(path.join(PROJECT_DIR, "tsconfig.json"), path.join(root, "tsconfig.json"));
      fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(root, "node_modules"));
      fs.mkdirSync(path.join(root, "rules"));
      const a = path.join(root, "rules", "a.ts");
      fs.writeFileSync(a, 'export const a: number = 1;\nexport { b } from "./b";\n');
      fs.writeFileSync(path.join(root, "rules", "b.ts"), "export const b = 2;\n");
      assert.equal(load(root, "rules/a.js").out, '{"a":1,"b":2}', "no build yet: built first");

      fs.writeFileSync(a, 'export const a: number = 3;\nexport { c } from "./c";\n');
      future(a);
      fs.writeFileSync(path.join(root, "rules", "c.ts"), "export const c = 4;\n");
      assert.equal(load(root, "rules/a.js").out, '{"a":3,"c":4}', "newer source, new module");

      fs.rmSync(path.join(root, "rules", "b.ts"));
      const gone = load(root, "rules/b.js");
      assert.notEqual(gone.status, 0);
      assert.match(gone.err, /has no source rules\/b\.ts any more/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("cli: the overview needs no command's code", () => {
  it("lists each command with its own name and summary, in order", () => {
    assert.deepEqual(
      loadCommands().map((c) => ({ name: c.name, summary: c.summary })),
      COMMAND_SUMMARIES,
    );
  });
});
