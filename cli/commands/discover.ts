/**
 * `discover`: finds the newest build of each app of the first environment in the registry, by the
 * app's strategy, and takes it into the first environment's stack file with a commit and a PR as
 * promote does (kind build). `--watch` repeats it.
 */
import { RegistryError } from "../../adapters/registry";
import { formatDuration, parseDuration } from "../../rules/gate";
import {
  candidateTags,
  compareSemverTags,
  newestByCreation,
  newestSemver,
  strategyFor,
  type CreatedTag,
} from "../../rules/registry";
import { optional, required, type Values } from "../args";
import { Refused, UsageError } from "../errors";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import type { CliIo } from "../io";
import { loadStates } from "../load";
import { findEnvironment } from "../plan/chain";
import type { Planned } from "../plan/change";
import { planBuild, type FoundBuild } from "../plan/registry";
import type { StackState } from "../plan/state";
import { registryRefusal, signatureRefusal, type Registry } from "../registry";
import { carryOut, gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

/** How many tags' creation times one app's discovery reads at most (each is two GETs). */
const CREATED_LIMIT = 200;

type Found = { build?: FoundBuild; note?: string } | { refused: string };

/** The newest build of one app in the registry, or why there is none to take. */
async function newestBuild(registry: Registry, state: StackState, name: string): Promise<Found> {
  const app = state.config.apps.find((a) => a.name === name)!;
  const strategy = strategyFor(app.tag);
  let tags: string[];
  try {
    tags = await registry.listTags(app.image);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    return { refused: registryRefusal(`the tags of ${name} (${app.image})`, error) };
  }
  const candidates = candidateTags(tags, strategy);
  if (candidates.length === 0) {
    return {
      note: `${name}: the registry has no tag of ${app.image} that the tag policy accepts and ${strategy === "semver" ? "semver orders" : "creation time orders"}`,
    };
  }
  let tag: string;
  let created: string | undefined;
  try {
    if (strategy === "semver") {
      const prerelease = app.tag.includes("-");
      const newest = newestSemver(candidates, prerelease);
      if (!newest || compareSemverTags(newest, app.tag) <= 0) {
        return { note: `${name}: ${app.tag} is the newest release in the registry` };
      }
      tag = newest;
    } else {
      if (candidates.length > CREATED_LIMIT) {
        return {
          note: `${name}: ${app.image} has ${candidates.length} candidate tags, more than the ${CREATED_LIMIT} whose creation times discover reads; prune the registry or use semver tags`,
        };
      }
      const dated: CreatedTag[] = [];
      for (const candidate of candidates) {
        dated.push({ tag: candidate, created: await registry.created(app.image, candidate) });
      }
      const newest = newestByCreation(dated);
      if ("why" in newest) return { note: `${name}: ${newest.why}` };
      if (newest.tag === app.tag) {
        return { note: `${name}: ${app.tag} is the newest build in the registry` };
      }
      tag = newest.tag;
      created = dated.find((d) => d.tag === tag)?.created;
    }
    const resolved = await registry.resolve(app.image, tag);
    const unsigned = await signatureRefusal(
      registry,
      state.config,
      `${name} ${tag}`,
      app.image,
      resolved.digest,
    );
    if (unsigned) return { refused: unsigned };
    return {
      build: {
        app: name,
        tag,
        digest: resolved.digest,
        image: app.image,
        strategy,
        ...(created ? { created } : {}),
      },
    };
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    return { refused: registryRefusal(`the builds of ${name} (${app.image})`, error) };
  }
}

/** One round: plan what the registry has for the first environment. */
async function discoverOnce(registry: Registry, io: CliIo, env: string, app?: string) {
  const states = loadStates(io.cwd);
  const found = findEnvironment(states, env, app);
  if ("refused" in found) return { states, planned: found as Planned };
  const { state } = found;
  if (state.config.upstream) {
    return {
      states,
      planned: {
        refused: `discover takes new builds into the first environment, and ${env} takes its tags from ${state.config.upstream}: promote into it instead (npm run promote -- promote --from ${state.config.upstream} --to ${env})`,
      } as Planned,
    };
  }
  const builds: FoundBuild[] = [];
  const notes: string[] = [];
  for (const name of found.apps) {
    const result = await newestBuild(registry, state, name);
    if ("refused" in result) return { states, planned: result as Planned };
    if (result.build) builds.push(result.build);
    if (result.note) notes.push(result.note);
  }
  const planned = planBuild(state, builds, notes);
  if ("nothingToDo" in planned) for (const note of notes) io.err(`note: ${note}`);
  return { states, planned };
}

async function run(values: Values, io: CliIo, commandLine: string): Promise<number> {
  const env = required(values, "env");
  const app = optional(values, "app");
  const dryRun = values["dry-run"] === true;
  const watch = optional(values, "watch");
  const roundsText = optional(values, "rounds");
  const seconds = watch === undefined ? undefined : parseDuration(watch);
  if (watch !== undefined && (seconds === undefined || seconds === 0)) {
    throw new UsageError(`--watch ${watch}: accepted: an interval such as 30s, 5m or 1h`);
  }
  const rounds = roundsText === undefined ? undefined : Number(roundsText);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
    throw new UsageError(`--rounds ${roundsText}: accepted: a whole number from 1`);
  }
  if (rounds !== undefined && watch === undefined) {
    throw new UsageError("--rounds goes with --watch");
  }
  const registry = io.registry;
  if (!registry) throw new Refused("discover asks the registry, and none is available here");
  const git = gitFor(io, !dryRun);

  if (seconds === undefined) {
    const { states, planned } = await discoverOnce(registry, io, env, app);
    return carryOut(planned, states, io, git, dryRun, commandLine);
  }
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const proposed = new Set<string>();
  let code = EXIT_OK;
  for (let round = 1; rounds === undefined || round <= rounds; round++) {
    io.err(`discover: round ${round} (${new Date().toISOString()})`);
    const { states, planned } = await discoverOnce(registry, io, env, app);
    if (
      "plan" in planned &&
      (proposed.has(planned.plan.branch) || git.branchExists(planned.plan.branch))
    ) {
      // The same build as a round before: its pull request waits for review.
      io.out(`Already proposed on ${planned.plan.branch}; waiting for it to be merged.`);
      code = EXIT_OK;
    } else {
      code = carryOut(planned, states, io, git, dryRun, commandLine);
      if ("plan" in planned && code === EXIT_OK) proposed.add(planned.plan.branch);
    }
    // A round that fails (the registry is down) does not end the watch: the next one tries again.
    if (rounds !== undefined && round === rounds) break;
    io.err(`discover: next round in ${formatDuration(seconds)}`);
    await sleep(seconds * 1000);
  }
  return code === EXIT_OK ? EXIT_OK : EXIT_REFUSED;
}

