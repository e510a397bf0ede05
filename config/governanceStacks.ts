/**
 * Governance looks across stacks: CODEOWNERS lists every environment, a shared branch is
 * protected with the strictest requirements of all environments it feeds, and no GitHub object
 * may be declared by two stacks. The program runs in the project directory, so at startup it
 * reads the sibling stack files (config/stackFiles.ts) next to its own live config.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  githubAccess,
  governanceProblems,
  planGovernance,
  type GitHubAccess,
  type GovernancePlan,
  type StackGovernance,
} from "../rules/governance";
import { listStacks, loadStackFile } from "./stackFiles";
import type { EnvironmentConfig } from "../model/environment";
import { StackConfigError, formatProblem, type ConfigProblem } from "./validate";

/** The stack files, taken together, do not allow a stack to declare its governance. */
export class GovernanceError extends Error {
  constructor(
    public readonly stack: string,
    public readonly problems: ConfigProblem[],
  ) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      [
        `Stack "${stack}" cannot declare its GitHub governance: the stack files taken together ` +
          `have ${count}; nothing was changed:`,
        ...problems.map((p) => `  - ${formatProblem(p)}`),
      ].join("\n"),
    );
    this.name = "GovernanceError";
  }
}

export function stackGovernance(config: EnvironmentConfig): StackGovernance | undefined {
  if (!config.governance) return undefined;
  return {
    stack: config.stack,
    environment: config.environment,
    upstream: config.upstream,
    governance: config.governance,
  };
}

/**
 * Every stack's governance: `current` from its live config, the others from their stack files in
 * `projectDir`. A sibling stack file that fails validation is reported with its own problems.
 */
export function collectGovernance(
  projectDir: string,
  current: EnvironmentConfig,
): { stacks: StackGovernance[]; withoutGovernance: string[]; problems: ConfigProblem[] } {
  const configs: EnvironmentConfig[] = [current];
  const problems: ConfigProblem[] = [];
  for (const stack of listStacks(projectDir)) {
    if (stack === current.stack) continue;
    try {
      configs.push(loadStackFile(projectDir, stack));
    } catch (error) {
      if (!(error instanceof StackConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  const stacks = configs.map(stackGovernance).filter((s): s is StackGovernance => s !== undefined);
  const withoutGovernance = configs.filter((c) => !c.governance).map((c) => c.stack);
  return { stacks, withoutGovernance, problems };
}

/**
 * What the current stack declares on GitHub, or undefined when it has no `promotion:governance`.
 * Throws GovernanceError, before anything is declared, when the stack files do not fit together.
 */
export function checkGovernance(
  projectDir: string,
  current: EnvironmentConfig,
): GovernancePlan | undefined {
  const collected = collectGovernance(projectDir, current);
  // A stack without the key still checks its siblings: removing the key from one stack file must
  // not quietly delete that stack's GitHub objects while the others still expect them.
  if (!current.governance && collected.stacks.length === 0) return undefined;
  const problems = [
    ...collected.problems,
    ...governanceProblems(collected.stacks, collected.withoutGovernance),
  ];
  if (problems.length > 0) throw new GovernanceError(current.stack, problems);
  return current.governance ? planGovernance(collected.stacks, current.stack) : undefined;
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

/**
 * Whether this stack's previous run managed GitHub, from its own `governance` output. Read only
 * for a `pulumi up` without a token, through a stack reference of its own (named apart from any
 * other reference to this stack).
 */
async function managedGitHubBefore(stack: string): Promise<boolean> {
  const own = new pulumi.StackReference(`${stack}-governance-previous-run`, {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}`,
  });
  const details = await own.getOutputDetails("governance");
  const previous: unknown = details.value ?? details.secretValue;
  return (
    previous !== null &&
    typeof previous === "object" &&
    (previous as { githubAccess?: unknown }).githubAccess === "token"
  );
}

/** The current stack's governance, and how this run may reach GitHub. */
export interface LoadedGovernance {
  plan: GovernancePlan;
  access: GitHubAccess;
  token?: pulumi.Output<string>;
}

/**
 * Reads the current stack's governance plan, its GitHub token and how this run treats GitHub
 * (rules/governance.ts `githubAccess`), or stops the program with every problem (as a RunError,
 * without a stack trace) before any resource is declared. Undefined without `promotion:governance`.
 */
export async function loadGovernance(
  config: EnvironmentConfig,
  projectDir: string,
): Promise<LoadedGovernance | undefined> {
  let plan: GovernancePlan | undefined;
  try {
    plan = checkGovernance(projectDir, config);
  } catch (error) {
    if (error instanceof GovernanceError) throw new pulumi.RunError(error.message);
    throw error;
  }
  if (!plan) return undefined;
  const token = githubToken();
  const dryRun = pulumi.runtime.isDryRun();
  const decided = githubAccess(config.stack, {
    hasToken: token !== undefined,
    dryRun,
    managedBefore: token === undefined && !dryRun && (await managedGitHubBefore(config.stack)),
  });
  if ("refused" in decided) throw new pulumi.RunError(decided.refused);
  if (decided.warning) void pulumi.log.warn(decided.warning);
  return { plan, access: decided.access, token };
}
