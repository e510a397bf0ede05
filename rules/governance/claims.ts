/** The GitHub objects each stack would declare, judged from its own config alone. */
import { CODEOWNERS_PATH } from "../codeowners";
import { GOVERNANCE_KEY as KEY, manages, repoId, type StackGovernance } from "./stackGovernance";

/** The kinds of GitHub object the program declares. */
export type GitHubObjectKind = "environment" | "branch protection" | "CODEOWNERS file";

/** A GitHub object one stack would declare, according to that stack's own config. */
export interface Claim {
  kind: GitHubObjectKind;
  /** Identity of the object on GitHub (repository + what names it there). */
  id: string;
  /** Human description, e.g. `branch protection of "main" in data-literate/dex`. */
  what: string;
  stack: string;
  /** The key (and its value) that makes this stack declare the object. */
  key: string;
  value: unknown;
  /** How to resolve a double declaration. */
  fix: string;
}

/** The branches whose protection a stack declares, by its own config (see planGovernance). */
function protectedBranchesOf(
  s: StackGovernance,
): { branch: string; key: string; value: unknown }[] {
  const g = s.governance;
  const shared = g.repository.sharedBranches;
  const own = shared.includes(g.branch)
    ? []
    : [{ branch: g.branch, key: `${KEY}.branch`, value: g.branch }];
  const managed = manages(s)
    ? shared.map((branch, index) => ({
        branch,
        key: `${KEY}.repository.sharedBranches[${index}]`,
        value: branch,
      }))
    : [];
  return [...own, ...managed];
}

/**
 * The GitHub objects one stack would declare, judged from its own config alone. The deployment
 * branch policy and the every-team ruleset are named after the environment, so they can only
 * collide when the environments do.
 */
export function claimsOf(s: StackGovernance): Claim[] {
  const g = s.governance;
  const repo = repoId(g);
  const where = `${g.repository.owner}/${g.repository.name}`;
  const envName = g.githubEnvironment.toLowerCase();
  const claims: Claim[] = [
    {
      kind: "environment",
      id: `${repo}#environment:${envName}`,
      what: `GitHub environment "${g.githubEnvironment}" in ${where}`,
      stack: s.stack,
      key: `${KEY}.githubEnvironment`,
      value: g.githubEnvironment,
      fix: "a GitHub environment name no other stack uses (names are case-insensitive)",
    },
  ];
  for (const { branch, key, value } of protectedBranchesOf(s)) {
    const viaManaging = key.includes("sharedBranches");
    claims.push({
      kind: "branch protection",
      id: `${repo}#branch-protection:${branch}`,
      what: `branch protection of "${branch}" in ${where}`,
      stack: s.stack,
      key: viaManaging ? `${KEY}.repository.managingStack` : key,
      value: viaManaging ? g.repository.managingStack : value,
      fix: viaManaging
        ? "the same managingStack in every stack file: only that stack protects shared branches"
        : `give each environment its own branch, or list "${branch}" in ` +
          `${KEY}.repository.sharedBranches so that the managing stack alone protects it ` +
          "with the strictest requirements of the environments it feeds",
    });
  }
  if (manages(s)) {
    claims.push({
      kind: "CODEOWNERS file",
      id: `${repo}#file:${CODEOWNERS_PATH}`,
      what: `${CODEOWNERS_PATH} in ${where}`,
      stack: s.stack,
      key: `${KEY}.repository.managingStack`,
      value: g.repository.managingStack,
      fix: "the same managingStack in every stack file: exactly one stack writes CODEOWNERS",
    });
  }
  return claims;
}
