// The entry the engine runs (package.json "main"): the program transpiled into .build/, rebuilt
// first when any source is newer (boot/build.js), so `pulumi preview|up` starts without
// type-checking (`npm test` type-checks) and never runs stale output. Works the same through
// `npm run stack`, plain `pulumi` and the Automation API. Stack traces name the TypeScript files
// through the source maps (the SDK's source-map-support reads them).
"use strict";
const path = require("path");
const { ensureBuilt, builtPath } = require("./build");

const root = path.resolve(__dirname, "..");
// Quietly: what the program writes to stderr would show in the preview.
ensureBuilt(root);
module.exports = require(builtPath("index.ts", root));
