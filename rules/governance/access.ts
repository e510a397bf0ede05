import { allow, refuse, type Verdict } from "../verdict";

/**
 * How a run treats GitHub. The rule that decides it keeps `preview` and `up` in step, so that a
 * preview right after an `up` with the same inputs shows no change:
 *  - `token`: the GitHub objects are declared and managed through a provider with owner and token;
 *  - `none`: no token, on a stack that has never managed GitHub (a laptop, a test backend): preview
 *    and up alike leave GitHub alone and declare no GitHub object; the `governance` output still
 *    says what a run with a token would declare;
 *  - `anonymous`: a preview without a token of a stack that manages GitHub objects: they are
 *    declared through a provider with neither owner nor token, which makes no API call, so the
 *    preview works offline (their diff cannot be exact without a token, and a warning says so);
 *  - refused: `up` without a token of a stack that manages GitHub objects: leaving them out would
 *    delete them, declaring them would fail, so nothing is changed.
 */
export type GitHubAccess = "token" | "anonymous" | "none";

export interface GitHubAccessInput {
  hasToken: boolean;
  /** True for `pulumi preview` (and the preview step of `pulumi up`). */
  dryRun: boolean;
  /** Whether the stack's previous run managed GitHub (its `governance` output says `token`). */
  managedBefore: boolean;
}

export interface GitHubAccessDecision {
  access: GitHubAccess;
  warning?: string;
}

const SET_TOKEN =
  "a GitHub token: `pulumi config set --secret github:token <token>` or the GITHUB_TOKEN " +
  "environment variable (docs/governance.md)";

export function githubAccess(
  stack: string,
  input: GitHubAccessInput,
): Verdict<GitHubAccessDecision> {
  if (input.hasToken) return allow({ access: "token" });
  if (input.managedBefore && input.dryRun) {
    return allow({
      access: "anonymous",
      warning:
        `No GitHub token: stack "${stack}" manages GitHub objects, and this preview shows them ` +
        `without reading GitHub, so their diff is not exact. Preview with ${SET_TOKEN}.`,
    });
  }
  if (input.managedBefore) {
    return refuse({
      stack,
      key: "github:token",
      value: undefined,
      reason:
        "this stack manages GitHub objects (promotion:governance); without a token they can " +
        "neither be updated nor left out (that would delete them)",
      accepted: SET_TOKEN,
    });
  }
  return allow({
    access: "none",
    warning:
      `No GitHub token: this run of stack "${stack}" leaves GitHub alone and declares none of ` +
      "the GitHub objects of promotion:governance (the stack has never managed them; its " +
      `\`governance\` output says what it would declare). To manage them, set ${SET_TOKEN}.`,
  });
}
