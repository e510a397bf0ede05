/** `status`: the table of tags per environment, with records from an injected reader. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Run } from "../../cli/io";
import { editStackText } from "../../cli/stackText";
import {
  deployedStateOf,
  NOT_DEPLOYED,
  pulumiRecordReader,
  RecordsUnavailable,
  type DeployedState,
  type PromotionRecords,
  type RecordReader,
} from "../../cli/deployed";
import type { StatusRow } from "../../cli/status";
import { tempProject, type TempProject } from "../support/gitRepo";

const RECORDS: Record<string, PromotionRecords> = {
  dev: {
    dex: [
      {
        tag: "sha-5e6f7a8b",
        from: "ci",
        at: "2026-01-28T10:30:00Z",
        kind: "promotion",
        by: "ci-bot",
      },
    ],
  },
  stage: {
    dex: [
      {
        tag: "sha-5eed0a1b",
        from: "dev",
        at: "2026-01-27T15:20:00Z",
        kind: "promotion",
        by: "alice",
      },
      {
        tag: "sha-5eed0c3d",
        from: "dev",
        at: "2026-01-20T09:00:00Z",
        kind: "promotion",
        by: "bob",
      },
    ],
  },
  prod: {
    dex: [
      {
        tag: "sha-5eed0c3d",
        from: "prod",
        at: "2026-01-26T09:45:00Z",
        kind: "rollback",
        by: "carol",
        reason: "login broken",
      },
    ],
  },
};

/** What a stack deployed when its last `up` ran the newest record's tags (or `tags`). */
function deployed(records: PromotionRecords, tags: Record<string, string> = {}): DeployedState {
  return deployedStateOf({
    promotionRecords: records,
    apps: Object.fromEntries(Object.entries(tags).map(([app, tag]) => [app, { tag }])),
  });
}

const READ_RECORDS: RecordReader = (stack) => deployed(RECORDS[stack]);

