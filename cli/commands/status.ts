/**
 * `status`: what each environment's stack file pins, what its last `up` deployed, what its
 * upstream runs, the last promotion record. A broken stack file gets an error row, and exit 1.
 */
import type { Values } from "../args";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import type { CliIo } from "../io";
import { deployedMismatch, upCommand } from "../plan/deployed";
import { formatStatusTable, statusRows } from "../status";
import { readStatusSources } from "../statusSources";
import { HELP_OPTION, type Command } from "./command";

function run(values: Values, io: CliIo): number {
  const { loaded, order, deployed, unavailable } = readStatusSources(io);
  const { states, broken } = loaded;
  if (unavailable) io.err(`${unavailable}\nThe DEPLOYED and LAST RECORD columns show "-".`);
  const rows = statusRows(order, states, broken, deployed);
  if (values.json) {
    io.out(
      JSON.stringify({ chain: order, recordsUnavailable: unavailable ?? null, rows }, null, 2),
    );
  } else {
    io.out(formatStatusTable(rows));
  }
  for (const env of order) {
    const state = states.find((s) => s.config.environment === env);
    const ran = deployed.get(env);
    const mismatch = state && ran ? deployedMismatch(state, ran) : undefined;
    if (mismatch) io.err(`${mismatch}: run '${upCommand(env)}'`);
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
  summary: "what each environment pins and deployed, its upstream's tag, the last promotion record",
  usage: `Usage: npm run promote -- status [--json]

Shows, in chain order, each environment's apps: the tag its stack file pins, whether its last
\`up\` deployed that tag (DEPLOYED: yes, or no and what it deployed), the tag its upstream pins,
whether it is behind (the upstream runs another tag), a rollback/hotfix exception in force, and
the last promotion record. Deployed state comes from the stack outputs apps and promotionRecords
(\`pulumi stack output --json --stack <env>\`, or scripts/stack.sh with the embedded default);
"-" when it cannot be read. A stack file that cannot be read gets an ERROR row naming the file
and line; the others are still shown, and the exit code is 1.

Options:
  --json       print the rows as JSON
  -h, --help   show this help`,
  options: { json: { type: "boolean" }, help: HELP_OPTION },
  run,
};
