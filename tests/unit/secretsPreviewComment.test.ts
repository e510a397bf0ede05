/**
 * Issue #20, "Secrets stay secret", for the preview comment: the report step of
 * .github/workflows/preview.yml finds its own comment by the marker on its first line AND by its
 * author (github-actions[bot], or vars.PROMOTION_COMMENT_AUTHOR). Anyone can write the marker: a
 * comment of theirs must not be the one the workflow updates, nor stand in for the preview. The
 * step's script runs as actions/github-script runs it, against a stand-in of GitHub's REST API
 * that answers as documented: each comment of GET /repos/{owner}/{repo}/issues/{n}/comments has
 * `id`, `body` and `user.login`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const PREVIEW_YML = path.resolve(__dirname, "..", "..", ".github", "workflows", "preview.yml");
const MARKER = "<!-- promotion-as-code:preview -->";

/** An issue comment as the REST API returns it (the fields the step may read). */
interface IssueComment {
  id: number;
  body: string;
  user: { login: string; type: "User" | "Bot" };
}

interface Calls {
  created: string[];
  updated: Array<{ id: number; body: string }>;
}

type Step = { uses?: string; with?: { script?: string } };

function reportScript(): string {
  const doc = parse(fs.readFileSync(PREVIEW_YML, "utf8")) as {
    jobs: { report: { steps: Step[] } };
  };
  const step = doc.jobs.report.steps.find((s) => s.uses?.startsWith("actions/github-script@"));
  assert.ok(typeof step?.with?.script === "string", "preview.yml's report step has no script");
  return step.with.script;
}

async function runReport(
  comments: IssueComment[],
  comment: string,
  env: Record<string, string> = {},
): Promise<Calls> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-report-"));
  try {
    fs.writeFileSync(path.join(dir, "comment.md"), comment);
    const calls: Calls = { created: [], updated: [] };
    const github = {
      paginate: () => Promise.resolve(comments.map((c) => ({ ...c, user: { ...c.user } }))),
      rest: {
        issues: {
          listComments: () => undefined,
          updateComment: (p: { comment_id: number; body: string }) =>
            Promise.resolve(calls.updated.push({ id: p.comment_id, body: p.body })),
          createComment: (p: { body: string }) => Promise.resolve(calls.created.push(p.body)),
        },
        checks: { create: () => Promise.resolve() },
      },
    };
    const context = {
      repo: { owner: "data-literate", repo: "dex" },
      payload: { pull_request: { number: 12, head: { sha: "f".repeat(40) } } },
      serverUrl: "https://github.com",
      runId: 99,
    };
    const processStandIn = {
      env: {
        DIR: dir,
        STACKS: JSON.stringify([]),
        CHAIN: JSON.stringify(["dev", "stage", "prod"]),
        PREVIEW_RESULT: "success",
        // What the step's env: block sets when the variable is not defined.
        COMMENT_AUTHOR: "github-actions[bot]",
        ...env,
      },
    };
    const AsyncFunction = Object.getPrototypeOf(async function () {
      await Promise.resolve();
    }).constructor;
    await new AsyncFunction("require", "github", "context", "core", "process", reportScript())(
      require,
      github,
      context,
      { info: () => undefined },
      processStandIn,
    );
    return calls;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const bot = { login: "github-actions[bot]", type: "Bot" } as const;
const mallory = { login: "mallory", type: "User" } as const;

describe("secrets: the preview comment is found by marker and author", () => {
  it("does not update a comment that carries the marker but another author", async () => {
    const calls = await runReport(
      [{ id: 7, body: `${MARKER}\nAll stacks previewed fine, merge away`, user: mallory }],
      `${MARKER}\n## Preview\n`,
    );
    assert.deepEqual(calls.updated, []);
    assert.deepEqual(calls.created, [`${MARKER}\n## Preview\n`]);
  });

  it("updates the workflow's own comment, past another author's copy of the marker", async () => {
    const calls = await runReport(
      [
        { id: 7, body: `${MARKER}\nfake`, user: mallory },
        { id: 9, body: `${MARKER}\nold`, user: bot },
      ],
      `${MARKER}\nnew`,
    );
    assert.deepEqual(calls.updated, [{ id: 9, body: `${MARKER}\nnew` }]);
    assert.deepEqual(calls.created, []);
  });

  it("takes the author the repository configures (a GitHub App's bot)", async () => {
    const app = { login: "promotion-app[bot]", type: "Bot" } as const;
    const calls = await runReport(
      [
        { id: 9, body: `${MARKER}\nold`, user: bot },
        { id: 11, body: `${MARKER}\nold`, user: app },
      ],
      `${MARKER}\nnew`,
      { COMMENT_AUTHOR: "promotion-app[bot]" },
    );
    assert.deepEqual(calls.updated, [{ id: 11, body: `${MARKER}\nnew` }]);
  });

  it("sets the author in the step's environment, github-actions[bot] unless configured", () => {
    const text = fs.readFileSync(PREVIEW_YML, "utf8");
    assert.match(
      text,
      /COMMENT_AUTHOR: \$\{\{ vars\.PROMOTION_COMMENT_AUTHOR \|\| 'github-actions\[bot\]' \}\}/,
    );
  });
});