describe("cli: status", () => {
  let project: TempProject;
  before(() => {
    project = tempProject({ origin: false });
    project.commitTag("dev", "dex", "sha-5e6f7a8b");
  });
  after(() => project.cleanup());

  it("shows each environment's tag, its upstream's, whether it is behind and the last record", () => {
    const result = project.cli(["status"], { records: READ_RECORDS });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.equal(
      result.stdout,
      [
        "ENVIRONMENT  APP  TAG           DEPLOYED  UPSTREAM  UPSTREAM TAG  BEHIND  EXCEPTION  LAST RECORD",
        "dev          dex  sha-5e6f7a8b  yes       -         -             -       -          promotion sha-5e6f7a8b from ci by ci-bot 2026-01-28T10:30:00Z",
        "stage        dex  sha-5eed0a1b  yes       dev       sha-5e6f7a8b  yes     -          promotion sha-5eed0a1b from dev by alice 2026-01-27T15:20:00Z",
        "prod         dex  sha-5eed0c3d  yes       stage     sha-5eed0a1b  yes     -          rollback sha-5eed0c3d by carol 2026-01-26T09:45:00Z (login broken)",
      ].join("\n"),
    );
  });

  it("marks an environment whose last up deployed another tag than its file pins", () => {
    const read: RecordReader = (stack) =>
      stack === "stage" ? deployed(RECORDS.stage, { dex: "sha-5eed0c3d" }) : READ_RECORDS(stack);
    const result = project.cli(["status"], { records: read });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\nstage +dex +sha-5eed0a1b +no: sha-5eed0c3d +dev +/);
    assert.match(result.stdout, /\ndev +dex +sha-5e6f7a8b +yes +- /);
    assert.equal(
      result.stderr,
      "stage's stack file pins sha-5eed0a1b but stage last deployed sha-5eed0c3d: run 'npm run stack -- up stage'",
    );
    const json = JSON.parse(project.cli(["status", "--json"], { records: read }).stdout) as {
      rows: StatusRow[];
    };
    assert.deepEqual(
      json.rows.map((r) => [r.environment, r.deployedTag, r.deployed]),
      [
        ["dev", "sha-5e6f7a8b", true],
        ["stage", "sha-5eed0c3d", false],
        ["prod", "sha-5eed0c3d", true],
      ],
    );
  });

  it("prints JSON with --json", () => {
    const result = project.cli(["status", "--json"], { records: READ_RECORDS });
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as {
      chain: string[];
      recordsUnavailable: string | null;
      rows: StatusRow[];
    };
    assert.deepEqual(parsed.chain, ["dev", "stage", "prod"]);
    assert.equal(parsed.recordsUnavailable, null);
    assert.deepEqual(
      parsed.rows.map((r) => [r.environment, r.tag, r.upstreamTag ?? null, r.behind ?? null]),
      [
        ["dev", "sha-5e6f7a8b", null, null],
        ["stage", "sha-5eed0a1b", "sha-5e6f7a8b", true],
        ["prod", "sha-5eed0c3d", "sha-5eed0a1b", true],
      ],
    );
    assert.equal(parsed.rows[2].lastRecord?.reason, "login broken");
  });

  it('shows "-" and says once, on stderr, why records are unavailable', () => {
    let calls = 0;
    const read: RecordReader = () => {
      calls++;
      throw new RecordsUnavailable("the backend does not answer");
    };
    const result = project.cli(["status"], { records: read });
    assert.equal(result.code, 0);
    assert.equal(calls, 1);
    assert.equal(
      result.stderr,
      'deployed state unavailable (reading dev): the backend does not answer\nThe DEPLOYED and LAST RECORD columns show "-".',
    );
    assert.ok(
      result.stdout
        .split("\n")
        .slice(1)
        .every((line) => line.endsWith(" -")),
    );
  });

  it("shows a rollback or hotfix exception in force", () => {
    const rolledBack = tempProject({ origin: false });
    try {
      const file = "Pulumi.prod.yaml";
      rolledBack.write(
        file,
        editStackText(rolledBack.read(file), file, [
          {
            app: "dex",
            tag: "sha-5eed0c3d",
            bypass: { kind: "rollback", tag: "sha-5eed0c3d", reason: "broken" },
          },
        ]),
      );
      const result = rolledBack.cli(["status"], { records: () => NOT_DEPLOYED });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /\nprod +dex +sha-5eed0c3d +no: not deployed +stage +sha-5eed0a1b +yes +rollback +-$/,
      );
    } finally {
      rolledBack.cleanup();
    }
  });

  it("says which environments the stack files mark for automatic promotion", () => {
    const marked = tempProject({ origin: false });
    try {
      const file = "Pulumi.stage.yaml";
      marked.write(
        file,
        marked.read(file).replace(/^config:\n/m, "config:\n  promotion:autoPromote: true\n"),
      );
      const result = marked.cli(["status", "--json"], { records: () => NOT_DEPLOYED });
      assert.equal(result.code, 0, result.stderr);
      const parsed = JSON.parse(result.stdout) as { rows: StatusRow[] };
      assert.deepEqual(
        parsed.rows.map((r) => [r.environment, r.autoPromote]),
        [
          ["dev", false],
          ["stage", true],
          ["prod", false],
        ],
      );
    } finally {
      marked.cleanup();
    }
  });

  it("without pulumi on PATH or .pulumi-state, names the embedded default's command", () => {
    const result = project.cli(["status"]);
    assert.equal(result.code, 0);
    assert.match(
      result.stderr,
      /^deployed state unavailable \(reading dev\): pulumi is not on PATH and there is no \.pulumi-state\/ here, so no stack was deployed with the embedded default: run 'npm run stack -- up dev' \(it brings its own engine\)/,
    );
    assert.doesNotMatch(result.stderr, /install the Pulumi CLI/);
  });
});

