// Transpile-only build of the program, the CLI and the CI commands into .build/ (JavaScript with
// source maps), so that neither the engine's runs nor `npm run promote` type-check at start-up:
// type-checking stays in `npm test` (`tsc --noEmit`, which also enforces `isolatedModules`, the
// one thing a file-by-file transpile needs). Plain JavaScript so that it runs on a fresh clone
// before anything is compiled.
//
// ensureBuilt() is cheap when nothing changed (one stat per source file) and rebuilds exactly the
// files whose source is newer than their output, removes outputs whose source is gone, and
// rebuilds everything when the compiler, tsconfig.json or this file changed: stale output is never
// run. Outputs are written to a temporary name and renamed, so concurrent runs never read a
// half-written file.
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT_DIR = ".build";
/** What is built: the program (harness/engine.ts PROGRAM_ENTRIES), the CLI, CI and bump scripts. */
const SOURCES = [
  "index.ts",
  "model",
  "config",
  "rules",
  "manifests",
  "adapters",
  "preflight",
  "components",
  "cli",
  "ci",
  "scripts",
];

/** Every .ts file (not .d.ts) of the sources that exist under `root`, relative to it. */
function sourceFiles(root) {
  const found = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) found.push(child);
    }
  };
  for (const source of SOURCES) {
    if (source.endsWith(".ts")) {
      if (fs.existsSync(path.join(root, source))) found.push(source);
    } else walk(source);
  }
  return found;
}

const outputOf = (rel) => rel.replace(/\.ts$/, ".js");

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** What every output depends on besides its own source: the compiler, its settings, this file. */
function buildKey(root) {
  const read = (file) => {
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      return "";
    }
  };
  // Read straight from node_modules (module resolution costs more than the read); resolved only
  // when it is elsewhere.
  let tsVersion = read(path.join(root, "node_modules", "typescript", "package.json"));
  if (!tsVersion) {
    try {
      tsVersion = read(require.resolve("typescript/package.json", { paths: [root] }));
    } catch {
      // no typescript: the build below says so
    }
  }
  tsVersion = (/"version":\s*"([^"]+)"/.exec(tsVersion) || [])[1] || "";
  // FNV-1a over the three texts: no crypto module to load on every start.
  const text = `${tsVersion}\0${read(path.join(root, "tsconfig.json"))}\0${read(__filename)}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${tsVersion}-${text.length}-${hash.toString(16)}`;
}

function compilerOptions(ts, root) {
  const file = path.join(root, "tsconfig.json");
  const { config } = ts.readConfigFile(file, ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(
    (config && config.compilerOptions) || {},
    root,
  );
  return {
    ...options,
    noEmit: false,
    sourceMap: true,
    inlineSourceMap: false,
    inlineSources: false,
    declaration: false,
    isolatedModules: true,
  };
}

function writeAtomically(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/** Transpiles one source (relative to `root`) into .build/, with its source map. */
function transpiler(root) {
  let ts;
  try {
    ts = require(require.resolve("typescript", { paths: [root] }));
  } catch (error) {
    throw new Error(
      `boot/build.js: cannot load the TypeScript compiler to build ${OUT_DIR}/ (run 'npm ci' first): ${error.message}`,
    );
  }
  const options = compilerOptions(ts, root);
  return (rel) => {
    const source = path.join(root, rel);
    const out = path.join(root, OUT_DIR, outputOf(rel));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const result = ts.transpileModule(fs.readFileSync(source, "utf8"), {
      compilerOptions: options,
      fileName: source,
      reportDiagnostics: true,
    });
    const errors = (result.diagnostics || []).filter(
      (d) => d.category === ts.DiagnosticCategory.Error,
    );
    if (errors.length > 0) {
      const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      throw new Error(`boot/build.js: ${rel} does not transpile: ${text.join("; ")}`);
    }
    // The map points at the TypeScript source, relative to the output, so stack traces name it.
    const map = JSON.parse(result.sourceMapText);
    map.sources = [path.relative(path.dirname(out), source)];
    map.file = path.basename(out);
    delete map.sourceRoot;
    const js = result.outputText.replace(
      /\/\/# sourceMappingURL=.*$/m,
      `//# sourceMappingURL=${path.basename(out)}.map`,
    );
    writeAtomically(`${out}.map`, JSON.stringify(map));
    writeAtomically(out, js);
  };
}

/**
 * Brings `<root>/.build` up to date with the sources; returns what it did. `log` gets one line when
 * something was rebuilt.
 */
function ensureBuilt(root = ROOT, log = () => {}) {
  const outRoot = path.join(root, OUT_DIR);
  const stampFile = path.join(outRoot, ".stamp");
  const key = buildKey(root);
  let stamp = "";
  try {
    stamp = fs.readFileSync(stampFile, "utf8");
  } catch {
    // no build yet
  }
  const everything = stamp !== key;
  const sources = sourceFiles(root);
  const stale = sources.filter(
    (rel) => everything || mtime(path.join(outRoot, outputOf(rel))) < mtime(path.join(root, rel)),
  );
  // Outputs whose source is gone would still load for a stale require: remove them.
  const expected = new Set(sources.map(outputOf));
  const removed = [];
  const prune = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(outRoot, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) prune(child);
      else if (child.endsWith(".js") && !expected.has(child)) {
        fs.rmSync(path.join(outRoot, child), { force: true });
        fs.rmSync(path.join(outRoot, `${child}.map`), { force: true });
        removed.push(child);
      }
    }
  };
  prune("");
  if (stale.length === 0) return { built: 0, removed: removed.length };

  const started = Date.now();
  const transpile = transpiler(root);
  for (const rel of stale) transpile(rel);
  if (everything) writeAtomically(stampFile, key);
  log(
    `boot/build.js: transpiled ${stale.length} file(s) into ${OUT_DIR}/ in ${Date.now() - started} ms`,
  );
  return { built: stale.length, removed: removed.length };
}

