/**
 * A change is carried out as a list of small named steps, each with its undo (after Kargo's
 * promotion steps). When a step is refused or fails, the steps before it are undone in reverse
 * order, so the repository (and origin) is left as it was.
 */
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import type { CliIo } from "../io";

export interface Step {
  /** Short name, shown numbered by --dry-run and in a failure: ensure-clean, branch, ... */
  name: string;
  /** What the step does, for --dry-run. */
  does: string;
  /** What its undo does, for --dry-run; absent when there is nothing to undo. */
  undoes?: string;
  /** Read-only: why a run would stop at this step now; undefined when it may go on. */
  check?: () => string | undefined;
  /** Does it, saying what it did on the terminal; throws to stop the run. */
  run: () => void;
  /** Reverts `run`; returns what it did ("reset to abc1234"). */
  undo?: () => string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Undoes the done steps, newest first; the lines that say what was undone and what was not. */
function undoAll(done: Array<{ step: Step; number: number }>): string[] {
  const undone: string[] = [];
  const failed: string[] = [];
  for (const { step, number } of [...done].reverse()) {
    if (!step.undo) continue;
    try {
      undone.push(`${number}. ${step.name} (${step.undo()})`);
    } catch (error) {
      failed.push(`${number}. ${step.name}: ${message(error)}`);
    }
  }
  const lines = undone.length > 0 ? [`Undone, in reverse: ${undone.join(", ")}.`] : [];
  if (failed.length > 0) {
    return [
      ...lines,
      `Could not undo ${failed.join("; ")}`,
      "Check `git status` and `git branch -a`, and clean up by hand before running again.",
    ];
  }
  return [...lines, "Nothing is changed: run the same command again once the cause is fixed."];
}

/** Runs the steps in order; returns the exit code. */
export function runSteps(steps: Step[], io: CliIo): number {
  const done: Array<{ step: Step; number: number }> = [];
  for (const [index, step] of steps.entries()) {
    const number = index + 1;
    let refusal: string | undefined;
    try {
      refusal = step.check?.();
      if (refusal === undefined) step.run();
    } catch (error) {
      io.err(
        [
          `Failed at step ${number} of ${steps.length} (${step.name}): ${message(error)}`,
          ...undoAll(done),
        ].join("\n"),
      );
      return EXIT_REFUSED;
    }
    if (refusal !== undefined) {
      const undone = done.some((d) => d.step.undo !== undefined) ? undoAll(done) : [];
      io.err([`Refused: ${refusal}`, ...undone].join("\n"));
      return EXIT_REFUSED;
    }
    done.push({ step, number });
  }
  return EXIT_OK;
}

/** The steps as a numbered list: name, what it does and its undo. */
export function describeSteps(steps: Step[]): string[] {
  const width = Math.max(...steps.map((s) => s.name.length));
  return steps.map(
    (step, index) =>
      `  ${index + 1}. ${step.name.padEnd(width)}  ${step.does}${step.undoes ? `; undo: ${step.undoes}` : ""}`,
  );
}

/** Runs the read-only checks: "step N (name): why" for each step a run would stop at now. */
export function checkSteps(steps: Step[]): string[] {
  return steps.flatMap((step, index) => {
    const refusal = step.check?.();
    return refusal === undefined ? [] : [`step ${index + 1} (${step.name}): ${refusal}`];
  });
}
