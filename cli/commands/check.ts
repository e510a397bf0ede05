/**
 * `check`: the promotion rules of <to> against the evidence of promoting <from>'s tags into it,
 * as a table per app (seed 002's validate-promotion-requirements.sh). Changes nothing.
 */
import { optional, required, type Values } from "../args";
import { Refused } from "../errors";
import { checkRules, rulesCheckText } from "../evidence";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import type { CliIo } from "../io";
import { loadStates } from "../load";
import { HELP_OPTION, type Command } from "./command";

async function run(values: Values, io: CliIo): Promise<number> {
  const from = required(values, "from");
  const to = required(values, "to");
  const only = optional(values, "app");
  const states = loadStates(io.cwd);
  const names = states.map((s) => s.config.environment);
  const source = states.find((s) => s.config.environment === from);
  const target = states.find((s) => s.config.environment === to);
  if (!source) throw new Refused(`unknown environment "${from}"; accepted: ${names.join(", ")}`);
  if (!target) throw new Refused(`unknown environment "${to}"; accepted: ${names.join(", ")}`);
  if (target.config.upstream !== from) {
    throw new Refused(
      `${to} takes tags from ${target.config.upstream ?? "CI (it is the first environment)"}, not from ${from}`,
    );
  }
  const common = target.config.apps
    .map((a) => a.name)
    .filter((name) => source.config.apps.some((a) => a.name === name));
  if (only !== undefined && !common.includes(only)) {
    throw new Refused(
      `--app ${only}: ${from} and ${to} have no app of that name; accepted: ${common.join(", ")}`,
    );
  }
  const check = await checkRules(io, source, target, only ? [only] : common);
  if (!check) {
    io.out(
      `${to} has no promotion:rules: nothing to check beyond the lineage gate (docs/rules.md).`,
    );
    return EXIT_OK;
  }
  io.out(values.json === true ? JSON.stringify(check, null, 2) : rulesCheckText(check));
  return check.passed ? EXIT_OK : EXIT_REFUSED;
}

export const checkCommand: Command = {
  name: "check",
  summary: "check <to>'s promotion rules against the evidence for <from>'s tags; change nothing",
  usage: `Usage: npm run promote -- check --from <env> --to <env> [--app NAME] [--json]

Checks the promotion rules of <to> (promotion:rules in Pulumi.<to>.yaml) for the tags <from> runs:
CI checks of each image's commit (GitHub), coverage and security scan reports (where CI publishes
them: promotion:evidence.reports), and <from>'s SLO, error budget, critical alerts and canary
(its Prometheus: promotion:evidence.prometheus). Prints one table per app: the rule, what was
measured, the threshold, the result and where the measurement came from. Evidence that cannot be
fetched fails its rule, with the reason. Changes nothing. docs/rules.md.

Options:
  --from ENV   the environment whose tags would be promoted: <to>'s upstream
  --to ENV     the environment whose rules apply
  --app NAME   only this app
  --json       the results as JSON
  -h, --help   show this help

Environment: GITHUB_TOKEN or GH_TOKEN (read access to checks), GITHUB_API_URL (GitHub Enterprise).
Exit 0 when every rule passes (or <to> has no rules), 1 when one fails, 2 on a usage error.`,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    app: { type: "string" },
    json: { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
