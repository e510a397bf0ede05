/**
 * The one module that reads Pulumi config. It turns the stack's `promotion:*` values into a typed
 * EnvironmentConfig, or stops the program, before any resource is declared, with every problem;
 * and it hands out the GitHub token, the one secret the program reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { RefusedError } from "../rules/verdict";
import { runError } from "./runError";
import { validateStackConfig } from "./validate";
import { decodeConfigValues } from "./decode";
import {
  chainConfigProblems,
  readChainLinks,
  readClusterTarget,
  readPinnedTags,
  type ClusterTarget,
} from "./chain";
import type { EnvironmentConfig } from "../model/environment";
import { configNearLimit, configTooBig, engineConfigBytes } from "../rules/configSize";
import { engineConfig, listStacks, loadStackFile, stackKeyProblems } from "./stackFiles";

/**
 * The project directory, where the stack files are: the engine runs the program there (and the
 * tests change into a temporary project to try other chains).
 */
export function projectDirectory(): string {
  return process.cwd();
}

/**
 * Reads and validates the current stack's config, and the promotion chain all stack files form
 * with it (one line: no cycle, no unknown upstream, no skipped environment); throws a RunError
 * listing every problem.
 */
export function loadEnvironmentConfig(): EnvironmentConfig {
  const stack = pulumi.getStack();
  const all = pulumi.runtime.allConfig();
  warnAboutConfigSizes(stack, all);
  const raw = decodeConfigValues(all);
  const links = readChainLinks(projectDirectory(), stack, raw);
  // No key is ignored: a key in a namespace nothing reads (promotoin:...) and a stack file with
  // YAML references are refused with the rest; `npm run stack` names the copy the engine was given.
  const chain = [
    ...stackKeyProblems(
      projectDirectory(),
      stack,
      all,
      process.env.PROMOTION_STACK_CONFIG_FILE || undefined,
    ),
    ...chainConfigProblems(links, stack),
  ];
  try {
    return validateStackConfig(stack, raw, chain, links);
  } catch (error) {
    // RunError ends the program with this message alone, without a stack trace.
    if (error instanceof RefusedError) throw runError(error.message);
    throw error;
  }
}

/**
 * The engine passes a stack's whole config in one environment variable (rules/configSize.ts): this
 * run got through, so it warns when its own config nears the limit, and about any sibling stack
 * file the engine could no longer start, before someone runs that stack.
 */
function warnAboutConfigSizes(stack: string, own: Record<string, string>): void {
  const near = configNearLimit(stack, engineConfigBytes(own));
  if (near) void pulumi.log.warn(near);
  for (const other of listStacks(projectDirectory())) {
    if (other === stack) continue;
    let bytes: number;
    try {
      bytes = engineConfigBytes(engineConfig(projectDirectory(), other));
    } catch {
      continue; // an unreadable sibling is reported by the chain check
    }
    const message = configTooBig(other, bytes) ?? configNearLimit(other, bytes);
    if (message) void pulumi.log.warn(message);
  }
}

/**
 * Where the upstream's Argo CD Applications are, from its stack file: the cluster to read their
 * live status from, or why they cannot be read from this stack.
 */
export function loadUpstreamTarget(
  config: EnvironmentConfig,
): ClusterTarget | { unreadable: string } {
  if (!config.upstream) return { unreadable: `${config.environment} has no upstream` };
  return readClusterTarget(projectDirectory(), config.upstream);
}

/** What the upstream's stack file pins now, per app (undefined for the first environment). */
export function loadUpstreamPins(config: EnvironmentConfig): Record<string, string> | undefined {
  return config.upstream ? readPinnedTags(projectDirectory(), config.upstream) : undefined;
}

/**
 * The upstream's stack file, validated: where its evidence is (its Prometheus, its queries) and
 * the namespace each app runs in there, for the promotion rules (preflight/rules.ts).
 */
export function loadUpstreamConfig(
  config: EnvironmentConfig,
): EnvironmentConfig | { unreadable: string } {
  if (!config.upstream) return { unreadable: `${config.environment} has no upstream` };
  try {
    return loadStackFile(projectDirectory(), config.upstream);
  } catch (error) {
    return {
      unreadable: `Pulumi.${config.upstream}.yaml cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** How the promotion rules read CI checks from GitHub (adapters/evidence/github.ts). */
export interface EvidenceGitHubAccess {
  /** `github:token`, else GITHUB_TOKEN, else GH_TOKEN; undefined when none is set. */
  token?: string;
  /** GITHUB_API_URL (GitHub Enterprise, or Actions' own); undefined for api.github.com. */
  baseUrl?: string;
}

/**
 * The token and API URL the promotion rules read checks with. Plain text, as the checks API
 * needs it in a header; it never reaches a resource or an output. GH_TOKEN (the gh CLI's) is read
 * here only: it lets a run read checks without also managing GitHub governance, which a token in
 * `github:token` or GITHUB_TOKEN turns on.
 */
export function evidenceGitHubAccess(): EvidenceGitHubAccess {
  const env = process.env;
  const token = pulumi.runtime.allConfig()["github:token"] || env.GITHUB_TOKEN || env.GH_TOKEN;
  return {
    ...(token ? { token } : {}),
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
  };
}

/**
 * The GitHub token, always as a secret: `github:token` from stack config (set it with
 * `pulumi config set --secret github:token ...`), else the GITHUB_TOKEN environment variable.
 */
export function githubToken(): pulumi.Output<string> | undefined {
  const configured = new pulumi.Config("github").getSecret("token");
  if (configured !== undefined) return configured;
  const fromEnvironment = process.env.GITHUB_TOKEN;
  return fromEnvironment ? pulumi.secret(fromEnvironment) : undefined;
}
