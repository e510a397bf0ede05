// The entry the engine runs (package.json "main"): the program transpiled into .build/, each file
// transpiled again before it loads when its source is newer (boot/build.js useBuild), so `pulumi preview|up` starts without
// type-checking (`npm test` type-checks) and never runs stale output. Works the same through
// `npm run stack`, plain `pulumi` and the Automation API. Stack traces name the TypeScript files
// through the source maps (the SDK's source-map-support reads them).
"use strict";
const path = require("path");
const { useBuild, builtPath } = require("./build");

const root = path.resolve(__dirname, "..");
// Quietly: what the program writes to stderr would show in the preview.
useBuild(root);
module.exports = require(builtPath("index.ts", root));
