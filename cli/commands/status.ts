/**
 * `status`: what each environment's stack file pins, what its last `up` deployed, what its
 * upstream runs, the last promotion record. A broken stack file gets an error row, and exit 1.
 */
import type { Values } from "../args";
import {
  pulumiRecordReader,
  RecordsUnavailable,
  type DeployedState,
  type RecordReader,
} from "../deployed";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import type { CliIo } from "../io";
import { orderedEnvironments, type LoadedProject } from "../load";
import { loadFromBranches } from "../branches";
import { Git } from "../git";
import { bestEffortOrder, chainLinks } from "../plan/chain";
import { deployedMismatch, upCommand } from "../plan/deployed";
import { formatStatusTable, statusRows } from "../status";
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

/**
 * Each environment's deployed state, in order, until one cannot be read: then the reason (the
 * same reason would repeat for every stack, and each failed read may wait on a backend).
 */
function readDeployed(
  read: RecordReader,
  envs: string[],
): { deployed: Map<string, DeployedState>; unavailable?: string } {
  const deployed = new Map<string, DeployedState>();
  for (const env of envs) {
    try {
      deployed.set(env, read(env));
    } catch (error) {
      if (!(error instanceof RecordsUnavailable)) throw error;
      return {
        deployed,
        unavailable: `deployed state unavailable (reading ${env}): ${error.reason}`,
      };
    }
  }
  return { deployed };
}

function run(values: Values, io: CliIo): number {
  // Each stack file as the branch that feeds its environment has it (cli/branches.ts).
  const loaded = loadFromBranches(io.cwd, new Git(io.run, io.cwd));
  const { states, broken } = loaded;
  const order = statusOrder(loaded);
  const read = io.readRecords ?? pulumiRecordReader(io.run, io.cwd, io.onPath("pulumi"));
  const readable = states.map((s) => s.config.environment);
  const { deployed, unavailable } = readDeployed(
    read,
    order.filter((env) => readable.includes(env)),
  );
  if (unavailable) {
    io.err(`${unavailable}\nThe DEPLOYED and LAST RECORD columns show "-".`);
    deployed.clear();
  }
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
