/**
 * CI results of a commit from GitHub's REST API through @octokit/rest: its check runs
 * (`GET /repos/{owner}/{repo}/commits/{ref}/check-runs`) and commit statuses
 * (`GET /repos/{owner}/{repo}/commits/{ref}/status`). A named check succeeded when its latest check
 * run concluded "success", or its commit status context is "success".
 */
import { Octokit } from "@octokit/rest";
import type { CheckState, Measured } from "../../rules/evidence/evaluate";

export interface GitHubTarget {
  owner: string;
  repo: string;
  /** Defaults to https://api.github.com; a loopback stand-in in tests. */
  baseUrl?: string;
  token?: string;
}

function reason(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `GitHub answered ${status}: ${message}` : `GitHub did not answer: ${message}`;
}

function stateOfRun(run: { status: string; conclusion: string | null }): CheckState {
  if (run.status !== "completed") return "pending";
  return run.conclusion === "success" ? "success" : "failure";
}

function stateOfStatus(state: string): CheckState {
  if (state === "success") return "success";
  if (state === "pending") return "pending";
  return "failure";
}

export async function readChecks(
  target: GitHubTarget,
  ref: string,
  names: readonly string[],
): Promise<Measured<Record<string, CheckState>>> {
  const source = `GitHub checks of ${target.owner}/${target.repo}@${ref}`;
  const octokit = new Octokit({
    auth: target.token,
    baseUrl: target.baseUrl,
    request: { timeout: 30_000 },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  try {
    const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
      owner: target.owner,
      repo: target.repo,
      ref,
      per_page: 100,
    });
    const combined = await octokit.rest.repos.getCombinedStatusForRef({
      owner: target.owner,
      repo: target.repo,
      ref,
      per_page: 100,
    });
    const found: Record<string, CheckState> = {};
    for (const name of names) {
      // Newest first: a re-run replaces an earlier result.
      const run = runs
        .filter((r) => r.name === name)
        .sort((a, b) => String(b.started_at ?? "").localeCompare(String(a.started_at ?? "")))[0];
      const status = combined.data.statuses.find((s) => s.context === name);
      found[name] = run ? stateOfRun(run) : status ? stateOfStatus(status.state) : "missing";
    }
    return { value: found, source };
  } catch (error) {
    return { unavailable: reason(error), source };
  }
}
