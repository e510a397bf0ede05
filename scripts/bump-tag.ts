/**
 * The build side's step 1 (seed 000, .github/workflows/bump-dev.yml): after CI built an image,
 * write its tag into the FIRST environment's stack file (dev: the one with no upstream), the only
 * environment that takes tags from CI rather than from an upstream.
 *
 *   npm run bump -- --app NAME --tag TAG [--digest sha256:...]
 *
 * Asks the registry for the tag's manifest digest first (adapters/registry.ts; credentials from
 * the environment or the docker config) and refuses a tag it does not have, or a registry that
 * does not answer, changing nothing; with --digest (what the build pushed), the registry must
 * agree. Edits only the tag line and the digest line below it (comments and layout kept:
 * cli/stackText.ts), then checks that the file still validates. Prints `environment=<env>`, `file=<file>` and `changed=true|false` on stdout
 * (for $GITHUB_OUTPUT); messages on stderr. Exit 0 done or nothing to do, 1 refused, 2 usage.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { RegistryClient, RegistryError } from "../adapters/registry";
import { loadStackFile } from "../config/stackFiles";
import { StackConfigError } from "../config/validate";
import { Refused } from "../cli/errors";
import { loadStates, orderedEnvironments } from "../cli/load";
import { editStackText, refuseOversizedConfig, StackEditError } from "../cli/stackText";
import { checkImageTag } from "../rules/imageTag";
import { isDigest } from "../rules/registry";
import { formatRefusal } from "../rules/verdict";

export interface Bumped {
  environment: string;
  file: string;
  changed: boolean;
  message: string;
}

/**
 * Pins `tag` (and its registry `digest`, when given) for `app` in the first environment's stack
 * file; throws Refused. Without a digest, a digest line of the old tag is removed.
 */
export function bumpFirstEnvironment(
  projectDir: string,
  app: string,
  tag: string,
  digest?: string,
): Bumped {
  const checked = checkImageTag(tag);
  if ("refused" in checked) throw new Refused(`tag "${tag}": ${checked.refused}`);
  const states = loadStates(projectDir);
  const first = orderedEnvironments(states)[0];
  const state = states.find((s) => s.config.environment === first);
  if (!state) throw new Refused(`no stack file for ${first}`);
  const current = state.apps[app];
  if (!current) {
    const apps = Object.keys(state.apps).join(", ") || "(none)";
    throw new Refused(`${state.file} runs no app "${app}"; it runs: ${apps}`);
  }
  if (current.tag === tag && (digest === undefined || current.digest === digest)) {
    return {
      environment: first,
      file: state.file,
      changed: false,
      message: `Nothing to do: ${state.file} already pins ${app} ${tag}`,
    };
  }
  const file = path.join(projectDir, state.file);
  const before = fs.readFileSync(file, "utf8");
  let after: string;
  try {
    const newDigest = digest ?? (current.digest ? null : undefined);
    after = editStackText(before, state.file, [
      { app, tag, ...(newDigest !== undefined ? { digest: newDigest } : {}) },
    ]);
    refuseOversizedConfig(projectDir, state.file, after);
  } catch (error) {
    if (error instanceof StackEditError) throw new Refused(error.message);
    throw error;
  }
  fs.writeFileSync(file, after);
  try {
    loadStackFile(projectDir, first);
  } catch (error) {
    fs.writeFileSync(file, before);
    if (error instanceof StackConfigError) {
      throw new Refused(
        `${state.file} would not validate (written back):\n${error.refusals.map((r) => `  ${formatRefusal(r)}`).join("\n")}`,
      );
    }
    throw error;
  }
  return {
    environment: first,
    file: state.file,
    changed: true,
    message: `${state.file}: ${app} ${current.tag} -> ${tag}${digest ? `@${digest}` : ""}`,
  };
}

/** What the bump asks the registry. */
export type TagResolver = Pick<RegistryClient, "resolve">;

/**
 * The bump CI runs: asks the registry for the tag's digest (which must equal `expected`, the
 * digest the build pushed, when given), then pins both. A tag the registry does not have, or a
 * registry that does not answer, is refused before anything is edited.
 */
export async function bumpFromRegistry(
  projectDir: string,
  app: string,
  tag: string,
  registry: TagResolver,
  expected?: string,
): Promise<Bumped> {
  const checked = checkImageTag(tag);
  if ("refused" in checked) throw new Refused(`tag "${tag}": ${checked.refused}`);
  if (expected !== undefined && !isDigest(expected)) {
    throw new Refused(`--digest ${expected}: accepted: sha256:<64 lowercase hex>`);
  }
  const states = loadStates(projectDir);
  const first = orderedEnvironments(states)[0];
  const image = states
    .find((s) => s.config.environment === first)
    ?.config.apps.find((a) => a.name === app)?.image;
  if (!image) return bumpFirstEnvironment(projectDir, app, tag); // refuses the unknown app
  let digest: string;
  try {
    digest = (await registry.resolve(image, tag)).digest;
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    throw new Refused(
      `the registry cannot confirm ${app} ${tag} (${image}): ${error.message}; nothing was changed`,
    );
  }
  if (expected !== undefined && expected !== digest) {
    throw new Refused(
      `the build pushed ${image}:${tag} as ${expected}, but the registry serves ${digest} for it: the tag was pushed again since; nothing was changed`,
    );
  }
  return bumpFirstEnvironment(projectDir, app, tag, digest);
}

const USAGE = "Usage: npm run bump -- --app NAME --tag TAG [--digest sha256:...]";

export async function main(
  argv: string[],
  cwd: string,
  registry: TagResolver = new RegistryClient(),
): Promise<number> {
  let values: { app?: string; tag?: string; digest?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        app: { type: "string" },
        tag: { type: "string" },
        digest: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(
      `Usage error: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`,
    );
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.app || !values.tag) {
    console.error(`Usage error: --app and --tag are required\n${USAGE}`);
    return 2;
  }
  try {
    const bumped = await bumpFromRegistry(cwd, values.app, values.tag, registry, values.digest);
    console.error(bumped.message);
    console.log(`environment=${bumped.environment}`);
    console.log(`file=${bumped.file}`);
    console.log(`changed=${bumped.changed}`);
    return 0;
  } catch (error) {
    if (error instanceof Refused) {
      console.error(`Refused: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.cwd()).then((code) => process.exit(code));
}
