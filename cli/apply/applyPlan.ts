/**
 * Carrying out a plan: run its steps (changeSteps.ts), or with --dry-run describe them, with the
 * diff, branch, commit message and pull request, and change nothing.
 */
import { unifiedDiff } from "../diff";
import { EXIT_OK } from "../exitCodes";
import type { ChangePlan } from "../plan/change";
import { changeRun, type ApplyContext, type ChangeRun } from "./changeRun";
import { changeSteps } from "./changeSteps";
import { checkSteps, describeSteps, runSteps, type Step } from "./step";

export type { ApplyContext };

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line ? `    ${line}` : line))
    .join("\n");
}

function describeRun(run: ChangeRun, steps: Step[]): number {
  const { io, plan, pr } = run;
  io.out(
    [
      "Dry run: nothing is changed. A real run takes these steps:",
      "",
      ...describeSteps(steps),
      "",
      "If a step fails, the steps before it are undone in reverse order.",
      "",
      unifiedDiff(plan.file, run.before, run.after),
      "",
      `Branch: ${plan.branch}`,
      "Commit message:",
      indent(`${plan.commitSubject}\n\n${plan.commitBody}`),
      "",
      `Pull request: ${pr.title}`,
      indent(pr.body),
    ].join("\n"),
  );
  // Outside a repository (a dry run may be) there is nothing to check yet.
  const stops = run.inRepository ? checkSteps(steps) : [];
  for (const stop of stops) io.err(`warning: a real run would be refused at ${stop}`);
  return EXIT_OK;
}

/** Runs (or describes) the change; returns the exit code. */
export function applyPlan(plan: ChangePlan, ctx: ApplyContext): number {
  const run = changeRun(plan, ctx);
  const steps = changeSteps(run);
  for (const note of plan.notes) ctx.io.err(`note: ${note}`);
  return ctx.dryRun ? describeRun(run, steps) : runSteps(steps, ctx.io);
}
