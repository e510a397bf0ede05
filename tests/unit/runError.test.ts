/**
 * The error that stops the program (config/runError.ts): a RunError the engine shows as its message
 * alone, whose inspection is the message, so the SDK's uncaught-error handler does not spend tens of
 * seconds in util.inspect on it (a refused preview took 26 s instead of 3 s).
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { inspect } from "util";
import { runError } from "../../config/runError";

describe("config/runError", () => {
  const message = 'Stack "dev" has 1 configuration problem; nothing was changed:\n  - ...';

  it("is a RunError with the message, as the engine shows it", () => {
    const error = runError(message);
    assert.ok(pulumi.RunError.isInstance(error));
    assert.equal(error.message, message);
  });

  it("inspects as its message, with or without colors, and never as its stack or properties", () => {
    const error = runError(message);
    for (const options of [{}, { colors: true }, { showHidden: true, depth: Infinity }]) {
      assert.equal(inspect(error, options), `RunError: ${message}`);
    }
  });
});
