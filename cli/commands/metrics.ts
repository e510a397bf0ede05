/**
 * `metrics`: promotion metrics from the records and the git history (cli/metrics.ts), in
 * Prometheus's text format (to scrape from a file or a textfile collector) or as JSON.
 */
import { optional, type Values } from "../args";
import { Refused, UsageError } from "../errors";
import { EXIT_OK } from "../exitCodes";
import { Git } from "../git";
import type { CliIo } from "../io";
import { prometheusText, promotionMetrics } from "../metrics";
import type { StackVersion } from "../plan/history";
import { readStatusSources } from "../statusSources";
import { HELP_OPTION, type Command } from "./command";

const FORMATS = ["prometheus", "json"];

async function run(values: Values, io: CliIo): Promise<number> {
  const format = optional(values, "format") ?? "prometheus";
  if (!FORMATS.includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)}; accepted: ${FORMATS.join(", ")}`);
  }
  const sources = readStatusSources(io);
  if (sources.unavailable) {
    throw new Refused(
      `the promotion records cannot be read, so there is nothing to count: ${sources.unavailable}`,
    );
  }
  const git = new Git(io.run, io.cwd);
  if (!git.isRepository())
    throw new Refused("not a git repository: attempts come from the stack files' git history");
  const histories = new Map<string, StackVersion[]>(
    sources.loaded.states.map((s) => [s.config.environment, git.stackHistory(s.file)]),
  );
  const metrics = promotionMetrics({
    order: sources.order,
    records: new Map([...sources.deployed].map(([env, state]) => [env, state.records])),
    histories,
  });
  io.out(format === "json" ? JSON.stringify(metrics, null, 2) : await prometheusText(metrics));
  return EXIT_OK;
}

export const metricsCommand: Command = {
  name: "metrics",
  summary: "promotion metrics from the records and the git history (Prometheus text or JSON)",
  usage: `Usage: npm run promote -- metrics [--format prometheus|json]

Counts, per environment, from its promotion records (stack outputs) and the git history of its
stack file: promotion attempts, successes, failures by reason (rolled back, never deployed),
promotions deployed over failed rules (by rule, overridden with a reason), rollbacks and hotfixes; the lead time from the first environment to this one; the mean time to
recovery (from a record to the rollback that replaced it). docs/rules.md#metrics.

Options:
  --format F  prometheus (default: the text exposition format) or json
  -h, --help  show this help`,
  options: { format: { type: "string" }, help: HELP_OPTION },
  run,
};
