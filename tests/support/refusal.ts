/** Shared checks for bad-input tests: the program must refuse, declare nothing, and explain. */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { engineConfig } from "../../config/stackFiles";
import { PROJECT_DIR, ProgramFailed, json } from "../../harness/program";

/** The real stack file's `promotion:apps` with its dex app changed by `change`, as the engine passes it. */
export function appsWith(stack: string, change: (dex: Record<string, any>) => void): string {
  const apps = JSON.parse(engineConfig(PROJECT_DIR, stack)["promotion:apps"]);
  change(apps.dex);
  return json(apps);
}

/**
 * Runs `run`, which must fail with a RunError before declaring any resource, and returns the
 * message line that names `stack` and holds every fragment of `expect` (the key first).
 */
export async function expectRefusal(
  run: () => Promise<unknown>,
  stack: string,
  expect: string[],
): Promise<string> {
  const failure = await run().then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(failure instanceof ProgramFailed, "the program should have failed");
  assert.ok(failure.cause instanceof pulumi.RunError, `expected a RunError: ${failure.message}`);
  assert.deepEqual(failure.resources, [], "no resource may be declared");
  const lines = failure.message.split("\n").filter((l) => l.includes(`stack "${stack}"`));
  const line = lines.find((l) => expect.every((fragment) => l.includes(fragment)));
  assert.ok(
    line,
    `no line names stack "${stack}" with ${expect.join(" and ")}:\n${failure.message}`,
  );
  return line;
}
