/** Planning promotions, rollbacks and hotfixes, and their pull request text: pure functions. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { listStacks, loadStackFile } from "../../config/stackFiles";
import { branchName, REASON_REQUIRED, type ChangePlan, type Planned } from "../../cli/plan/change";
import { tagRuns, type StackVersion } from "../../cli/plan/history";
import { planHotfix } from "../../cli/plan/hotfix";
import { planInitial } from "../../cli/plan/initial";
import { planPromotion } from "../../cli/plan/promotion";
import { chooseRollbackTag, planRollback } from "../../cli/plan/rollback";
import type { StackState } from "../../cli/plan/state";
import { prText } from "../../cli/prText";
import { readApps, type AppState } from "../../cli/stackText";
import { fixtureDir } from "../support/gitRepo";

const TAGS = { dev: "sha-5e6f7a8b", stage: "sha-5eed0a1b", prod: "sha-5eed0c3d" };

/** The seed fixture (dev -> stage -> prod), not the live stack files: the tests pin its values. */
const SEED = fixtureDir("seed");
const seed: StackState[] = listStacks(SEED).map((stack) => ({
  config: loadStackFile(SEED, stack),
  file: `Pulumi.${stack}.yaml`,
  apps: readApps(fs.readFileSync(path.join(SEED, `Pulumi.${stack}.yaml`), "utf8")),
}));

/** The seed's stacks with dex pinned to the given tags (and bypass blocks) per environment. */
function states(
  tags: Partial<Record<string, string>> = TAGS,
  bypass: Partial<Record<string, AppState["bypass"]>> = {},
): StackState[] {
  return seed.map((state) => {
    const env = state.config.environment;
    const config = structuredClone(state.config);
    config.apps = config.apps.map((a) => ({ ...a, tag: tags[env] ?? a.tag }));
    return {
      ...state,
      config,
      apps: { dex: { tag: tags[env] ?? state.apps.dex.tag, bypass: bypass[env] } },
    };
  });
}

function planOf(planned: Planned): ChangePlan {
  assert.ok("plan" in planned, `expected a plan, got ${JSON.stringify(planned)}`);
  return planned.plan;
}

function refusalOf(planned: Planned): string {
  assert.ok("refused" in planned, `expected a refusal, got ${JSON.stringify(planned)}`);
  return planned.refused;
}

describe("cli: planning a promotion", () => {
  it("moves the upstream's tag into the next environment: branch, commit, one tag edit", () => {
    const plan = planOf(planPromotion(states(), { from: "dev", to: "stage" }));
    assert.equal(plan.branch, "promote-stage-sha-5e6f7a8b");
    assert.equal(plan.commitSubject, "chore: promote sha-5e6f7a8b to stage");
    assert.deepEqual(plan.edits, [
      { app: "dex", tag: "sha-5e6f7a8b", bypass: null, overrideRules: null },
    ]);
    assert.deepEqual(
      plan.changes.map((c) => [c.app, c.current, c.tag]),
      [["dex", "sha-5eed0a1b", "sha-5e6f7a8b"]],
    );
    assert.equal(plan.file, "Pulumi.stage.yaml");
  });

  it("refuses a promotion that skips an environment, with the chain's own message", () => {
    assert.match(
      refusalOf(planPromotion(states(), { from: "dev", to: "prod" })),
      /prod takes tags from stage, not dev: promoting dev -> prod would skip stage; promote dev -> stage first/,
    );
    assert.match(
      refusalOf(planPromotion(states(), { from: "prod", to: "stage" })),
      /promotions only move forward/,
    );
  });

  it("refuses an unknown environment, naming the ones there are", () => {
    assert.match(
      refusalOf(planPromotion(states(), { from: "dev", to: "qa" })),
      /unknown environment "qa"; accepted: dev, stage, prod/,
    );
  });

  it("refuses --tag the upstream does not run, naming what it runs", () => {
    assert.equal(
      refusalOf(planPromotion(states(), { from: "dev", to: "stage", tag: "sha-1234567" })),
      "dev does not run sha-1234567: it runs dex sha-5e6f7a8b. Promote what dev runs (leave out --tag), or get sha-1234567 into dev first",
    );
    const plan = planOf(planPromotion(states(), { from: "dev", to: "stage", tag: TAGS.dev }));
    assert.equal(plan.changes[0].tag, TAGS.dev);
  });

  it("refuses a mutable --tag by the image tag policy", () => {
    assert.match(
      refusalOf(planPromotion(states(), { from: "dev", to: "stage", tag: "latest" })),
      /--tag tag "latest" is refused by the image tag policy: "latest" is a mutable tag/,
    );
  });

  it("refuses an --app the upstream does not run", () => {
    assert.equal(
      refusalOf(planPromotion(states(), { from: "dev", to: "stage", app: "api" })),
      'dev runs no app "api"; it runs dex sha-5e6f7a8b',
    );
  });

  it("has nothing to do when the target already runs the tag", () => {
    assert.deepEqual(
      planPromotion(states({ ...TAGS, stage: TAGS.dev }), { from: "dev", to: "stage" }),
      { nothingToDo: `stage already runs what dev runs (dex ${TAGS.dev})` },
    );
  });

  it("ends a rollback exception even when the tag is the same: the bypass block goes", () => {
    const bypass = { kind: "rollback" as const, tag: TAGS.stage, reason: "login broken" };
    const plan = planOf(
      planPromotion(states({ ...TAGS, prod: TAGS.stage }, { prod: bypass }), {
        from: "stage",
        to: "prod",
      }),
    );
    assert.deepEqual(plan.changes[0].endsBypass, bypass);
    assert.deepEqual(plan.edits, [
      { app: "dex", tag: TAGS.stage, bypass: null, overrideRules: null },
    ]);
    assert.match(plan.commitBody, /Ends the rollback exception on dex \(login broken\)/);
  });

  it("makes branch names git accepts from digests", () => {
    const digest = `@sha256:${"0".repeat(64)}`;
    assert.equal(
      branchName("promotion", "prod", [{ app: "dex", current: "sha-1234567", tag: digest }]),
      `promote-prod-sha256-${"0".repeat(64)}`,
    );
  });
});

