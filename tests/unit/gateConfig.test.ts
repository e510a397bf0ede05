/**
 * Bad promotion config (the chain across stack files, escape hatches, promotion:gate) stops the
 * program before it declares anything, naming the stack, the key, the bad value and what is
 * accepted. Each case changes one stack of the seed fixture (tests/fixtures/seed: dev -> stage ->
 * prod), whose environments the expected messages name.
 */
import { strict as assert } from "assert";
import { chainConfigProblems, type ReadLink } from "../../config/chain";
import { SEED } from "../fixtures";
import { json, runIn } from "../../harness/program";
import { appsWith, expectRefusal } from "../support/refusal";

type Overrides = Record<string, string | undefined>;

interface BadCase {
  name: string;
  stack: string;
  overrides: Overrides;
  /** Fragments one line of the message must contain, the key first. */
  expect: string[];
}

const gate = json({ soakTime: "24h", requireHealthy: true });

const cases: BadCase[] = [
  {
    name: "an upstream without a stack file",
    stack: "stage",
    overrides: { "promotion:upstream": "qa" },
    expect: ["promotion:upstream", '"qa"', "no stack file", "accepted: one of dev, prod, stage"],
  },
  {
    name: "a cycle",
    stack: "dev",
    overrides: { "promotion:upstream": "prod", "promotion:gate": gate },
    expect: ["promotion:upstream", '"prod"', "the chain has a cycle: dev -> prod -> stage -> dev"],
  },
  {
    name: "an environment that would be skipped",
    stack: "prod",
    overrides: { "promotion:upstream": "dev" },
    expect: ["promotion:upstream", '"dev"', "prod and stage all take tags from dev", "skip"],
  },
  {
    name: "two first environments",
    stack: "stage",
    overrides: { "promotion:upstream": "", "promotion:gate": undefined },
    expect: ["promotion:upstream", "dev, stage all have no upstream"],
  },
  {
    name: "a bypass without reason",
    stack: "prod",
    overrides: {
      "promotion:apps": appsWith("prod", (dex) => (dex.bypass = { kind: "hotfix" })),
    },
    expect: ["promotion:apps.dex.bypass.reason", "(not set)", "non-empty reason"],
  },
  {
    name: "a bypass with a blank reason",
    stack: "prod",
    overrides: {
      "promotion:apps": appsWith("prod", (dex) => (dex.bypass = { kind: "rollback", reason: " " })),
    },
    expect: ["promotion:apps.dex.bypass.reason", '" "', "non-empty reason"],
  },
  {
    name: "an unknown bypass kind",
    stack: "prod",
    overrides: {
      "promotion:apps": appsWith(
        "prod",
        (dex) => (dex.bypass = { kind: "revert", reason: "broken" }),
      ),
    },
    expect: ["promotion:apps.dex.bypass.kind", '"revert"', "rollback", "hotfix"],
  },
  {
    name: "an unknown bypass key",
    stack: "prod",
    overrides: {
      "promotion:apps": appsWith(
        "prod",
        (dex) => (dex.bypass = { kind: "hotfix", tag: dex.tag, reason: "CVE", approvedBy: "me" }),
      ),
    },
    expect: ["promotion:apps.dex.bypass.approvedBy", "no such key", "kind, tag, reason"],
  },
  {
    name: "an environment with an upstream but no gate",
    stack: "prod",
    overrides: { "promotion:gate": undefined },
    expect: ["promotion:gate", "(not set)", "soakTime: 0", "requireHealthy: false"],
  },
  {
    name: "a gate on the first environment",
    stack: "dev",
    overrides: { "promotion:gate": gate },
    expect: ["promotion:gate", "first environment", "no upstream"],
  },
  {
    name: "a soak time that is not a duration",
    stack: "prod",
    overrides: { "promotion:gate": json({ soakTime: "a day", requireHealthy: true }) },
    expect: ["promotion:gate.soakTime", '"a day"', "24h"],
  },
  {
    name: "requireHealthy that is not a boolean",
    stack: "stage",
    overrides: { "promotion:gate": json({ soakTime: 0, requireHealthy: "yes" }) },
    expect: ["promotion:gate.requireHealthy", '"yes"', "true or false"],
  },
  {
    name: "a gate missing requireHealthy",
    stack: "stage",
    overrides: { "promotion:gate": json({ soakTime: "1h" }) },
    expect: ["promotion:gate.requireHealthy", "(not set)", "true or false"],
  },
];

describe("bad promotion config", () => {
  for (const c of cases) {
    it(`refuses ${c.name}, declaring nothing`, async () => {
      const line = await expectRefusal(
        () => runIn(SEED.dir, c.stack, c.overrides),
        c.stack,
        c.expect,
      );
      assert.ok(line.includes(`${c.expect[0]} =`), `the key comes first: ${line}`);
    });
  }

  it("accepts explicit off switches", async () => {
    const run = await runIn(SEED.dir, "prod", {
      "promotion:gate": json({ soakTime: 0, requireHealthy: false }),
    });
    assert.equal(run.outputs.environmentName, "prod");
  });
});

describe("the promotion chain across stack files", () => {
  const line = (...envs: [string, string?][]): ReadLink[] =>
    envs.map(([environment, upstream]) => ({ environment, upstream }));

  it("has no problem as one line, with or without a canary", () => {
    assert.deepEqual(
      chainConfigProblems(line(["dev"], ["stage", "dev"], ["prod", "stage"]), "prod"),
      [],
    );
    assert.deepEqual(
      chainConfigProblems(
        line(["dev"], ["stage", "dev"], ["canary", "stage"], ["prod", "canary"]),
        "canary",
      ),
      [],
    );
  });

  it("refuses adding a canary without moving prod behind it: one of them would skip the other", () => {
    const problems = chainConfigProblems(
      line(["dev"], ["stage", "dev"], ["canary", "stage"], ["prod", "stage"]),
      "canary",
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0].stack, "canary");
    assert.equal(problems[0].value, "stage");
    assert.match(String(problems[0].reason), /canary and prod all take tags from stage/);
  });

  it("reports a stack file it cannot read", () => {
    const problems = chainConfigProblems(
      [...line(["dev"], ["stage", "dev"]), { environment: "prod", unreadable: "bad YAML" }],
      "stage",
    );
    assert.deepEqual(problems, [
      {
        stack: "prod",
        key: "promotion:upstream",
        value: undefined,
        accepted: "a readable stack file, so the promotion chain can be checked (bad YAML)",
      },
    ]);
  });
});
