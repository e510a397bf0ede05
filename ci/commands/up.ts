/**
 * `up`: `scripts/stack.sh up <stack>` for each affected stack in chain order, stopping at the first
 * failure, then a job summary of what each stack deployed (its `apps` and `promotionRecords`
 * outputs) or why it failed.
 */
import { engineFailure, upSummary, type UpResult } from "../../rules/ci/summary";
import { optional, required, type Values } from "../args";
import { EXIT_FAILED, EXIT_OK } from "../errors";
import type { CiIo } from "../io";
import { summaryFile, writeResult } from "../output";
import { planContext, planRun, type Plan } from "../plan";
import { BASE_WHAT, HELP_OPTION, type Command } from "./command";

function dryRun(plan: Plan, values: Values, io: CiIo): number {
  const { stacks, reason } = plan.affected;
  const summary = summaryFile(io, optional(values, "summary-file"));
  io.out(
    [
      "Dry run: the engine does not run. `npm run ci -- up` would:",
      `  compare ${plan.range.base} (merge base ${plan.range.mergeBase.slice(0, 12)}) with HEAD ${plan.range.head.slice(0, 12)}: ${reason.summary}`,
      ...(stacks.length > 0
        ? stacks.flatMap((stack, i) => [
            `  ${i + 1}. up ${stack}: ${io.engine.describe("up", stack)}`,
            `     then read what it deployed: ${io.engine.describe("output", stack)}`,
          ])
        : ["  deploy no stack"]),
      "  stop at the first stack that fails: the stacks after it do not run",
      `  write the job summary to ${summary ?? "standard output (no --summary-file, no GITHUB_STEP_SUMMARY)"}`,
      "  exit 1 if an up fails, else 0",
    ].join("\n"),
  );
  return EXIT_OK;
}

async function deploy(io: CiIo, stack: string): Promise<UpResult> {
  const up = await io.engine.run("up", stack);
  if (up.exitCode !== 0) {
    return { stack, outcome: "failed", failure: engineFailure(up.stdout, up.stderr, up.exitCode) };
  }
  const output = await io.engine.run("output", stack);
  if (output.exitCode !== 0) {
    return {
      stack,
      outcome: "deployed",
      outputsUnreadable: engineFailure(output.stdout, output.stderr, output.exitCode),
    };
  }
  try {
    return { stack, outcome: "deployed", outputs: JSON.parse(output.stdout) as unknown };
  } catch {
    return {
      stack,
      outcome: "deployed",
      outputsUnreadable: `${io.engine.describe("output", stack)} did not print JSON`,
    };
  }
}

async function run(values: Values, io: CiIo): Promise<number> {
  const plan = planRun(io, required(values, "base", BASE_WHAT));
  if (values["dry-run"]) return dryRun(plan, values, io);
  const stacks = plan.affected.stacks;
  io.err(`ci up: ${plan.affected.reason.summary}`);
  const results: UpResult[] = [];
  for (const [i, stack] of stacks.entries()) {
    if (results.some((r) => r.outcome === "failed")) {
      results.push({ stack, outcome: "not-run" });
      continue;
    }
    io.err(`ci up: ${stack} (${i + 1} of ${stacks.length}): ${io.engine.describe("up", stack)}`);
    const result = await deploy(io, stack);
    io.err(`ci up: ${stack}: ${result.outcome}`);
    results.push(result);
  }
  const summary = upSummary(results, planContext(plan));
  const file = summaryFile(io, optional(values, "summary-file"));
  if (file) writeResult(io, file, summary, true);
  else io.out(summary);
  const failed = results.find((r) => r.outcome === "failed");
  if (failed) {
    io.err(`ci up: ${failed.stack} failed:\n${failed.failure ?? ""}`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

export const upCommand: Command = {
  name: "up",
  summary: "deploy each affected stack in chain order, stopping at the first failure",
  usage: `Usage: npm run ci -- up --base <git-ref> [--summary-file F] [--dry-run]

Runs \`scripts/stack.sh up <stack>\` for each stack the changes of <base>...HEAD affect, in chain
order (see \`npm run ci -- affected --help\`), stopping at the first that fails: the stacks after
it do not run. Then writes a markdown job summary: per stack the apps it deployed (the tag, and
the short digest when one is pinned, as the preview comment names them; Application, namespace) and the newest promotion record of each (its \`apps\` and
\`promotionRecords\` outputs, read with \`scripts/stack.sh output <stack>\`), or the failure.

Options:
  --base <ref>          ${BASE_WHAT}
  --summary-file F      append the summary to F (default: $GITHUB_STEP_SUMMARY when set,
                        else standard output)
  --dry-run             print which stacks, in which order, with which commands; run nothing
  -h, --help            show this help`,
  options: {
    base: { type: "string" },
    "summary-file": { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
