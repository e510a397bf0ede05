/**
 * Bounds and safe defaults (issue #21): durations and sync windows have upper bounds, a password in
 * any URL of a stack file is refused and never printed, and the last environment of the chain syncs
 * automatically only with a reviewed reason. Each case edits one stack of a frozen fixture (seed:
 * dev -> stage -> prod) and validates it the way the program does; the last test loads every
 * stack file (live, tests/fixtures, examples/flux) with its chain: the bounds refuse none of them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { readChainLinks } from "../../config/chain";
import { decodeConfigValues } from "../../config/decode";
import { engineConfig, listStacks } from "../../config/stackFiles";
import { validateStackConfig } from "../../config/validate";
import { longestGapMinutes, maxWindowMinutes } from "../../rules/syncWindow";
import { SEED } from "../fixtures";

type Raw = Record<string, unknown>;

const seedRaw = (stack: string): Raw => decodeConfigValues(engineConfig(SEED.dir, stack));

/** The message validation stops with for `raw` (fails the test when it passes). */
function refusal(stack: string, raw: Raw, withChain = false): string {
  try {
    validateStackConfig(
      stack,
      raw,
      [],
      withChain ? readChainLinks(SEED.dir, stack, raw) : undefined,
    );
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  assert.fail(`stack ${stack} was accepted`);
}

/** The line of `message` about `key` that holds every fragment. */
function lineAbout(message: string, key: string, fragments: string[]): string {
  const about = message.split("\n").filter((l) => l.includes(`${key} =`));
  const line = about.find((l) => fragments.every((fragment) => l.includes(fragment)));
  assert.ok(line, `no line about ${key} with ${fragments.join(", ")} in:\n${message}`);
  return line;
}

describe("config bounds: durations", () => {
  it("refuses a soak time of 99999999999h, naming the stack, key, value and bound", () => {
    const raw = seedRaw("prod");
    raw.gate = { soakTime: "99999999999h", requireHealthy: true };
    lineAbout(refusal("prod", raw), "promotion:gate.soakTime", [
      '"prod"',
      '"99999999999h"',
      "at most 30d (720h)",
    ]);
  });

  it("accepts a soak time of exactly 30 days and 0", () => {
    for (const soakTime of ["30d", "720h", 0]) {
      const raw = seedRaw("prod");
      raw.gate = { soakTime, requireHealthy: true };
      validateStackConfig("prod", raw);
    }
    const raw = seedRaw("prod");
    raw.gate = { soakTime: "30d1s", requireHealthy: true };
    lineAbout(refusal("prod", raw), "promotion:gate.soakTime", ['"30d1s"', "at most 30d"]);
  });

  it("refuses a sync window of 100000h, with the month's cap", () => {
    const raw = seedRaw("prod");
    raw.syncWindows = [{ kind: "allow", schedule: "0 9 * * 1-5", duration: "100000h" }];
    lineAbout(refusal("prod", raw), "promotion:syncWindows[0].duration", [
      '"prod"',
      '"100000h"',
      "at most 744h (31 days",
    ]);
  });

  it("refuses an allow window that never closes: as long as the longest gap of its schedule", () => {
    const raw = seedRaw("prod");
    raw.syncWindows = [
      { kind: "allow", schedule: "0 9 * * *", duration: "24h" },
      { kind: "allow", schedule: "0 9 * * 1-5", duration: "72h" },
      { kind: "allow", schedule: "0 9 * * 1-5", duration: "0m" },
    ];
    const message = refusal("prod", raw);
    lineAbout(message, "promotion:syncWindows[0].duration", [
      '"24h"',
      "at most 23h59m",
      '"0 9 * * *"',
    ]);
    lineAbout(message, "promotion:syncWindows[1].duration", ['"72h"', "at most 71h59m"]);
    lineAbout(message, "promotion:syncWindows[2].duration", ['"0m"', "more than 0"]);
  });

  it("accepts a deny window that never closes: a freeze, said on purpose", () => {
    const raw = seedRaw("prod");
    raw.syncWindows = [{ kind: "deny", schedule: "* * * * *", duration: "24h" }];
    validateStackConfig("prod", raw);
  });

  it("accepts a two-week December freeze and the seed's weekday window", () => {
    const raw = seedRaw("prod");
    raw.syncWindows = [
      { kind: "deny", schedule: "0 0 18 DEC *", duration: "336h" },
      { kind: "allow", schedule: "0 9 * * 1-5", duration: "8h" },
    ];
    validateStackConfig("prod", raw);
  });

  it("reads the longest gap between starts of a schedule", () => {
    assert.equal(longestGapMinutes("0 9 * * *"), 24 * 60);
    assert.equal(longestGapMinutes("0 9 * * 1-5"), 72 * 60);
    assert.equal(longestGapMinutes("*/15 * * * *"), 15);
    assert.equal(longestGapMinutes("0 9,17 * * MON-FRI"), 64 * 60);
    assert.equal(maxWindowMinutes("0 0 1 1 *"), 31 * 24 * 60);
    assert.equal(longestGapMinutes("61 * * * *"), undefined);
  });

  it("bounds the other duration keys (promotion rules, verification, Flux)", () => {
    const raw = seedRaw("prod");
    raw.rules = { slo: { availability: 99, errorRate: 1, window: "9999d" } };
    raw.verification = { timeout: "48h", watch: "25h" };
    const message = refusal("prod", raw);
    lineAbout(message, "promotion:rules.slo.window", ['"9999d"', "at most 30d"]);
    lineAbout(message, "promotion:verification.timeout", ['"48h"', "at most 24h"]);
    lineAbout(message, "promotion:verification.watch", ['"25h"', "at most 24h"]);
    const flux = seedRaw("dev");
    flux.engine = "flux";
    flux.flux = { interval: "100000h" };
    lineAbout(refusal("dev", flux), "promotion:flux.interval", ['"100000h"', "at most 24h"]);
  });
});

describe("config bounds: credentials in URLs", () => {
  const cases: { name: string; edit: (raw: Raw) => void; key: string; shown: string }[] = [
    {
      name: "clusterServer",
      edit: (raw) => (raw.clusterServer = "https://admin:s3cret@k8s.example.com"),
      key: "promotion:clusterServer",
      shown: '"https://admin:[secret]@k8s.example.com"',
    },
    {
      name: "a sourceRepos entry",
      edit: (raw) =>
        (raw.sourceRepos = [
          "https://bot:s3cret@github.com/org/dex.git",
          "https://github.com/org/*",
        ]),
      key: "promotion:sourceRepos[0]",
      shown: '"https://bot:[secret]@github.com/org/dex.git"',
    },
    {
      name: "an app's source.repoURL",
      edit: (raw) => {
        const dex = (raw.apps as Record<string, Raw>).dex;
        dex.source = {
          repoURL: "https://bot:s3cret@github.com/org/dex.git",
          path: "deploy",
          targetRevision: "main",
        };
      },
      key: "promotion:apps.dex.source.repoURL",
      shown: '"https://bot:[secret]@github.com/org/dex.git"',
    },
    {
      name: "the evidence Prometheus",
      edit: (raw) => (raw.evidence = { prometheus: "http://reader:s3cret@prometheus:9090" }),
      key: "promotion:evidence.prometheus",
      shown: '"http://reader:[secret]@prometheus:9090"',
    },
    {
      name: "an env value",
      edit: (raw) => {
        (raw.apps as Record<string, Raw>).dex.env = { DB: "postgres://app:s3cret@db/app" };
      },
      key: "promotion:apps.dex.env.DB",
      shown: '"postgres://app:[secret]@db/app"',
    },
  ];
  for (const c of cases) {
    it(`refuses a password in ${c.name} and never prints it`, () => {
      const raw = seedRaw("prod");
      c.edit(raw);
      const message = refusal("prod", raw);
      lineAbout(message, c.key, ['"prod"', c.shown, "without a password"]);
      assert.ok(!message.includes("s3cret"), message);
    });
  }

  it("hides the password also where another refusal quotes the value", () => {
    const raw = seedRaw("prod");
    raw.sourceRepos = ["https://bot:s3cret@github.com/other/*"];
    const message = refusal("prod", raw);
    assert.ok(!message.includes("s3cret"), message);
    assert.ok(message.includes("https://bot:[secret]@github.com/other/*"), message);
  });

  it("accepts a user without password (ssh://git@..., git@host:...)", () => {
    const raw = seedRaw("prod");
    raw.sourceRepos = ["ssh://git@github.com/org/dex.git", "git@github.com:org/dex.git"];
    (raw.apps as Record<string, Raw>).dex.source = {
      repoURL: "git@github.com:org/dex.git",
      path: "deploy",
      targetRevision: "main",
    };
    validateStackConfig("prod", raw);
  });
});

describe("config bounds: automated sync of the last environment", () => {
  it("refuses prod (the last environment) with syncMode: automated and no reason", () => {
    const raw = seedRaw("prod");
    raw.syncMode = "automated";
    lineAbout(refusal("prod", raw, true), "promotion:syncMode", [
      '"prod"',
      '"automated"',
      "last environment",
      "promotion:automatedSyncReason",
    ]);
  });

  it("accepts it with a reviewed reason, and stage (not last) without one", () => {
    const raw = seedRaw("prod");
    raw.syncMode = "automated";
    raw.automatedSyncReason = "internal tool; every merge is reviewed by two people";
    validateStackConfig("prod", raw, [], readChainLinks(SEED.dir, "prod", raw));
    const stage = seedRaw("stage");
    assert.equal(stage.syncMode, "automated");
    validateStackConfig("stage", stage, [], readChainLinks(SEED.dir, "stage", stage));
  });

  it("refuses a blank reason, and a reason on a manual environment", () => {
    const blank = seedRaw("prod");
    blank.syncMode = "automated";
    blank.automatedSyncReason = "  ";
    lineAbout(refusal("prod", blank, true), "promotion:automatedSyncReason", ["non-empty reason"]);
    const manual = seedRaw("prod");
    manual.automatedSyncReason = "left behind";
    lineAbout(refusal("prod", manual, true), "promotion:automatedSyncReason", [
      "not set unless promotion:syncMode is automated",
    ]);
  });
});

describe("config bounds: every live and fixture stack file stays valid", () => {
  const root = path.join(__dirname, "..", "..");
  const fixtures = path.join(root, "tests", "fixtures");
  const projects = [
    root,
    path.join(root, "examples", "flux"),
    ...fs
      .readdirSync(fixtures)
      .map((name) => path.join(fixtures, name))
      .filter((dir) => fs.existsSync(path.join(dir, "Pulumi.yaml"))),
  ];
  for (const dir of projects) {
    for (const stack of listStacks(dir)) {
      it(`${path.relative(root, dir) || "."}: ${stack}`, () => {
        const raw = decodeConfigValues(engineConfig(dir, stack));
        validateStackConfig(stack, raw, [], readChainLinks(dir, stack, raw));
      });
    }
  }
});
