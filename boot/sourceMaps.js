// Stack traces that name the TypeScript source: Node's own source-map support.
"use strict";
module.exports.install = () => {
  if (typeof process.setSourceMapsEnabled === "function") process.setSourceMapsEnabled(true);
};
