#!/usr/bin/env node
// Runs a TypeScript entry of this project from its transpiled JavaScript, rebuilt first when any
// source is newer (boot/build.js): `node boot/run.js cli/main.ts --help`. No type-check at
// start-up (`npm test` type-checks); stack traces name the TypeScript files and lines (source maps).
"use strict";
const path = require("path");
const Module = require("module");
const { useBuild, builtPath } = require("./build");

const [entry, ...args] = process.argv.slice(2);
if (!entry || !entry.endsWith(".ts")) {
  process.stderr.write("usage: node boot/run.js <entry.ts> [args...]\n");
  process.exit(2);
}
useBuild(undefined, (line) => process.stderr.write(`${line}\n`));
// Stack traces through the source maps, for our files only (node_modules' maps stay unread).
require("./sourceMaps").install();
const file = builtPath(path.normalize(entry));
process.argv = [process.argv[0], file, ...args];
// Load it as the main module, so its `require.main === module` holds as under ts-node.
Module._load(file, null, true);