/**
 * Start-up without walking every source: a full ensureBuilt() only when there is no build or the
 * compiler, tsconfig.json or this file changed; otherwise each built file is checked as Node loads
 * it (one stat of its source) and transpiled again first when its source is newer, a file whose
 * source is gone is refused, and a require that finds no built file (a new source) builds what is
 * missing and resolves again. So only what a run loads is checked, and nothing stale is run.
 */
function useBuild(root = ROOT, log = () => {}) {
  const outRoot = path.join(root, OUT_DIR);
  let stamp = "";
  try {
    stamp = fs.readFileSync(path.join(outRoot, ".stamp"), "utf8");
  } catch {
    // no build yet
  }
  if (stamp !== buildKey(root)) ensureBuilt(root, log);
  const Module = require("module");
  const prefix = outRoot + path.sep;
  let transpile;
  const loadJs = Module._extensions[".js"];
  Module._extensions[".js"] = function (module, filename) {
    if (filename.startsWith(prefix)) {
      const rel = path.relative(outRoot, filename).replace(/\.js$/, ".ts");
      const sourceTime = mtime(path.join(root, rel));
      if (sourceTime < 0) {
        throw new Error(
          `boot/build.js: ${OUT_DIR}/${path.relative(outRoot, filename)} has no source ${rel} any more; run 'npm run build' (stale output is not run)`,
        );
      }
      if (mtime(filename) < sourceTime) {
        transpile = transpile || transpiler(root);
        transpile(rel);
        log(`boot/build.js: transpiled ${rel} again (its source is newer)`);
      }
    }
    return loadJs.call(this, module, filename);
  };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    try {
      return resolve.call(this, request, parent, ...rest);
    } catch (error) {
      if (
        error.code !== "MODULE_NOT_FOUND" ||
        !parent ||
        !String(parent.filename).startsWith(prefix)
      ) {
        throw error;
      }
      ensureBuilt(root, log);
      return resolve.call(this, request, parent, ...rest);
    }
  };
}

/** The built JavaScript file of a TypeScript source (relative to the project). */
function builtPath(rel, root = ROOT) {
  return path.join(root, OUT_DIR, outputOf(rel));
}

module.exports = { ensureBuilt, useBuild, builtPath, sourceFiles, OUT_DIR, SOURCES };

if (require.main === module) {
  const result = ensureBuilt(ROOT, (line) => process.stderr.write(`${line}\n`));
  if (result.built === 0) process.stderr.write(`boot/build.js: ${OUT_DIR}/ is up to date\n`);
}