/** A version of Pulumi.prod.yaml in git history. */
function version(
  n: number,
  tag: string,
  bypass?: AppState["bypass"],
  subject = `v${n}`,
): StackVersion {
  return {
    commit: `${n}`.repeat(40).slice(0, 40),
    date: `2026-01-${String(10 + n).padStart(2, "0")}T10:00:00Z`,
    subject,
    apps: { dex: { tag, bypass } },
  };
}

describe("cli: choosing the rollback tag from history", () => {
  // Newest first, as git log lists them: A, then B, then C, then rolled back from C to B.
  const history = [
    version(5, "sha-bbbbbbb", { kind: "rollback", tag: "sha-bbbbbbb", reason: "C broke login" }),
    version(4, "sha-ccccccc"),
    version(3, "sha-bbbbbbb"),
    version(2, "sha-bbbbbbb"),
    version(1, "sha-aaaaaaa"),
  ];

  it("collapses versions into the runs of each tag, marking tags a rollback moved away from", () => {
    const runs = tagRuns(history, "dex");
    assert.deepEqual(
      runs.map((r) => [r.tag, r.since.commit[0], r.rolledBackFrom?.reason]),
      [
        ["sha-bbbbbbb", "5", undefined],
        ["sha-ccccccc", "4", "C broke login"],
        ["sha-bbbbbbb", "2", undefined],
        ["sha-aaaaaaa", "1", undefined],
      ],
    );
  });

  it("picks the tag before the current one", () => {
    const chosen = chooseRollbackTag("f", "dex", "sha-ccccccc", tagRuns(history.slice(1), "dex"));
    assert.ok("run" in chosen);
    assert.equal(chosen.run.tag, "sha-bbbbbbb");
    assert.equal(chosen.run.since.commit[0], "2");
  });

  it("skips a tag that was rolled back from, so a second rollback goes further back", () => {
    const chosen = chooseRollbackTag("f", "dex", "sha-bbbbbbb", tagRuns(history, "dex"));
    assert.ok("run" in chosen);
    assert.equal(chosen.run.tag, "sha-aaaaaaa");
  });

  it("takes --to only when the environment ran it, and warns when it was rolled back from", () => {
    const runs = tagRuns(history, "dex");
    const refused = chooseRollbackTag(
      "Pulumi.prod.yaml",
      "dex",
      "sha-bbbbbbb",
      runs,
      "sha-ddddddd",
    );
    assert.ok("refused" in refused);
    assert.match(
      refused.refused,
      /dex has not run sha-ddddddd according to the git history of Pulumi\.prod\.yaml; --to accepts a tag it ran before: sha-ccccccc \(2026-01-14, 4444444\), sha-aaaaaaa/,
    );
    const same = chooseRollbackTag("f", "dex", "sha-bbbbbbb", runs, "sha-bbbbbbb");
    assert.ok("refused" in same && /already runs sha-bbbbbbb/.test(same.refused));
    const warned = chooseRollbackTag("f", "dex", "sha-bbbbbbb", runs, "sha-ccccccc");
    assert.ok("run" in warned);
    assert.equal(warned.warning, "sha-ccccccc was rolled back from on 2026-01-15 (C broke login)");
  });

  it("refuses when history has no earlier tag", () => {
    const chosen = chooseRollbackTag("Pulumi.prod.yaml", "dex", "sha-aaaaaaa", [
      { tag: "sha-aaaaaaa", since: version(1, "sha-aaaaaaa") },
    ]);
    assert.deepEqual(chosen, {
      refused: "the git history of Pulumi.prod.yaml shows no earlier tag of dex to roll back to",
      hotfix: {},
    });
    const onlyBad = chooseRollbackTag("Pulumi.prod.yaml", "dex", "sha-bbbbbbb", [
      { tag: "sha-bbbbbbb", since: version(2, "sha-bbbbbbb") },
      {
        tag: "sha-aaaaaaa",
        since: version(1, "sha-aaaaaaa"),
        rolledBackFrom: { ...version(2, "sha-bbbbbbb"), reason: "broken" },
      },
    ]);
    assert.ok("refused" in onlyBad);
    assert.match(onlyBad.refused, /\(sha-aaaaaaa was rolled back from\); name one with --to$/);
  });
});

