/**
 * `promote` checks what the upstream last deployed, not only what its stack file pins: a tag that
 * was merged but never applied upstream has not run there, so it is not promoted.
 */
import { strict as assert } from "assert";
import { NOT_DEPLOYED, RecordsUnavailable, type RecordReader } from "../../cli/deployed";
import { loadStates } from "../../cli/load";
import { deployedMismatch } from "../../cli/plan/deployed";
import type { StackState } from "../../cli/plan/state";
import { fixtureDir, tempProject, type TempProject } from "../support/gitRepo";

/** Each stack deployed exactly what its stack file pins, except the tags given per stack. */
function deployedExcept(project: TempProject, differing: Record<string, string>): RecordReader {
  return (stack) => {
    const tag =
      differing[stack] ?? /\n {6}tag: (\S+)/.exec(project.read(`Pulumi.${stack}.yaml`))![1];
    return { tags: { dex: tag }, records: {} };
  };
}

describe("cli: promote checks the upstream's deployed state", () => {
  let project: TempProject;
  beforeEach(() => (project = tempProject()));
  afterEach(() => project.cleanup());

  it("refuses when the upstream's file pins another tag than its last up deployed", () => {
    const records = deployedExcept(project, { stage: "sha-0a0b0c0d" });
    for (const args of [[], ["--dry-run"]]) {
      const result = project.cli(["promote", "--from", "stage", "--to", "prod", ...args], {
        records,
      });
      assert.equal(result.code, 1, args.join(" "));
      assert.equal(
        result.stderr,
        "Refused: stage's stack file pins sha-5eed0a1b but stage last deployed sha-0a0b0c0d: run 'npm run stack -- up stage' first",
      );
    }
    assert.equal(project.git("branch", "--list", "promote-*"), "");
  });

  it("refuses when the upstream was never deployed", () => {
    const result = project.cli(["promote", "--from", "stage", "--to", "prod"], {
      records: () => NOT_DEPLOYED,
    });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "Refused: stage's stack file pins sha-5eed0a1b but stage has not been deployed: run 'npm run stack -- up stage' first",
    );
  });

  it("promotes when the upstream deployed what its file pins, without a warning", () => {
    const result = project.cli(["promote", "--from", "stage", "--to", "prod"], {
      records: deployedExcept(project, { prod: "sha-1111111" }),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
  });

  it("warns that it could not check when deployed state is unavailable, and promotes", () => {
    const result = project.cli(["promote", "--from", "stage", "--to", "prod"], {
      records: () => {
        throw new RecordsUnavailable("the backend does not answer");
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stderr,
      "warning: could not check what stage last deployed (the backend does not answer); promoting what Pulumi.stage.yaml pins",
    );
    assert.equal(project.git("branch", "--list", "promote-*").trim(), "promote-prod-sha-5eed0a1b");
  });
});

describe("cli: deployed state against the stack file", () => {
  const seed = loadStates(fixtureDir("seed"));
  const stage = seed.find((s) => s.config.environment === "stage")!;
  /** stage running two apps: dex (the fixture's) and api. */
  const twoApps: StackState = {
    ...stage,
    config: {
      ...stage.config,
      apps: [...stage.config.apps, { ...stage.config.apps[0], name: "api", tag: "sha-2222222" }],
    },
  };

  it("names only the apps that differ, with their app when the environment runs several", () => {
    const deployed = { tags: { dex: "sha-5eed0a1b", api: "sha-1111111" }, records: {} };
    assert.equal(
      deployedMismatch(twoApps, deployed),
      "stage's stack file pins api sha-2222222 but stage last deployed api sha-1111111",
    );
    assert.equal(deployedMismatch(twoApps, deployed, ["dex"]), undefined);
  });

  it("says nothing when every app deployed what the file pins", () => {
    const deployed = { tags: { dex: "sha-5eed0a1b" }, records: {} };
    assert.equal(deployedMismatch(stage, deployed), undefined);
  });

  it("says (none) for an app the last up did not deploy yet", () => {
    const deployed = { tags: { dex: "sha-5eed0a1b" }, records: {} };
    assert.equal(
      deployedMismatch(twoApps, deployed),
      "stage's stack file pins api sha-2222222 but stage last deployed api (none)",
    );
  });
});
