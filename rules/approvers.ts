/**
 * Approvers as CODEOWNERS writes them: a team as `@org/team-slug`, a user as `@username`. Shared by
 * the config schema (which refuses anything else) and the governance rules (which turn them into
 * GitHub's actor and reviewer forms).
 */

/** GitHub login (user or organization): alphanumerics and single hyphens, at most 39. */
export const LOGIN = "[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}";
/** Team slug as GitHub derives it from the team name: lowercase, digits, '-' and '_'. */
const TEAM_SLUG = "[a-z0-9](?:[a-z0-9_-]{0,98}[a-z0-9])?";
const TEAM_APPROVER = new RegExp(`^@(${LOGIN})/(${TEAM_SLUG})$`);
const USER_APPROVER = new RegExp(`^@(${LOGIN})$`);

export const ACCEPTED_APPROVER =
  "a team as @org/team-slug (e.g. @data-literate/sre, slug in lowercase) or a user as @username " +
  "(e.g. @octocat); bare names, e-mail addresses and org/team without '@' are refused";

export type ParsedApprover =
  | { kind: "team"; handle: string; org: string; slug: string }
  | { kind: "user"; handle: string; login: string };

/** Parses `@org/team` or `@user`; undefined for anything else. */
export function parseApprover(handle: string): ParsedApprover | undefined {
  const team = TEAM_APPROVER.exec(handle);
  if (team) return { kind: "team", handle, org: team[1], slug: team[2] };
  const user = USER_APPROVER.exec(handle);
  if (user) return { kind: "user", handle, login: user[1] };
  return undefined;
}