describe("cli: reading records with pulumi", () => {
  const fake =
    (output: string | Error): Run =>
    (command, args) => {
      assert.equal(command, "pulumi");
      assert.deepEqual(args, ["stack", "output", "--json", "--non-interactive", "--stack", "prod"]);
      if (output instanceof Error) throw output;
      return output;
    };

  it("reads the deployed tags (apps output) and promotionRecords from the stack outputs", () => {
    const outputs = {
      apps: { dex: { tag: "sha-7777777", image: "x" } },
      promotionRecords: RECORDS.prod,
    };
    const read = pulumiRecordReader(fake(JSON.stringify(outputs)), "/p", true);
    assert.deepEqual(read("prod"), { tags: { dex: "sha-7777777" }, records: RECORDS.prod });
  });

  it("takes a deployed tag from the newest record when there is no apps output", () => {
    const read = pulumiRecordReader(
      fake(JSON.stringify({ promotionRecords: RECORDS.prod })),
      "/p",
      true,
    );
    assert.deepEqual(read("prod").tags, { dex: "sha-5eed0c3d" });
  });

  it("gives nothing deployed for a stack without outputs, or one that does not exist yet", () => {
    assert.deepEqual(pulumiRecordReader(fake("{}"), "/p", true)("prod"), NOT_DEPLOYED);
    const missing = fake(new Error("error: no stack named 'prod' found"));
    assert.deepEqual(pulumiRecordReader(missing, "/p", true)("prod"), NOT_DEPLOYED);
  });

  it("drops entries that are not records, as the program does with its previous outputs", () => {
    const output = JSON.stringify({ promotionRecords: { dex: [{ tag: 1 }, ...RECORDS.prod.dex] } });
    assert.deepEqual(pulumiRecordReader(fake(output), "/p", true)("prod").records, RECORDS.prod);
  });

  it("says why when pulumi fails, prints no JSON or is missing", () => {
    const cases: Array<[RecordReader, RegExp]> = [
      [pulumiRecordReader(fake("not json"), "/p", true), /did not print JSON/],
      [
        pulumiRecordReader(fake(new Error("backend unreachable")), "/p", true),
        /backend unreachable/,
      ],
      [pulumiRecordReader(fake("{}"), "/p", false), /pulumi is not on PATH/],
    ];
    for (const [read, message] of cases) {
      assert.throws(
        () => read("prod"),
        (error: unknown) => error instanceof RecordsUnavailable && message.test(error.reason),
      );
    }
  });
});

describe("cli: reading records from the embedded default's checkpoint files", () => {
  /** A project with `.pulumi-state/` as pulumi 3.x lays it out, and prod's checkpoint. */
  function localState(checkpoint: unknown): { dir: string; cleanup: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-state-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: promotion\nruntime: nodejs\n");
    const stacks = path.join(dir, ".pulumi-state", ".pulumi", "stacks", "promotion");
    fs.mkdirSync(stacks, { recursive: true });
    fs.writeFileSync(path.join(dir, ".pulumi-state", ".pulumi", "meta.yaml"), "version: 1\n");
    if (checkpoint !== undefined) {
      fs.writeFileSync(path.join(stacks, "prod.json"), JSON.stringify(checkpoint));
    }
    return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const checkpointWith = (outputs: unknown) => ({
    version: 3,
    checkpoint: {
      stack: "organization/promotion/prod",
      latest: {
        resources: [
          {
            urn: "urn:pulumi:prod::promotion::pulumi:pulumi:Stack::promotion-prod",
            type: "pulumi:pulumi:Stack",
            outputs,
          },
        ],
      },
    },
  });
  const noEngine: Run = () => {
    throw new Error("the engine was started");
  };

  it("reads the stack's outputs without starting the engine, and a missing stack as not deployed", () => {
    const outputs = { apps: { dex: { tag: "sha-7777777" } }, promotionRecords: RECORDS.prod };
    const state = localState(checkpointWith(outputs));
    try {
      const read = pulumiRecordReader(noEngine, state.dir, false);
      assert.deepEqual(read("prod"), { tags: { dex: "sha-7777777" }, records: RECORDS.prod });
      assert.deepEqual(read("stage"), NOT_DEPLOYED);
    } finally {
      state.cleanup();
    }
  });

  it("asks scripts/stack.sh when an output is a secret, or a backend is chosen", () => {
    const secret = {
      apps: {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        ciphertext: "x",
      },
    };
    const state = localState(checkpointWith(secret));
    const asked: string[] = [];
    const stackSh: Run = (command, args) => {
      asked.push(`${path.basename(command)} ${args.join(" ")}`);
      return "{}";
    };
    const backend = process.env.PULUMI_BACKEND_URL;
    try {
      pulumiRecordReader(stackSh, state.dir, false)("prod");
      process.env.PULUMI_BACKEND_URL = "file:///elsewhere";
      pulumiRecordReader(stackSh, state.dir, false)("stage");
      assert.deepEqual(asked, ["stack.sh output prod", "stack.sh output stage"]);
    } finally {
      if (backend === undefined) delete process.env.PULUMI_BACKEND_URL;
      else process.env.PULUMI_BACKEND_URL = backend;
      state.cleanup();
    }
  });
});
