/** `status`: what each environment runs, what its upstream runs, the last promotion record. */
import type { Values } from "../args";
import { EXIT_OK } from "../exitCodes";
import type { CliIo } from "../io";
import { loadStates, orderedEnvironments } from "../load";
import {
  formatStatusTable,
  pulumiRecordReader,
  RecordsUnavailable,
  statusRows,
  type PromotionRecords,
} from "../status";
import { HELP_OPTION, type Command } from "./command";

function run(values: Values, io: CliIo): number {
  const states = loadStates(io.cwd);
  const order = orderedEnvironments(states);
  const read = io.readRecords ?? pulumiRecordReader(io.run, io.cwd, io.onPath("pulumi"));
  const records = new Map<string, PromotionRecords>();
  let unavailable: string | undefined;
  for (const env of order) {
    try {
      records.set(env, read(env));
    } catch (error) {
      if (!(error instanceof RecordsUnavailable)) throw error;
      unavailable = `promotion records unavailable (reading ${env}): ${error.reason}`;
      break;
    }
  }
  if (unavailable) io.err(`${unavailable}\nThe LAST RECORD column shows "-".`);
  const rows = statusRows(order, states, records);
  if (values.json) {
    io.out(
      JSON.stringify({ chain: order, recordsUnavailable: unavailable ?? null, rows }, null, 2),
    );
  } else {
    io.out(formatStatusTable(rows));
  }
  return EXIT_OK;
}

export const statusCommand: Command = {
  name: "status",
  summary: "what each environment runs, its upstream's tag, the last promotion record",
  usage: `Usage: npm run promote -- status [--json]

Shows, in chain order, each environment's apps: the tag its stack file pins, the tag its upstream
pins, whether it is behind (the upstream runs another tag), a rollback/hotfix exception in force,
and the last promotion record from the stack output promotionRecords (read with
\`pulumi stack output --json --stack <env>\`; "-" when pulumi or its backend is unavailable).

Options:
  --json       print the rows as JSON
  -h, --help   show this help`,
  options: { json: { type: "boolean" }, help: HELP_OPTION },
  run,
};
