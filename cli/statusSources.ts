/**
 * What `status` and `dashboard` read, read once the same way: every stack file (the broken ones
 * with their problems), the chain order (as far as broken files allow), and what each stack last
 * deployed (its `apps` and `promotionRecords` outputs, through pulumi or scripts/stack.sh).
 */
import {
  pulumiRecordReader,
  RecordsUnavailable,
  type DeployedState,
  type RecordReader,
} from "./deployed";
import type { CliIo } from "./io";
import { loadFromBranches } from "./branches";
import { Git } from "./git";
import { orderedEnvironments, type LoadedProject } from "./load";
import { bestEffortOrder, chainLinks } from "./plan/chain";

export interface StatusSources {
  loaded: LoadedProject;
  /** The environments in chain order; with broken stack files, as far as the others tell. */
  order: string[];
  /** Each readable environment's deployed state; empty when it could not be read. */
  deployed: Map<string, DeployedState>;
  /** Why deployed state could not be read ("deployed state unavailable (reading dev): ..."). */
  unavailable?: string;
}

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

/**
 * Reads the stack files and deployed state. When one stack's deployed state cannot be read, none
 * is shown (a partial picture would look like stacks that were never deployed): `unavailable`
 * says why.
 */
export function readStatusSources(io: CliIo): StatusSources {
  // Each stack file as the branch that feeds its environment has it (cli/branches.ts).
  const loaded = loadFromBranches(io.cwd, new Git(io.run, io.cwd));
  const order = statusOrder(loaded);
  const read = io.readRecords ?? pulumiRecordReader(io.run, io.cwd, io.onPath("pulumi"));
  const readable = loaded.states.map((s) => s.config.environment);
  const { deployed, unavailable } = readDeployed(
    read,
    order.filter((env) => readable.includes(env)),
  );
  if (unavailable) deployed.clear();
  return { loaded, order, deployed, ...(unavailable ? { unavailable } : {}) };
}
