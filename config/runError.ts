/**
 * How the program stops before declaring anything: a RunError, which the engine shows as its
 * message alone, without a stack trace. Made cheap to inspect: the Node SDK's handler of uncaught
 * errors (cmd/run/run.js) also formats every such error with util.inspect for its trace span, and
 * in the engine's program process that took 23 s for one small RunError of ours (measured on 2
 * cores, SDK 3.248, Node 20: mostly garbage collection inside util.inspect), so a refused preview
 * took 26 s instead of 3 s. The custom inspection returns the message the handler shows anyway.
 */
import * as pulumi from "@pulumi/pulumi";
import { inspect } from "util";

export function runError(message: string): pulumi.RunError {
  const error = new pulumi.RunError(message);
  Object.defineProperty(error, inspect.custom, { value: () => `RunError: ${message}` });
  return error;
}