export const discoverCommand: Command = {
  name: "discover",
  summary: "take the newest build of each app from the registry into the first environment",
  usage: `Usage: npm run promote -- discover --env <first env> [--app NAME] [--dry-run] [--watch INTERVAL [--rounds N]]

Lists the registry's tags of each app's image that the image tag policy accepts, and picks the
newest by the app's strategy, which follows the tag it runs now: semver order for vX.Y.Z tags
(prereleases only if it runs one), else the image config's creation time (sha-<hex>,
v<date>-<hex>; a multi-arch index counts its newest image). When that is newer than what the
first environment runs, pins it there with its digest, on a new branch build-<env>-<tag>, with a
commit and a pull request like promote's; the commit records kind build, from the registry.

Options:
  --env ENV          the first environment (the one with promotion:upstream "")
  --app NAME         this app only
  --dry-run          print the steps, diff, branch, commit message and PR; change nothing
  --watch INTERVAL   repeat every INTERVAL (30s, 5m, 1h) until stopped; a build already proposed
                     is not proposed again, and a round that fails does not end the watch
  --rounds N         with --watch: stop after N rounds
  -h, --help         show this help

Refused (exit 1): an environment with an upstream, a registry that does not answer (nothing is
changed), uncommitted changes. Exit 0 with "Nothing to do" when it runs the newest builds.`,
  options: {
    env: { type: "string" },
    app: { type: "string" },
    "dry-run": { type: "boolean" },
    watch: { type: "string" },
    rounds: { type: "string" },
    help: HELP_OPTION,
  },
  run,
};
