/**
 * `preview`: `pulumi preview --json` of every affected stack in chain order (scripts/stack.sh),
 * then one pull request comment, the job summary and one check per stack.
 */
import { previewCheckRun } from "../../rules/ci/checkRun";
import { checksJsonLines } from "../../rules/ci/checks";
import { mark, previewComment, resultText } from "../../rules/ci/comment";
import { analyzePreview, type StackPreview } from "../../rules/ci/preview";
import { optional, required, type Values } from "../args";
import { EXIT_FAILED, EXIT_OK } from "../errors";
import type { CiIo } from "../io";
import { summaryFile, writeResult } from "../output";
import { planContext, planRun, type Plan } from "../plan";
import { BASE_WHAT, HELP_OPTION, type Command } from "./command";

const failedPreview = (p: StackPreview): boolean =>
  p.outcome === "refused" || p.outcome === "failed";

function dryRun(plan: Plan, values: Values, io: CiIo): number {
  const { stacks, reason } = plan.affected;
  const summary = summaryFile(io, optional(values, "summary-file"));
  io.out(
    [
      "Dry run: the engine does not run. `npm run ci -- preview` would:",
      `  compare ${plan.range.base} (merge base ${plan.range.mergeBase.slice(0, 12)}) with HEAD ${plan.range.head.slice(0, 12)}: ${reason.summary}`,
      ...(stacks.length > 0
        ? stacks.map(
            (stack, i) => `  ${i + 1}. preview ${stack}: ${io.engine.describe("preview", stack)}`,
          )
        : ["  preview no stack"]),
      `  write the comment to ${optional(values, "comment-file") ?? "standard output"}`,
      `  ${summary ? `append it to the job summary ${summary}` : "write no job summary (no --summary-file, no GITHUB_STEP_SUMMARY)"}`,
      `  write one check per stack to ${optional(values, "checks-file") ?? "standard output"} (JSON lines)`,
      "  exit 1 if any preview fails (refused, or the engine failed), else 0",
    ].join("\n"),
  );
  return EXIT_OK;
}

async function run(values: Values, io: CiIo): Promise<number> {
  const plan = planRun(io, required(values, "base", BASE_WHAT));
  if (values["dry-run"]) return dryRun(plan, values, io);
  const stacks = plan.affected.stacks;
  io.err(`ci preview: ${plan.affected.reason.summary}`);
  const previews: StackPreview[] = [];
  for (const [i, stack] of stacks.entries()) {
    io.err(
      `ci preview: ${stack} (${i + 1} of ${stacks.length}): ${io.engine.describe("preview", stack)}`,
    );
    const result = await io.engine.run("preview", stack);
    const preview = analyzePreview(stack, result);
    io.err(`ci preview: ${stack}: ${mark(preview)} ${resultText(preview)}`);
    // The job log says why a stack failed too, not only the comment.
    const why = preview.refusal?.text ?? preview.errors.join("\n");
    if (failedPreview(preview) && why) io.err(why.replace(/^/gm, "  "));
    previews.push(preview);
  }
  const comment = previewComment(previews, planContext(plan));
  const commentFile = optional(values, "comment-file");
  if (commentFile) writeResult(io, commentFile, comment);
  else io.out(comment);
  const summary = summaryFile(io, optional(values, "summary-file"));
  if (summary) writeResult(io, summary, comment, true);
  const checks = checksJsonLines(previews.map(previewCheckRun));
  const checksFile = optional(values, "checks-file");
  if (checksFile) writeResult(io, checksFile, checks);
  else if (checks !== "") io.out(checks.trimEnd());
  const failed = previews.filter(failedPreview);
  if (failed.length > 0) {
    io.err(`ci preview: failed: ${failed.map((p) => `${p.stack} (${resultText(p)})`).join(", ")}`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

export const previewCommand: Command = {
  name: "preview",
  summary: "preview each affected stack; one PR comment, one check per stack",
  usage: `Usage: npm run ci -- preview --base <git-ref> [--comment-file F] [--summary-file F] [--checks-file F] [--dry-run]

Runs \`scripts/stack.sh preview <stack> --json\` for each stack the changes of <base>...HEAD
affect, in chain order (see \`npm run ci -- affected --help\`), and writes ONE markdown comment
(its first line is the marker <!-- promotion-as-code:preview -->): per stack the Argo CD
Applications that change and how, the promotion gate's verdict, everything else that changes,
policy results and warnings. Exits 1 when any stack's preview fails (after writing everything).

Options:
  --base <ref>          ${BASE_WHAT}
  --comment-file F      write the comment to F (default: standard output)
  --summary-file F      append the comment to F (default: $GITHUB_STEP_SUMMARY when set)
  --checks-file F       write one check per stack to F as JSON lines:
                        {"stack","name","conclusion":"success"|"failure","title","summary"}
                        (default: standard output, after the comment)
  --dry-run             print which stacks, in which order, with which commands; run nothing
  -h, --help            show this help

The engine runs as scripts/stack.sh runs it: the embedded default (a file backend in
.pulumi-state/, no cloud account) unless PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE(_FILE) and
PULUMI_HOME are set. Relative file names are relative to the project directory.`,
  options: {
    base: { type: "string" },
    "comment-file": { type: "string" },
    "summary-file": { type: "string" },
    "checks-file": { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
