/**
 * Bad stack config must stop the program before it declares anything, with a message that names
 * the stack, the key, the bad value and what the key accepts. Each case changes one stack of the
 * seed fixture (tests/fixtures/seed), whose values the expected messages name.
 */
import { strict as assert } from "assert";
import { engineConfig } from "../../config/stackFiles";
import { SEED } from "../fixtures";
import { ProgramFailed, json, runIn } from "../../harness/program";
import { appsWith, expectRefusal } from "../support/refusal";

type Overrides = Record<string, string | undefined>;

interface BadCase {
  name: string;
  stack: string;
  overrides: () => Overrides;
  /** Fragments the message must contain: key, bad value, what is accepted. */
  expect: string[];
}

const cases: BadCase[] = [
  {
    name: "latest tag",
    stack: "prod",
    overrides: () => ({ "promotion:apps": appsWith("prod", (dex) => (dex.tag = "latest")) }),
    expect: ["promotion:apps.dex.tag", '"latest"', "sha-<7-40 hex>", "mutable"],
  },
  {
    name: "malformed sha tag",
    stack: "dev",
    overrides: () => ({ "promotion:apps": appsWith("dev", (dex) => (dex.tag = "sha-xyz67890")) }),
    expect: ["promotion:apps.dex.tag", '"sha-xyz67890"', "7 to 40 lowercase hex"],
  },
  {
    name: "semver without v",
    stack: "dev",
    overrides: () => ({ "promotion:apps": appsWith("dev", (dex) => (dex.tag = "1.2.3")) }),
    expect: ["promotion:apps.dex.tag", '"1.2.3"', "vMAJOR.MINOR.PATCH"],
  },
  {
    name: "dated tag with an impossible date",
    stack: "dev",
    overrides: () => ({
      "promotion:apps": appsWith("dev", (dex) => (dex.tag = "v20261341-abc1234")),
    }),
    expect: ["promotion:apps.dex.tag", "not a date"],
  },
  {
    name: "digest without @",
    stack: "dev",
    overrides: () => ({
      "promotion:apps": appsWith("dev", (dex) => (dex.tag = `sha256:${"a".repeat(64)}`)),
    }),
    expect: ["promotion:apps.dex.tag", "@sha256:"],
  },
  {
    name: "missing app image",
    stack: "stage",
    overrides: () => ({ "promotion:apps": appsWith("stage", (dex) => delete dex.image) }),
    expect: ["promotion:apps.dex.image", "(not set)", "image repository"],
  },
  {
    name: "image carrying its own tag",
    stack: "stage",
    overrides: () => ({
      "promotion:apps": appsWith(
        "stage",
        (dex) => (dex.image = "ghcr.io/data-literate/dex:latest"),
      ),
    }),
    expect: ["promotion:apps.dex.image", "without tag or digest"],
  },
  {
    name: "unknown sync mode",
    stack: "prod",
    overrides: () => ({ "promotion:syncMode": "sometimes" }),
    expect: ["promotion:syncMode", '"sometimes"', "automated or manual"],
  },
  {
    name: "negative replicas",
    stack: "prod",
    overrides: () => ({ "promotion:apps": appsWith("prod", (dex) => (dex.replicas = -1)) }),
    expect: ["promotion:apps.dex.replicas", "-1", "whole number from 0 to 1000"],
  },
  {
    name: "replicas as a string",
    stack: "prod",
    overrides: () => ({ "promotion:apps": appsWith("prod", (dex) => (dex.replicas = "three")) }),
    expect: ["promotion:apps.dex.replicas", '"three"', "whole number"],
  },
  {
    name: "destination outside the environment",
    stack: "stage",
    overrides: () => ({ "promotion:apps": appsWith("stage", (dex) => (dex.namespace = "dex")) }),
    expect: ["promotion:apps.dex.namespace", '"dex"', "dex-stage", "outside the environment"],
  },
  {
    name: "unknown top-level key",
    stack: "dev",
    overrides: () => ({ "promotion:replica": "3" }),
    expect: ["promotion:replica", "no such key", "apps"],
  },
  {
    name: "unknown app key (typo)",
    stack: "dev",
    overrides: () => ({ "promotion:apps": appsWith("dev", (dex) => (dex.replica = 3)) }),
    expect: ["promotion:apps.dex.replica", "no such key", "replicas"],
  },
  {
    name: "unknown log level",
    stack: "dev",
    overrides: () => ({ "promotion:apps": appsWith("dev", (dex) => (dex.logLevel = "VERBOSE")) }),
    expect: ["promotion:apps.dex.logLevel", '"VERBOSE"', "DEBUG, INFO, WARN, ERROR"],
  },
  {
    name: "bad resource quantity",
    stack: "dev",
    overrides: () => ({
      "promotion:apps": appsWith("dev", (dex) => (dex.resources.requests.memory = "64 megs")),
    }),
    expect: ["promotion:apps.dex.resources.requests.memory", '"64 megs"', "Kubernetes quantity"],
  },
  {
    name: "apps is not a map",
    stack: "dev",
    overrides: () => ({ "promotion:apps": json(["dex"]) }),
    expect: ["promotion:apps", "map of application name"],
  },
  {
    name: "no apps at all",
    stack: "dev",
    overrides: () => ({ "promotion:apps": json({}) }),
    expect: ["promotion:apps", "at least one application"],
  },
  {
    name: "application name that is not a DNS label",
    stack: "dev",
    overrides: () => ({
      "promotion:apps": json({
        Dex_API: JSON.parse(engineConfig(SEED.dir, "dev")["promotion:apps"]).dex,
      }),
    }),
    expect: ["promotion:apps.Dex_API", "application name"],
  },
  {
    name: "environment name that differs from the stack",
    stack: "stage",
    overrides: () => ({ "promotion:environment": "prod" }),
    expect: ["promotion:environment", '"prod"', 'stack name "stage"'],
  },
  {
    name: "missing namespace",
    stack: "prod",
    overrides: () => ({ "promotion:namespace": undefined }),
    expect: ["promotion:namespace", "(not set)", "namespace"],
  },
  {
    name: "reserved namespace",
    stack: "prod",
    overrides: () => ({ "promotion:namespace": "kube-system" }),
    expect: ["promotion:namespace", '"kube-system"', "own"],
  },
  {
    name: "manifest repository outside sourceRepos",
    stack: "prod",
    overrides: () => ({
      "promotion:apps": appsWith(
        "prod",
        (dex) => (dex.source.repoURL = "https://github.com/evil/fork.git"),
      ),
    }),
    expect: ["promotion:apps.dex.source.repoURL", "evil/fork", "promotion:sourceRepos"],
  },
  {
    name: "sourceRepos is not a list",
    stack: "prod",
    overrides: () => ({ "promotion:sourceRepos": "https://github.com/data-literate/dex.git" }),
    expect: ["promotion:sourceRepos", "list of repository URLs"],
  },
  {
    name: "sync window with a broken schedule",
    stack: "prod",
    overrides: () => ({
      "promotion:syncWindows": json([{ kind: "allow", schedule: "weekdays", duration: "8h" }]),
    }),
    expect: ["promotion:syncWindows[0].schedule", '"weekdays"', "cron schedule with 5 fields"],
  },
  {
    name: "role that may sync without groups",
    stack: "prod",
    overrides: () => ({ "promotion:roles": json([{ name: "sre", groups: [], canSync: true }]) }),
    expect: ["promotion:roles[0].groups", "at least one group"],
  },
  {
    name: "autoPromote that is not a boolean",
    stack: "stage",
    overrides: () => ({ "promotion:autoPromote": "yes" }),
    expect: ["promotion:autoPromote", '"yes"', "true or false"],
  },
  {
    name: "autoPromote on the first environment",
    stack: "dev",
    overrides: () => ({ "promotion:autoPromote": "true" }),
    expect: ["promotion:autoPromote", "true", "first environment", "no upstream"],
  },
  {
    name: "cluster server that is not https",
    stack: "dev",
    overrides: () => ({ "promotion:clusterServer": "http://10.0.0.1:6443" }),
    expect: ["promotion:clusterServer", "https://"],
  },
];

