/**
 * The `promotion:governance` key: who approves a promotion of this environment, which CI checks
 * must pass, which branch feeds the environment, and the repository-level settings every stack
 * file repeats identically. Every message completes the sentence "accepted: ...".
 *
 * Approvers are written the way CODEOWNERS writes them: a team as `@org/team-slug`, a user as
 * `@username`. Anything else (bare names, e-mail addresses, `org/team` without `@`) is refused.
 */
import { z } from "zod";
import type { GitHubRepositoryConfig, GovernanceConfig } from "../model/environment";
import { isObject, strictObject, strings, type Loose } from "./zodShapes";
import { ACCEPTED_APPROVER, LOGIN, parseApprover } from "../rules/approvers";

const approver = z
  .string({ error: ACCEPTED_APPROVER })
  .refine((handle) => parseApprover(handle) !== undefined, { error: ACCEPTED_APPROVER });

const uniqueList = <T extends z.ZodType<string>>(item: T, what: string) =>
  z
    .array(item, { error: `a list of ${what}` })
    .refine((list) => new Set(list).size === list.length, {
      error: `a list of ${what}, each once`,
    });

const approverList = (what: string) => uniqueList(approver, `${what} (${ACCEPTED_APPROVER})`);

/**
 * A plain branch name, the way git and GitHub spell it. Patterns are refused: a branch protection
 * with a wildcard would match branches no stack file names.
 */
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!\/)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]{1,200}$/;
const ACCEPTED_BRANCH =
  "a branch name such as main, staging or release/dex (letters, digits, '.', '_', '-', '/'; " +
  "no wildcards, spaces or '..')";
const branch = z.string({ error: ACCEPTED_BRANCH }).regex(BRANCH, ACCEPTED_BRANCH);