describe("cli: planning a rollback and a hotfix", () => {
  const history = [version(2, TAGS.prod), version(1, "sha-aaaaaaa")];

  it("requires a reason, blank or missing", () => {
    for (const reason of [undefined, "", "   "]) {
      assert.equal(
        refusalOf(planRollback(states(), history, { env: "prod", reason })),
        REASON_REQUIRED,
      );
      assert.equal(
        refusalOf(planHotfix(states(), { env: "prod", app: "dex", tag: "sha-1234567", reason })),
        REASON_REQUIRED,
      );
    }
    assert.equal(
      REASON_REQUIRED,
      "--reason is required: say why, it is recorded in the stack and on the Argo CD Application",
    );
  });

  it("rolls back to the previous tag with a rollback bypass and the reason in the commit", () => {
    const plan = planOf(
      planRollback(states(), history, { env: "prod", reason: " login broken since 10:30 " }),
    );
    assert.equal(plan.branch, "rollback-prod-sha-aaaaaaa");
    assert.equal(plan.commitSubject, "chore: roll back prod to sha-aaaaaaa");
    assert.match(plan.commitBody, /^Reason: login broken since 10:30\n/);
    assert.deepEqual(plan.edits, [
      {
        app: "dex",
        tag: "sha-aaaaaaa",
        bypass: { kind: "rollback", tag: "sha-aaaaaaa", reason: "login broken since 10:30" },
      },
    ]);
  });

  it("refuses an unknown environment or app", () => {
    assert.match(
      refusalOf(planRollback(states(), history, { env: "qa", reason: "x" })),
      /unknown environment "qa"; accepted: dev, stage, prod/,
    );
    assert.match(
      refusalOf(planRollback(states(), history, { env: "prod", app: "api", reason: "x" })),
      /prod runs no app "api"; it runs dex sha-5eed0c3d/,
    );
  });

  it("hotfixes any immutable tag with a hotfix bypass; refuses mutable and current tags", () => {
    const plan = planOf(
      planHotfix(states(), { env: "prod", app: "dex", tag: "v1.4.1", reason: "CVE-2026-1" }),
    );
    assert.equal(plan.branch, "hotfix-prod-v1.4.1");
    assert.equal(plan.commitSubject, "chore: hotfix prod to v1.4.1");
    assert.deepEqual(plan.edits[0].bypass, {
      kind: "hotfix",
      tag: "v1.4.1",
      reason: "CVE-2026-1",
    });
    assert.match(
      refusalOf(planHotfix(states(), { env: "prod", app: "dex", tag: "main", reason: "x" })),
      /mutable tag/,
    );
    assert.match(
      refusalOf(planHotfix(states(), { env: "prod", app: "dex", tag: TAGS.prod, reason: "x" })),
      /prod already runs sha-5eed0c3d for dex; nothing to hotfix/,
    );
  });
});

