/** `affected`: the stacks the diff <base>...HEAD affects, in chain order. */
import { required, type Values } from "../args";
import { EXIT_OK } from "../errors";
import type { CiIo } from "../io";
import { affectedJson, planRun } from "../plan";
import { BASE_WHAT, HELP_OPTION, type Command } from "./command";

function run(values: Values, io: CiIo): number {
  const plan = planRun(io, required(values, "base", BASE_WHAT));
  if (values.json) {
    io.out(affectedJson(plan));
    return EXIT_OK;
  }
  const { stacks, reason } = plan.affected;
  io.out(
    [
      `Affected stacks, in chain order: ${stacks.length > 0 ? stacks.join(" ") : "none"}`,
      `Why: ${reason.summary}`,
      `Chain: ${plan.chain.join(" -> ")}`,
    ].join("\n"),
  );
  return EXIT_OK;
}

export const affectedCommand: Command = {
  name: "affected",
  summary: "the stacks a change affects, in chain order",
  usage: `Usage: npm run ci -- affected --base <git-ref> [--json]

Lists the stacks the changes of <base>...HEAD affect, in chain order (first environment first):
  Pulumi.<env>.yaml changed                     -> that stack
  program code (index.ts, model/, config/, rules/, manifests/, adapters/, preflight/,
  components/), Pulumi.yaml, package.json, package-lock.json, tsconfig.json,
  scripts/stack.sh, scripts/toolchain.sh, toolchain/, policy/ -> every stack
  anything else (docs, tests, cli/, ci/, .github/)      -> none

Options:
  --base <ref>  ${BASE_WHAT}
  --json        one line of JSON for a workflow matrix:
                {"stacks":[...],"all":true|false,"reason":{"summary":...,...}}
                (run as \`npm run --silent ci -- affected ...\` so npm prints nothing else)
  -h, --help    show this help`,
  options: { base: { type: "string" }, json: { type: "boolean" }, help: HELP_OPTION },
  run: (values, io) => Promise.resolve(run(values, io)),
};