const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const OWNER = new RegExp(`^${LOGIN}$`);
/** GitHub environment names: no slashes or spaces, at most 255 characters. */
const GITHUB_ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
/** A CODEOWNERS pattern: no spaces, no comment marker, no negation (CODEOWNERS has none). */
const CODEOWNERS_PATTERN = /^[^\s#!]+$/;

const wholeNumber = (min: number, max: number, why = "") =>
  z
    .number({ error: `a whole number from ${min} to ${max}${why}` })
    .int(`a whole number from ${min} to ${max}${why}`)
    .min(min, `a whole number from ${min} to ${max}${why}`)
    .max(max, `a whole number from ${min} to ${max}${why}`);

const yesNo = z.boolean({ error: "true or false" });

/** Repository-level settings: every stack file must carry exactly the same values. */
const repository = strictObject(
  {
    owner: z
      .string({ error: "a GitHub organization or user name such as data-literate" })
      .regex(OWNER, "a GitHub organization or user name such as data-literate"),
    name: z
      .string({ error: "a repository name such as dex" })
      .regex(REPOSITORY, "a repository name such as dex (letters, digits, '.', '_', '-')"),
    platformOwners: approverList("platform owners").refine((list) => list.length > 0, {
      error: "at least one platform owner: they own the program code in CODEOWNERS",
    }),
    platformPaths: uniqueList(
      z
        .string({ error: "a CODEOWNERS pattern such as * or /components/" })
        .regex(CODEOWNERS_PATTERN, "a CODEOWNERS pattern such as * or /components/ (no spaces)"),
      "CODEOWNERS patterns such as * or /components/",
    )
      .refine((list) => list.length > 0, { error: "at least one CODEOWNERS pattern, e.g. [*]" })
      .optional(),
    managingStack: z
      .string({ error: "the name of the one stack that manages CODEOWNERS and shared branches" })
      .regex(
        STACK_NAME,
        "the name of the one stack that manages CODEOWNERS and shared branches, e.g. prod",
      ),
    sharedBranches: uniqueList(branch, "branch names fed to several environments").optional(),
    reviewerIds: z
      .record(
        z.string().refine((handle) => parseApprover(handle) !== undefined, {
          error: ACCEPTED_APPROVER,
        }),
        z
          .number({ error: "a positive whole number (the numeric GitHub team or user ID)" })
          .int("a positive whole number (the numeric GitHub team or user ID)")
          .positive("a positive whole number (the numeric GitHub team or user ID)"),
        { error: "a map of approver (@org/team or @user) to its numeric GitHub ID" },
      )
      .optional(),
  },
  "the repository-level settings, the same in every stack file: a map",
);

/** Every key of `promotion:governance`. */
export const governanceSchema = strictObject(
  {
    repository,
    githubEnvironment: z
      .string({ error: "a GitHub environment name such as prod" })
      .regex(GITHUB_ENVIRONMENT, "a GitHub environment name such as prod (no spaces or '/')")
      .optional(),
    branch,
    approvers: approverList("approvers"),
    requiredApprovals: wholeNumber(0, 6, " (GitHub allows at most 6 required approvals)"),
    everyTeamMustApprove: yesNo.optional(),
    statusChecks: uniqueList(
      z.string({ error: "a CI check name" }).min(1, "a non-empty CI check name"),
      "CI check names (status check contexts) such as [tests, lint, security-scan]",
    ).optional(),
    waitTimerMinutes: wholeNumber(0, 43200, " (minutes; GitHub allows up to 30 days)").optional(),
    preventSelfReview: yesNo.optional(),
    requireLastPushApproval: yesNo.optional(),
    pullRequestBypassers: approverList("pull request bypassers").optional(),
  },
  "the GitHub governance of this environment: a map",
);

export type RawGovernance = z.infer<typeof governanceSchema>;

/** Maps the parsed key to its typed view, filling defaults. */
export function toGovernanceConfig(environment: string, raw: RawGovernance): GovernanceConfig {
  const repo: GitHubRepositoryConfig = {
    owner: raw.repository.owner,
    name: raw.repository.name,
    platformOwners: raw.repository.platformOwners,
    platformPaths: raw.repository.platformPaths ?? ["*"],
    managingStack: raw.repository.managingStack,
    sharedBranches: raw.repository.sharedBranches ?? [],
    reviewerIds: raw.repository.reviewerIds ?? {},
  };
  return {
    repository: repo,
    githubEnvironment: raw.githubEnvironment ?? environment,
    branch: raw.branch,
    approvers: raw.approvers,
    requiredApprovals: raw.requiredApprovals,
    everyTeamMustApprove: raw.everyTeamMustApprove ?? false,
    statusChecks: raw.statusChecks ?? [],
    waitTimerMinutes: raw.waitTimerMinutes ?? 0,
    preventSelfReview: raw.preventSelfReview ?? false,
    requireLastPushApproval: raw.requireLastPushApproval ?? false,
    pullRequestBypassers: raw.pullRequestBypassers ?? [],
  };
}

/** A problem found by a rule relating several keys, before the key path gets its namespace. */
export interface GovernanceKeyProblem {
  /** Path below `promotion:`, e.g. ["governance", "requiredApprovals"]. */
  path: (string | number)[];
  accepted: string;
}

/** GitHub environments take at most 6 teams and 6 users as required reviewers. */
const MAX_ENVIRONMENT_REVIEWERS = 6;

/**
 * Rules of `promotion:governance` that relate it to other keys of the same stack (the upstream)
 * or relate its own keys. They read raw values defensively so they report even when other keys
 * are malformed.
 */
export function governanceKeyProblems(raw: Loose): GovernanceKeyProblem[] {
  const problems: GovernanceKeyProblem[] = [];
  const governance = raw.governance;
  if (!isObject(governance)) return problems;
  const add = (path: (string | number)[], accepted: string) =>
    problems.push({ path: ["governance", ...path], accepted });

  const upstream = typeof raw.upstream === "string" ? raw.upstream : "";
  const environment = typeof raw.environment === "string" ? raw.environment : "this environment";
  const approvals = governance.requiredApprovals;
  const approvers = strings(governance.approvers);
  const parsed = approvers.map(parseApprover);

  if (upstream !== "" && approvals === 0) {
    add(
      ["requiredApprovals"],
      `a whole number from 1 to 6: ${environment} takes tags from ${upstream}, and a promotion ` +
        "into an environment with an upstream needs at least one approving review (0 is accepted " +
        'only for the first environment, the one with promotion:upstream "")',
    );
  }
  const needsApprovers = (typeof approvals === "number" && approvals > 0) || upstream !== "";
  if (needsApprovers && Array.isArray(governance.approvers) && approvers.length === 0) {
    add(
      ["approvers"],
      `at least one approver (${ACCEPTED_APPROVER}): promotions into ${environment} need a ` +
        "reviewed approval, and the approvers own its stack file in CODEOWNERS",
    );
  }
  if (governance.requireLastPushApproval === true && approvals === 0) {
    add(
      ["requireLastPushApproval"],
      "false while requiredApprovals is 0: there is no approval for the last push to need",
    );
  }

  const repository = isObject(governance.repository) ? governance.repository : {};
  const owner = typeof repository.owner === "string" ? repository.owner : undefined;
  const checkOrg = (list: unknown, path: string[]) =>
    strings(list).forEach((handle, index) => {
      const approver = parseApprover(handle);
      if (
        owner &&
        approver?.kind === "team" &&
        approver.org.toLowerCase() !== owner.toLowerCase()
      ) {
        add(
          [...path, index],
          `a team of the repository owner ${owner} (@${owner}/team-slug): GitHub only accepts ` +
            "teams of the organization that owns the repository as code owners and reviewers",
        );
      }
    });
  checkOrg(governance.approvers, ["approvers"]);
  checkOrg(governance.pullRequestBypassers, ["pullRequestBypassers"]);
  checkOrg(repository.platformOwners, ["repository", "platformOwners"]);

  const teams = parsed.filter((p) => p?.kind === "team").length;
  const users = parsed.filter((p) => p?.kind === "user").length;
  if (teams > MAX_ENVIRONMENT_REVIEWERS || users > MAX_ENVIRONMENT_REVIEWERS) {
    add(
      ["approvers"],
      `at most ${MAX_ENVIRONMENT_REVIEWERS} teams and ${MAX_ENVIRONMENT_REVIEWERS} users: ` +
        "they become the GitHub environment's required reviewers, which GitHub caps at 6 each",
    );
  }
  if (governance.everyTeamMustApprove === true) {
    parsed.forEach((approver, index) => {
      if (approver?.kind === "user") {
        add(
          ["approvers", index],
          "a team (@org/team-slug) while everyTeamMustApprove is true: GitHub rulesets accept " +
            "only teams as required reviewers",
        );
      }
    });
    if (approvers.length > 0 && teams === 0) {
      add(["everyTeamMustApprove"], "false, or at least one team among the approvers");
    }
  }
  return problems;
}