describe("cli: pull request text", () => {
  const order = ["dev", "stage", "prod"];
  const target = (env: string) => states().find((s) => s.config.environment === env)!.config;

  it("gives stage the stage checklist", () => {
    const plan = planOf(planPromotion(states(), { from: "dev", to: "stage" }));
    const pr = prText(plan, { order, target: target("stage"), command: "npm run promote -- x" });
    assert.equal(pr.title, "chore: promote sha-5e6f7a8b to stage");
    for (const item of [
      "- [ ] Verify image tag matches dev: dex `sha-5e6f7a8b` in `Pulumi.dev.yaml`",
      "- [ ] dev environment is stable on `sha-5e6f7a8b`",
      "- [ ] `npm run stack -- preview stage` shows only the tag change",
      "- `npm run stack -- up stage` (or the deploy pipeline) updates `dex-stage`.",
      "- [ ] No unrelated changes",
      "Argo CD syncs stage on its own",
      "Opened by `npm run promote -- x`.",
    ]) {
      assert.ok(pr.body.includes(item), `missing "${item}" in:\n${pr.body}`);
    }
    assert.ok(!pr.body.includes("24+ hours"));
  });

  it("gives the last environment the production checklist and the manual sync", () => {
    const plan = planOf(planPromotion(states(), { from: "stage", to: "prod" }));
    const pr = prText(plan, { order, target: target("prod"), command: "c" });
    for (const item of [
      "## Review checklist (production)",
      "- [ ] Verify image tag matches stage",
      "- [ ] stage stable for 24h+ on `sha-5eed0a1b` (promotion:gate.soakTime)",
      "- [ ] All integration tests passed",
      "- [ ] Security scan (Trivy) results reviewed",
      "- [ ] Performance benchmarks acceptable",
      "- [ ] `npm run stack -- preview prod` shows only the tag change",
      "- [ ] Rollback plan: `npm run promote -- rollback --env prod --reason",
      "- [ ] Team notified in #dex-prod-deploys",
      "- [ ] Deployment scheduled inside the sync window (allow `0 9 * * 1-5` for 8h, Europe/Berlin)",
      "`argocd app sync dex-prod`",
    ]) {
      assert.ok(pr.body.includes(item), `missing "${item}" in:\n${pr.body}`);
    }
  });

  it("says stable on the tag, not 'for 0+', when the last environment has no soak time", () => {
    for (const soakTime of ["0", "0s", "0m"]) {
      const prod = structuredClone(target("prod"));
      prod.gate = { soakTime, soakSeconds: 0, requireHealthy: true };
      const plan = planOf(planPromotion(states(), { from: "stage", to: "prod" }));
      const pr = prText(plan, { order, target: prod, command: "c" });
      assert.ok(pr.body.includes("- [ ] stage stable on `sha-5eed0a1b`\n"), soakTime);
      assert.doesNotMatch(pr.body, /stable for 0/);
    }
  });

  it("names only commands that leave the stack files as committed", () => {
    const rollback = planOf(
      planRollback(states(), [version(2, TAGS.prod), version(1, "sha-aaaaaaa")], {
        env: "prod",
        reason: "login broken",
      }),
    );
    const hotfix = planOf(
      planHotfix(states(), { env: "prod", app: "dex", tag: "v1.4.1", reason: "CVE-2026-1" }),
    );
    const promotion = planOf(planPromotion(states(), { from: "dev", to: "stage" }));
    for (const plan of [rollback, hotfix, promotion]) {
      const { body } = prText(plan, { order, target: target(plan.env), command: "c" });
      // Plain `pulumi preview/up --stack X` writes an encryption salt into Pulumi.X.yaml.
      assert.doesNotMatch(body, /pulumi (preview|up)/, plan.kind);
      assert.ok(body.includes(`\`npm run stack -- preview ${plan.env}\``), plan.kind);
      assert.ok(body.includes(`\`npm run stack -- up ${plan.env}\``), plan.kind);
    }
  });

  it("states the reason and the follow-up of a rollback", () => {
    const plan = planOf(
      planRollback(states(), [version(2, TAGS.prod), version(1, "sha-aaaaaaa")], {
        env: "prod",
        reason: "login broken",
      }),
    );
    const pr = prText(plan, { order, target: target("prod"), command: "c" });
    assert.ok(pr.body.includes("**Reason:** login broken"));
    assert.ok(pr.body.includes("- [ ] dex: `sha-aaaaaaa` is what prod ran before `sha-5eed0c3d`"));
    assert.ok(pr.body.includes("the fix goes through dev -> stage -> prod"));
  });
});

describe("cli: planning a reviewed first deployment (initial)", () => {
  it("writes an initial bypass for the very tag each app pins, changing no tag", () => {
    const plan = planOf(planInitial(states(), { env: "prod", reason: "new prod cluster" }));
    assert.equal(plan.kind, "initial");
    assert.equal(plan.branch, `initial-prod-${TAGS.prod}`);
    assert.equal(plan.commitSubject, `chore: first deployment of prod at ${TAGS.prod}`);
    assert.deepEqual(plan.edits, [
      {
        app: "dex",
        tag: TAGS.prod,
        bypass: { kind: "initial", tag: TAGS.prod, reason: "new prod cluster" },
      },
    ]);
  });

  it("needs a reason, and has nothing to do for the first environment or a bypass already there", () => {
    assert.equal(refusalOf(planInitial(states(), { env: "prod" })), REASON_REQUIRED);
    assert.ok("nothingToDo" in planInitial(states(), { env: "dev", reason: "x" }));
    const bypass = { kind: "initial" as const, tag: TAGS.prod, reason: "x" };
    assert.ok(
      "nothingToDo" in planInitial(states(TAGS, { prod: bypass }), { env: "prod", reason: "x" }),
    );
  });
});