describe("bad stack config", () => {
  for (const c of cases) {
    it(`refuses ${c.name}, declaring nothing`, async () => {
      await expectRefusal(() => runIn(SEED.dir, c.stack, c.overrides()), c.stack, c.expect);
    });
  }

  it("reports every problem at once", async () => {
    const failure = await runIn(SEED.dir, "prod", {
      "promotion:syncMode": "sometimes",
      "promotion:namespace": "kube-system",
      "promotion:apps": appsWith("prod", (dex) => {
        dex.tag = "latest";
        dex.replicas = -2;
      }),
    }).catch((error: ProgramFailed) => error);
    assert.ok(failure instanceof ProgramFailed);
    assert.match(failure.message, /Stack "prod" has 4 configuration problems; nothing was changed/);
    for (const key of [
      "promotion:syncMode",
      "promotion:namespace",
      "promotion:apps.dex.tag",
      "promotion:apps.dex.replicas",
    ]) {
      assert.ok(failure.message.includes(key), `missing ${key}`);
    }
  });

  // Without this control, a stack that is already refused as it is would make every case of it
  // pass on a problem of its own, not on the case's change.
  it("accepts each stack the cases change, as it is, so each refusal comes from the case", async () => {
    for (const stack of new Set(cases.map((c) => c.stack))) {
      const run = await runIn(SEED.dir, stack);
      assert.equal(run.outputs.environmentName, stack);
    }
  });
});
