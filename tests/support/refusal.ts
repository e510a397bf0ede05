/** Shared checks for bad-input tests: the program must refuse, declare nothing, and explain. */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { engineConfig } from "../../config/stackFiles";
import { SEED } from "../fixtures";
import { ProgramFailed, STACK_REFERENCE, json } from "../../harness/program";

/**
 * A stack file's `promotion:apps` (of the seed fixture unless `projectDir` names another project)
 * with its dex app changed by `change`, as the engine passes it.
 */
export function appsWith(
  stack: string,
  change: (dex: Record<string, any>) => void,
  projectDir: string = SEED.dir,
): string {
  const apps = JSON.parse(engineConfig(projectDir, stack)["promotion:apps"]);
  change(apps.dex);
  return json(apps);
}

/** Awaits a program run that must fail with a RunError (a refusal), and returns the failure. */
export async function runFailure(run: Promise<unknown>): Promise<ProgramFailed> {
  const failure = await run.then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(failure instanceof ProgramFailed, "the program should have failed");
  assert.ok(failure.cause instanceof pulumi.RunError, `expected a RunError: ${failure.message}`);
  return failure;
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
  const failure = await runFailure(run());
  assert.deepEqual(failure.resources, [], "no resource may be declared");
  return lineNaming(failure, stack, expect);
}

/** The line of a failure's message that names `stack` and holds every fragment of `expect`. */
function lineNaming(failure: ProgramFailed, stack: string, expect: string[]): string {
  const lines = failure.message.split("\n").filter((l) => l.includes(`stack "${stack}"`));
  const line = lines.find((l) => expect.every((fragment) => l.includes(fragment)));
  assert.ok(
    line,
    `no line names stack "${stack}" with ${expect.join(" and ")}:\n${failure.message}`,
  );
  return line;
}

/**
 * expectRefusal for a refusal of the gate, which reads before it decides: the stack references and
 * the upstream's live objects (`<env>-upstream-*`, read-only `get`s and their provider) may be
 * there, nothing else.
 */
export async function expectGateRefusal(
  run: () => Promise<unknown>,
  stack: string,
  expect: string[],
): Promise<string> {
  const failure = await runFailure(run());
  const declared = failure.resources.filter(
    (r) => r.type !== STACK_REFERENCE && !/^[a-z0-9-]+-upstream-/.test(r.name),
  );
  assert.deepEqual(
    declared.map((r) => `${r.type} ${r.name}`),
    [],
    "nothing but reads may be declared",
  );
  return lineNaming(failure, stack, expect);
}
