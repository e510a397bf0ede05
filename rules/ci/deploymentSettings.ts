/**
 * Pulumi Deployments settings of a stack, as the body of the Pulumi Cloud REST API's
 * `POST /api/stacks/{org}/{project}/{stack}/deployments/settings` (DeploymentSettingsRequest in
 * its OpenAPI spec), derived from the stack file: the repository and branch from
 * `promotion:governance`, the path filters from what affects the stack (its own stack file and the
 * program, the lists rules/ci/affected.ts classifies by), the rest from `promotion:deployments`.
 * Pure: secret values come in as an argument, read by the caller from its environment.
 */
import type { EnvironmentConfig } from "../../model/environment";
import { PROGRAM_FILES, PROGRAM_FOLDERS } from "./affected";

/** A value of `operationContext.environmentVariables`: plain text, or a secret Pulumi encrypts. */
export type EnvironmentValue = string | { secret: string };

export interface DeploymentSettingsBody {
  sourceContext: { git: { branch: string; repoDir: string } };
  gitHub: {
    repository: string;
    deployCommits: boolean;
    previewPullRequests: boolean;
    pullRequestTemplate: boolean;
    paths: string[];
  };
  operationContext: {
    preRunCommands: string[];
    environmentVariables: Record<string, EnvironmentValue>;
  };
}

/** Where the stack lives in Pulumi Cloud: the path of its REST routes. */
export interface StackAddress {
  organization: string;
  project: string;
  stack: string;
}

export type SettingsResult =
  | { ok: true; address: StackAddress; body: DeploymentSettingsBody }
  | { ok: false; problems: string[] };

/** `dir/file`, or `file` for the repository root. */
function inDir(repoDir: string, file: string): string {
  return repoDir === "." ? file : `${repoDir}/${file}`;
}

/**
 * The path filters: a push or pull request deploys or previews this stack only when it changes its
 * own stack file or the program every stack runs (GitHub-style globs, relative to the repository).
 */
export function deploymentPaths(environment: string, repoDir: string): string[] {
  return [
    inDir(repoDir, `Pulumi.${environment}.yaml`),
    ...PROGRAM_FILES.map((file) => inDir(repoDir, file)),
    ...PROGRAM_FOLDERS.map((folder) => inDir(repoDir, `${folder}**`)),
  ];
}

/**
 * Variables of the settings job that Pulumi Deployments must never receive, whatever a stack file
 * or the allow-list says: each can push to main, change governance or update any stack.
 */
export const PRIVILEGED_VARIABLES: readonly string[] = [
  "PROMOTION_GITHUB_TOKEN",
  "PROMOTION_BOT_TOKEN",
  "PULUMI_ACCESS_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GH_ENTERPRISE_TOKEN",
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];

/** Always allowed: the passphrase the stack's own secrets are encrypted with. */
const ALWAYS_ALLOWED = ["PULUMI_CONFIG_PASSPHRASE"];

/**
 * The variable holding a stack's allow-list of secret names: `PROMOTION_DEPLOYMENT_SECRETS_<STACK>`
 * (upper case, other characters as `_`), a comma-separated list the workflow (reviewed code on
 * main) sets, so a stack file alone cannot name a secret of the settings job.
 */
export function allowListVariable(stack: string): string {
  return `PROMOTION_DEPLOYMENT_SECRETS_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * The settings of one stack. `project` is Pulumi.yaml's name; `secretValues` the applying
 * process's environment, where each name in `promotion:deployments.secrets` must be set.
 */
export function deploymentSettings(
  config: EnvironmentConfig,
  project: string,
  secretValues: Record<string, string | undefined>,
): SettingsResult {
  const deployments = config.deployments;
  const governance = config.governance;
  const where = `stack "${config.stack}"`;
  if (!deployments) {
    return {
      ok: false,
      problems: [
        `${where}: promotion:deployments is not set, so Pulumi Deployments does not run it`,
      ],
    };
  }
  if (!governance) {
    return {
      ok: false,
      problems: [
        `${where}: promotion:deployments needs promotion:governance (the repository and the branch)`,
      ],
    };
  }
  const problems: string[] = [];
  const environmentVariables: Record<string, EnvironmentValue> = {
    ...deployments.environmentVariables,
  };
  const allowListName = allowListVariable(config.stack);
  const allowed = [
    ...ALWAYS_ALLOWED,
    ...(secretValues[allowListName] ?? "")
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean),
  ];
  for (const name of deployments.secrets) {
    const value = secretValues[name];
    if (PRIVILEGED_VARIABLES.includes(name)) {
      problems.push(
        `${where}: promotion:deployments.secrets names ${name}, a token that can push to main, change governance or update stacks; accepted: a secret the deployment itself needs, never ${PRIVILEGED_VARIABLES.join(", ")}`,
      );
    } else if (!allowed.includes(name)) {
      problems.push(
        `${where}: promotion:deployments.secrets names ${name}, which is not in ${allowListName} (${allowed.join(", ")}); accepted: a name the settings workflow allows for ${config.stack} in ${allowListName}, so that a stack file alone cannot hand a secret of the settings job to Pulumi Deployments`,
      );
    } else if (value === undefined || value === "") {
      problems.push(
        `${where}: promotion:deployments.secrets names ${name}, which is not set in this process's environment; accepted: the secret exported as ${name} (in CI, from the repository's secrets), so that Pulumi Cloud stores it encrypted`,
      );
    } else {
      environmentVariables[name] = { secret: value };
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const repository = `${governance.repository.owner}/${governance.repository.name}`;
  return {
    ok: true,
    address: { organization: deployments.organization, project, stack: config.stack },
    body: {
      sourceContext: {
        git: { branch: `refs/heads/${governance.branch}`, repoDir: deployments.repoDir },
      },
      gitHub: {
        repository,
        deployCommits: deployments.deployCommits,
        previewPullRequests: deployments.previewPullRequests,
        pullRequestTemplate: false,
        paths: deploymentPaths(config.environment, deployments.repoDir),
      },
      operationContext: {
        preRunCommands: deployments.preRunCommands,
        environmentVariables,
      },
    },
  };
}

/** The body with every secret replaced by "[secret]", for printing and job summaries. */
export function redactSettings(body: DeploymentSettingsBody): DeploymentSettingsBody {
  const environmentVariables: Record<string, EnvironmentValue> = {};
  for (const [name, value] of Object.entries(body.operationContext.environmentVariables)) {
    environmentVariables[name] = typeof value === "string" ? value : { secret: "[secret]" };
  }
  return { ...body, operationContext: { ...body.operationContext, environmentVariables } };
}

/** The REST route of a stack's settings or deployments, with each segment escaped. */
export function stackRoute(address: StackAddress, suffix: string): string {
  const parts = [address.organization, address.project, address.stack].map(encodeURIComponent);
  return `/api/stacks/${parts.join("/")}/deployments${suffix}`;
}

/** Terminal statuses of a deployment (GetDeploymentResponse.status). */
export const FINISHED_STATUSES = ["succeeded", "failed", "skipped"] as const;
export type DeploymentStatus =
  "not-started" | "accepted" | "running" | "failed" | "succeeded" | "skipped";

export function isFinished(status: string): boolean {
  return (FINISHED_STATUSES as readonly string[]).includes(status);
}
