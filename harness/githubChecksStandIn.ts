/**
 * A loopback stand-in for the two GitHub REST API routes that report a commit's CI results
 * (GitHub itself cannot run here), answering with the documented shapes
 * (https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference and
 * https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference):
 * `check_runs` with name, status, conclusion and times; the combined `state` with `statuses` by
 * context; 401 "Bad credentials" for a wrong token; 404 "Not Found" for an unknown repository; 422
 * "No commit found for SHA" for an unknown ref (a SHA prefix of at least 7 resolves, as on GitHub).
 */
import * as http from "http";
import { LoopbackServer } from "./loopback";

export interface CheckRunFixture {
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?:
    "success" | "failure" | "neutral" | "cancelled" | "skipped" | "timed_out" | "action_required";
  startedAt: string;
}

export interface StatusFixture {
  context: string;
  state: "error" | "failure" | "pending" | "success";
}

export interface CommitFixture {
  sha: string;
  checkRuns: CheckRunFixture[];
  statuses: StatusFixture[];
}

const DOCS = {
  runs: "https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference",
  status:
    "https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference",
};

export class GitHubChecksStandIn {
  readonly requests: { path: string; status: number; authorization?: string }[] = [];
  private readonly server = new LoopbackServer((req, _body, res) => this.handle(req, res));

  constructor(
    private readonly repository: { owner: string; repo: string },
    private readonly commits: CommitFixture[],
    private readonly token?: string,
  ) {}

  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status: number, body: unknown) => {
      this.requests.push({ path: url.pathname, status, authorization: req.headers.authorization });
      res.writeHead(status, {
        "Content-Type": "application/json; charset=utf-8",
        "X-GitHub-Api-Version-Selected": "2022-11-28",
      });
      res.end(JSON.stringify(body));
    };
    if (this.token !== undefined && req.headers.authorization !== `token ${this.token}`) {
      return send(401, {
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      });
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/(check-runs|status)$/.exec(
      url.pathname,
    );
    if (!match || match[1] !== this.repository.owner || match[2] !== this.repository.repo) {
      return send(404, {
        message: "Not Found",
        documentation_url: "https://docs.github.com/rest",
        status: "404",
      });
    }
    const ref = decodeURIComponent(match[3]);
    const commit =
      this.commits.find((c) => ref.length >= 7 && c.sha.startsWith(ref)) ??
      this.commits.find((c) => c.sha === ref);
    if (!commit) {
      return send(422, {
        message: `No commit found for SHA: ${ref}`,
        documentation_url: match[4] === "check-runs" ? DOCS.runs : DOCS.status,
        status: "422",
      });
    }
    const api = `https://api.github.com/repos/${this.repository.owner}/${this.repository.repo}`;
    if (match[4] === "check-runs") {
      return send(200, {
        total_count: commit.checkRuns.length,
        check_runs: commit.checkRuns.map((run, index) => ({
          id: 1000 + index,
          head_sha: commit.sha,
          node_id: `CR_${index}`,
          external_id: "",
          url: `${api}/check-runs/${1000 + index}`,
          html_url: `https://github.com/${this.repository.owner}/${this.repository.repo}/runs/${1000 + index}`,
          details_url: null,
          status: run.status,
          conclusion: run.status === "completed" ? (run.conclusion ?? "success") : null,
          started_at: run.startedAt,
          completed_at: run.status === "completed" ? run.startedAt : null,
          output: {
            title: null,
            summary: null,
            text: null,
            annotations_count: 0,
            annotations_url: "",
          },
          name: run.name,
          check_suite: { id: 1 },
          app: null,
          pull_requests: [],
        })),
      });
    }
    const states = commit.statuses.map((s) => s.state);
    const state = states.some((s) => s === "failure" || s === "error")
      ? "failure"
      : states.length === 0 || states.some((s) => s === "pending")
        ? "pending"
        : "success";
    return send(200, {
      state,
      statuses: commit.statuses.map((s, index) => ({
        url: `${api}/statuses/${commit.sha}`,
        id: 2000 + index,
        node_id: `SC_${index}`,
        state: s.state,
        description: `${s.context}: ${s.state}`,
        target_url: null,
        context: s.context,
        created_at: "2026-01-28T10:00:00Z",
        updated_at: "2026-01-28T10:05:00Z",
      })),
      sha: commit.sha,
      total_count: commit.statuses.length,
      repository: {
        id: 1,
        name: this.repository.repo,
        full_name: `${this.repository.owner}/${this.repository.repo}`,
      },
      commit_url: `${api}/commits/${commit.sha}`,
      url: `${api}/commits/${commit.sha}/status`,
    });
  }
}
