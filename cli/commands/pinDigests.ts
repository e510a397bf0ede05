/** `pin-digests`: the one-command migration of a stack file to registry-verified digests. */
import { RegistryError } from "../../adapters/registry";
import { optional, required, type Values } from "../args";
import { Refused } from "../errors";
import type { CliIo } from "../io";
import { loadStates } from "../load";
import { findEnvironment } from "../plan/chain";
import { planPinDigests, type PinnedDigest } from "../plan/registry";
import { registryRefusal } from "../registry";
import { carryOut, gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

async function run(values: Values, io: CliIo, commandLine: string): Promise<number> {
  const env = required(values, "env");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, !dryRun);
  const states = loadStates(io.cwd);
  const found = findEnvironment(states, env, optional(values, "app"));
  if ("refused" in found) return carryOut(found, states, io, git, dryRun, commandLine);
  const registry = io.registry;
  if (!registry) throw new Refused("pin-digests asks the registry, and none is available here");
  const resolved: PinnedDigest[] = [];
  for (const name of found.apps) {
    const app = found.state.config.apps.find((a) => a.name === name)!;
    if (app.tagKind === "digest") {
      io.err(`note: ${name}: ${found.state.file} pins it by digest (${app.tag}) already`);
      continue;
    }
    try {
      const answer = await registry.resolve(app.image, app.tag);
      resolved.push({ app: name, tag: app.tag, digest: answer.digest });
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      const refused = registryRefusal(`${name} ${app.tag} (${app.image})`, error);
      return carryOut({ refused }, states, io, git, dryRun, commandLine);
    }
  }
  return carryOut(planPinDigests(found.state, resolved), states, io, git, dryRun, commandLine);
}

export const pinDigestsCommand: Command = {
  name: "pin-digests",
  summary: "open a PR pinning the registry's digest next to each tag an environment runs",
  usage: `Usage: npm run promote -- pin-digests --env <env> [--app NAME] [--dry-run]

Asks the registry for the manifest digest of each tag Pulumi.<env>.yaml pins (for a multi-arch
image, its index) and writes it on the line below the tag (digest: sha256:...), on a new branch
pin-digests-<env>-<tag>, with a commit and a pull request like promote's. From then on the
Application deploys by digest and the promotion gate compares digests. The migration of a stack
file written before digests: run it once per environment, in chain order (dev first).

An app whose file already pins a digest is left alone when it is the registry's, and refused when
the registry now serves another one for the tag (it was re-pushed since): pin-digests never moves
a pinned digest.

Options:
  --env ENV     the environment whose stack file gets the digests
  --app NAME    this app only
  --dry-run     print the steps, diff, branch, commit message and PR; change nothing
  -h, --help    show this help

Refused (exit 1): a tag the registry does not have, a registry that does not answer (nothing is
changed), a re-pushed tag, uncommitted changes.`,
  options: {
    env: { type: "string" },
    app: { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
