/**
 * How the program stops before declaring anything: a RunError, which the engine shows as its
 * message alone, without a stack trace. Made cheap to inspect: the Node SDK's handler of uncaught
 * errors (cmd/run/run.js) also formats every such error with util.inspect for its trace span, and
 * in the engine's program process that took 23 s for one small RunError of ours (measured on 2
 * cores, SDK 3.248, Node 20: mostly garbage collection inside util.inspect), so a refused preview
 * took 26 s instead of 3 s. The custom inspection returns the message the handler shows anyway.
 *
 * Every refusal of the program ends here, so here secret config values are taken out of the
 * message (rules/redact.ts): the engine hands the program `secure:` values decrypted, and a
 * refusal quotes the value it refuses.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { inspect } from "util";
import { parse } from "yaml";
import { redactSecrets, secretValues, securePathsOfConfig } from "../rules/redact";

/**
 * The decrypted secrets of this run: the keys the engine marks secret (PULUMI_CONFIG_SECRET_KEYS,
 * which the SDK itself reads), narrowed to the stack file's `secure:` leaves when the file
 * PROMOTION_STACK_CONFIG_FILE names (npm run stack sets it) can be read.
 */
export function runSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  let secretKeys: string[];
  try {
    secretKeys = JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as string[];
  } catch {
    secretKeys = [];
  }
  if (!Array.isArray(secretKeys) || secretKeys.length === 0) return [];
  let securePaths: Set<string> | undefined;
  const file = env.PROMOTION_STACK_CONFIG_FILE;
  if (file) {
    try {
      const stackFile = parse(fs.readFileSync(file, "utf8")) as { config?: unknown } | null;
      securePaths = securePathsOfConfig(stackFile?.config, pulumi.getProject());
    } catch {
      securePaths = undefined;
    }
  }
  return secretValues(pulumi.runtime.allConfig(), secretKeys, securePaths);
}

export function runError(message: string): pulumi.RunError {
  const shown = redactSecrets(message, runSecrets());
  const error = new pulumi.RunError(shown);
  Object.defineProperty(error, inspect.custom, { value: () => `RunError: ${shown}` });
  return error;
}
