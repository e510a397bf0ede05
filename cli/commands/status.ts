/** `status`: what each environment runs, what its upstream runs, the last promotion record. */
import type { Values } from "../args";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import type { CliIo } from "../io";
import { loadProject, orderedEnvironments, type LoadedProject } from "../load";
import { bestEffortOrder, chainLinks } from "../plan/chain";
import {
  formatStatusTable,
  pulumiRecordReader,
  RecordsUnavailable,
  statusRows,
  type PromotionRecords,
} from "../status";
import { HELP_OPTION, type Command } from "./command";

/** Chain order; with broken stack files, as far as the readable ones (and upstreams) tell. */
function statusOrder(loaded: LoadedProject): string[] {
  if (loaded.broken.length === 0) return orderedEnvironments(loaded.states);
  const links = [
    ...chainLinks(loaded.states),
    ...loaded.broken.map((b) => ({ environment: b.environment, upstream: b.upstream })),
  ];
  const unknown = loaded.broken.filter((b) => b.upstream === undefined).map((b) => b.environment);
  return bestEffortOrder(links, new Set(unknown));
}

function run(values: Values, io: CliIo): number {
  const loaded = loadProject(io.cwd);
  const { states, broken } = loaded;
  const order = statusOrder(loaded);
  const read = io.readRecords ?? pulumiRecordReader(io.run, io.cwd, io.onPath("pulumi"));
  const records = new Map<string, PromotionRecords>();
  let unavailable: string | undefined;
  for (const env of order.filter((e) => !broken.some((b) => b.environment === e))) {
    try {
      records.set(env, read(env));
    } catch (error) {
      if (!(error instanceof RecordsUnavailable)) throw error;
      unavailable = `promotion records unavailable (reading ${env}): ${error.reason}`;
      break;
    }
  }
  if (unavailable) io.err(`${unavailable}\nThe LAST RECORD column shows "-".`);
  const rows = statusRows(order, states, broken, records);
  if (values.json) {
    io.out(
      JSON.stringify({ chain: order, recordsUnavailable: unavailable ?? null, rows }, null, 2),
    );
  } else {
    io.out(formatStatusTable(rows));
  }
  if (broken.length === 0) return EXIT_OK;
  // Said last and with a failing exit code, so neither a reader nor a script can miss it.
  const files = broken.map((b) => b.file).join(", ");
  const count = broken.length === 1 ? "1 stack file cannot" : `${broken.length} stack files cannot`;
  io.err(`${count} be read (${files}); fix it and run again.`);
  return EXIT_REFUSED;
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
