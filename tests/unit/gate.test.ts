/**
 * The promotion gate's pure rules: lineage, escape hatches, first deployment, the canary chain,
 * upstream health and soak time.
 */
import { strict as assert } from "assert";
import { orderChain, type ChainLink } from "../../rules/chain";
import {
  decideGate,
  decideUpstreamHealth,
  digestEvidenceNeeded,
  formatDuration,
  parseDuration,
  runningSince,
  type ApplicationStatus,
  type GateInput,
  type HealthInput,
  type UpstreamTags,
} from "../../rules/gate";
import type { PromotionRecord } from "../../rules/record";
import type { Verdict } from "../../rules/verdict";

/** A verdict as one flat object, so a test can compare it whole. */
interface Flat {
  allowed: boolean;
  message?: string;
  checks?: string;
  [field: string]: unknown;
}
function flat<T extends object>(verdict: Verdict<T>): Flat {
  return verdict.allowed
    ? { allowed: true, ...verdict.value }
    : {
        allowed: false,
        message: verdict.refusals.map((r) => `${r.reason}; accepted: ${r.accepted}`).join("\n"),
      };
}

const record = (tag: string, kind: PromotionRecord["kind"] = "promotion"): PromotionRecord => ({
  tag,
  from: "stage",
  at: "2026-01-01T00:00:00.000Z",
  by: "octocat",
  kind,
});

/** prod runs sha-decade01 (after sha-11111111), stage runs sha-c0ffee01. */
function prodInput(overrides: Partial<GateInput> = {}): GateInput {
  return {
    environment: "prod",
    app: "dex",
    tag: "sha-c0ffee01",
    upstream: { environment: "stage", tags: { dex: "sha-c0ffee01" } },
    own: { tag: "sha-decade01", history: [record("sha-decade01"), record("sha-11111111")] },
    ...overrides,
  };
}

describe("the promotion gate", () => {
  it("lets an environment take the tag its upstream runs, checking the upstream's health", () => {
    assert.deepEqual(flat(decideGate(prodInput())), {
      allowed: true,
      kind: "promotion",
      from: "stage",
      checkUpstream: true,
    });
  });

  it("takes a tag only from the image repository the upstream runs it from", () => {
    const images = { dex: "ghcr.io/data-literate/dex" };
    const upstream = { environment: "stage", tags: { dex: "sha-c0ffee01" }, images };
    assert.equal(flat(decideGate(prodInput({ image: images.dex, upstream }))).allowed, true);
    assert.deepEqual(flat(decideGate(prodInput({ image: "ghcr.io/evil/dex", upstream }))), {
      allowed: false,
      message:
        "prod cannot take sha-c0ffee01 of ghcr.io/evil/dex: stage runs sha-c0ffee01 of ghcr.io/data-literate/dex; accepted: the very image stage runs (ghcr.io/data-literate/dex): a promotion takes the same build",
    });
  });

  it("treats the same tag of another image as a change, not as unchanged", () => {
    const own = {
      tag: "sha-decade01",
      image: "ghcr.io/data-literate/dex",
      history: [record("sha-decade01")],
    };
    const same = flat(decideGate(prodInput({ tag: "sha-decade01", image: own.image, own })));
    assert.ok(same.allowed && same.kind === "unchanged");
    const moved = flat(
      decideGate(prodInput({ tag: "sha-decade01", image: "ghcr.io/other/dex", own })),
    );
    assert.equal(moved.allowed, false);
  });

  it("refuses a tag the upstream does not run, explaining itself exactly", () => {
    const decision = flat(
      decideGate(prodInput({ upstream: { environment: "stage", tags: { dex: "sha-def67890" } } })),
    );
    assert.deepEqual(decision, {
      allowed: false,
      message:
        "prod cannot take sha-c0ffee01: stage runs sha-def67890; accepted: the tag stage runs (sha-def67890), or promote to stage first; a rollback or hotfix needs a bypass with a reason",
    });
  });

  it("refuses when the upstream has no record, or does not run the app", () => {
    assert.deepEqual(
      flat(decideGate(prodInput({ upstream: { environment: "stage", tags: "no record" } }))),
      {
        allowed: false,
        message:
          "prod cannot take sha-c0ffee01: stage has no record of what it runs (never deployed); accepted: a tag stage runs: deploy stage first (run 'npm run stack -- up stage' first)",
      },
    );
    assert.deepEqual(
      flat(decideGate(prodInput({ upstream: { environment: "stage", tags: {} } }))),
      {
        allowed: false,
        message:
          "prod cannot take sha-c0ffee01: stage does not run dex; accepted: a tag stage runs: promote dex to stage first",
      },
    );
  });

  it("says when the upstream's stack file pins the tag but its last up deployed another", () => {
    const upstream = {
      environment: "stage",
      tags: { dex: "sha-def67890" },
      pinned: { dex: "sha-c0ffee01" },
    };
    assert.deepEqual(flat(decideGate(prodInput({ upstream }))), {
      allowed: false,
      message:
        "prod cannot take sha-c0ffee01: stage's stack file pins sha-c0ffee01 but stage last deployed sha-def67890; accepted: a tag stage has deployed: run 'npm run stack -- up stage' first",
    });
  });

  it("always lets an environment keep the tag it runs, whatever upstream runs", () => {
    const cases: UpstreamTags[] = [{ dex: "sha-def67890" }, {}, "no record"];
    for (const tags of cases) {
      const decision = flat(
        decideGate(prodInput({ tag: "sha-decade01", upstream: { environment: "stage", tags } })),
      );
      assert.deepEqual(decision, {
        allowed: true,
        kind: "unchanged",
        from: "prod",
        checkUpstream: false,
      });
    }
    // Known from the records alone (an `apps` output missing) is enough.
    const fromHistory = flat(
      decideGate(prodInput({ tag: "sha-decade01", own: { history: [record("sha-decade01")] } })),
    );
    assert.equal(fromHistory.allowed && fromHistory.kind, "unchanged");
  });

  describe("rollback", () => {
    const rollback = (tag: string) => ({
      kind: "rollback" as const,
      tag,
      reason: "sha-decade01 leaks memory",
    });

    it("returns to a tag the environment ran before, without asking upstream", () => {
      const decision = flat(
        decideGate(
          prodInput({
            tag: "sha-11111111",
            upstream: { environment: "stage", tags: { dex: "sha-c0ffee01" } },
            bypass: rollback("sha-11111111"),
          }),
        ),
      );
      assert.deepEqual(decision, {
        allowed: true,
        kind: "rollback",
        from: "prod",
        reason: "sha-decade01 leaks memory",
        checkUpstream: false,
      });
    });

    it("refuses a tag the environment never ran", () => {
      const decision = flat(
        decideGate(prodInput({ tag: "sha-22222222", bypass: rollback("sha-22222222") })),
      );
      assert.deepEqual(decision, {
        allowed: false,
        message:
          "prod cannot roll back to sha-22222222: prod never ran it (its record lists sha-decade01, sha-11111111); accepted: a tag prod ran before for a rollback (sha-decade01, sha-11111111); any other tag is a hotfix (bypass.kind: hotfix)",
      });
      const noHistory = flat(
        decideGate(
          prodInput({
            tag: "sha-11111111",
            own: { tag: "sha-decade01", history: [] },
            bypass: rollback("sha-11111111"),
          }),
        ),
      );
      assert.equal(noHistory.allowed, false);
      assert.match(!noHistory.allowed ? String(noHistory.message) : "", /it has no record/);
    });
  });

  describe("hotfix", () => {
    it("takes any tag with a reason", () => {
      const decision = flat(
        decideGate(
          prodInput({
            tag: "sha-99999999",
            upstream: { environment: "stage", tags: "no record" },
            bypass: { kind: "hotfix", tag: "sha-99999999", reason: "CVE-2026-0001" },
          }),
        ),
      );
      assert.deepEqual(decision, {
        allowed: true,
        kind: "hotfix",
        from: "prod",
        reason: "CVE-2026-0001",
        checkUpstream: false,
      });
    });

    it("needs a reason", () => {
      for (const kind of ["hotfix", "rollback"] as const) {
        const decision = flat(
          decideGate(
            prodInput({ tag: "sha-11111111", bypass: { kind, tag: "sha-11111111", reason: "  " } }),
          ),
        );
        assert.deepEqual(decision, {
          allowed: false,
          message: `prod cannot take sha-11111111 as a ${kind} without a reason; accepted: a reason in promotion:apps.dex.bypass.reason`,
        });
      }
    });
  });

  describe("first deployment", () => {
    it("of a stack without any record is gated like a promotion: a tag its upstream does not run is refused", () => {
      // The attack of issue #20: a new stack (or one whose state was lost) took any tag as initial.
      const decision = flat(
        decideGate(
          prodInput({
            tag: "sha-0badc0de",
            own: "no record",
            upstream: { environment: "stage", tags: { dex: "sha-c0ffee01" } },
          }),
        ),
      );
      assert.deepEqual(decision, {
        allowed: false,
        message:
          "prod cannot take sha-0badc0de: stage runs sha-c0ffee01 (first deployment of prod: it has no record, so its tags are checked against stage); accepted: the tag stage runs (sha-c0ffee01), or promote to stage first; a rollback or hotfix needs a bypass with a reason; or, for a reviewed first deployment of another tag, promotion:apps.dex.bypass: { kind: initial, tag: sha-0badc0de, reason: <why> } ('npm run promote -- initial --env prod --reason <why>')",
      });
    });

    it("of a stack without any record takes the tag its upstream runs, checking the upstream's health", () => {
      const decision = flat(decideGate(prodInput({ own: "no record" })));
      assert.deepEqual(decision, {
        allowed: true,
        kind: "promotion",
        from: "stage",
        reason: "first deployment of prod",
        checkUpstream: true,
      });
    });

    it("of another tag needs a reviewed initial bypass for that very tag, recorded", () => {
      const bypass = { kind: "initial" as const, tag: "sha-0badc0de", reason: "prod moves" };
      assert.deepEqual(
        flat(decideGate(prodInput({ tag: "sha-0badc0de", own: "no record", bypass }))),
        {
          allowed: true,
          kind: "initial",
          from: "prod",
          reason: "prod moves",
          checkUpstream: false,
        },
      );
      // Once deployed, an initial bypass covers nothing: the stack has a record now.
      const again = flat(decideGate(prodInput({ tag: "sha-0badc0de", bypass })));
      assert.equal(again.allowed, false);
      assert.match(String(again.message), /has been deployed before/);
      // A rollback needs a record to return to.
      const rollback = flat(
        decideGate(
          prodInput({
            tag: "sha-0badc0de",
            own: "no record",
            bypass: { ...bypass, kind: "rollback" },
          }),
        ),
      );
      assert.equal(rollback.allowed, false);
    });

    it("refuses on a fresh backend until the upstream is deployed; the first environment starts it", () => {
      for (const [environment, upstream] of [["dev"], ["stage", "dev"], ["prod", "stage"]]) {
        const decision = flat(
          decideGate({
            environment,
            app: "dex",
            tag: "sha-decade01",
            upstream: upstream ? { environment: upstream, tags: "no record" } : undefined,
            own: "no record",
          }),
        );
        if (upstream) assert.equal(decision.allowed, false, environment);
        else assert.equal(decision.allowed && decision.kind, "initial", environment);
      }
    });

    it("of an app newly added to a deployed environment goes through the gate", () => {
      const newApp = { tag: "v1.0.0", own: { history: [] }, app: "api" };
      assert.deepEqual(flat(decideGate(prodInput(newApp))), {
        allowed: false,
        message:
          "prod cannot take v1.0.0: stage does not run api; accepted: a tag stage runs: promote api to stage first",
      });
      const decision = flat(
        decideGate(
          prodInput({ ...newApp, upstream: { environment: "stage", tags: { api: "v1.0.0" } } }),
        ),
      );
      assert.equal(decision.allowed && decision.kind, "promotion");
    });

    it("the first environment takes new CI builds as promotions from ci", () => {
      const decision = flat(
        decideGate({
          environment: "dev",
          app: "dex",
          tag: "sha-c0ffee01",
          own: { tag: "sha-decade01", history: [] },
        }),
      );
      assert.deepEqual(decision, {
        allowed: true,
        kind: "promotion",
        from: "ci",
        checkUpstream: false,
      });
    });
  });

  describe("with a canary between stage and prod", () => {
    const links: ChainLink[] = [
      { environment: "prod", upstream: "canary" },
      { environment: "dev" },
      { environment: "canary", upstream: "stage" },
      { environment: "stage", upstream: "dev" },
    ];
    /** What each environment runs: stage got a new build that canary does not run yet. */
    const runs: Readonly<Record<string, string>> = {
      dev: "sha-c0ffee01",
      stage: "sha-c0ffee01",
      canary: "sha-decade01",
      prod: "sha-decade01",
    };
    const upstreamOf = (env: string) => links.find((l) => l.environment === env)?.upstream;
    /** `env` taking `tag` while the environments run `running` (each test its own, none shared). */
    const take = (env: string, tag: string, running: Readonly<Record<string, string>> = runs) => {
      const upstream = upstreamOf(env);
      return flat(
        decideGate({
          environment: env,
          app: "dex",
          tag,
          upstream: upstream
            ? { environment: upstream, tags: { dex: running[upstream] } }
            : undefined,
          own: { tag: running[env], history: [record(running[env])] },
        }),
      );
    };

    it("orders the chain dev -> stage -> canary -> prod", () => {
      assert.deepEqual(orderChain(links), ["dev", "stage", "canary", "prod"]);
    });

    it("canary takes what stage runs", () => {
      const decision = take("canary", "sha-c0ffee01");
      assert.equal(decision.allowed && decision.from, "stage");
    });

    it("prod cannot skip canary", () => {
      assert.deepEqual(take("prod", "sha-c0ffee01"), {
        allowed: false,
        message:
          "prod cannot take sha-c0ffee01: canary runs sha-decade01; accepted: the tag canary runs (sha-decade01), or promote to canary first; a rollback or hotfix needs a bypass with a reason",
      });
    });

    it("prod takes it once canary runs it", () => {
      const decision = take("prod", "sha-c0ffee01", { ...runs, canary: "sha-c0ffee01" });
      assert.equal(decision.allowed && decision.from, "canary");
    });
  });
});

describe("durations", () => {
  it("parses soak times", () => {
    assert.equal(parseDuration("24h"), 86400);
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("2d"), 172800);
    assert.equal(parseDuration("90s"), 90);
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration("0"), 0);
    for (const bad of ["", "24", "1.5h", "h", "24 h", 5, "-1h", null]) {
      assert.equal(parseDuration(bad), undefined, String(bad));
    }
  });

  it("formats them", () => {
    assert.equal(formatDuration(86400), "24h");
    assert.equal(formatDuration(3 * 3600 + 5 * 60 + 9), "3h05m");
    assert.equal(formatDuration(45 * 60), "45m");
    assert.equal(formatDuration(30), "30s");
  });
});

describe("upstream health and soak time", () => {
  const image = "ghcr.io/data-literate/dex:sha-c0ffee01";
  const now = new Date("2026-03-10T12:00:00Z");
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000).toISOString();

  const historyEntry = (id: number, deployedAt: string, images: string[]) => ({
    id,
    deployedAt,
    revision: "main",
    source: { repoURL: "https://github.com/data-literate/dex.git", kustomize: { images } },
  });

  function status(overrides: Partial<ApplicationStatus> = {}): ApplicationStatus {
    return {
      sync: { status: "Synced", revision: "0123abcd" },
      health: { status: "Healthy" },
      summary: { images: [image] },
      history: [
        historyEntry(1, hoursAgo(100), ["ghcr.io/data-literate/dex:sha-decade01"]),
        historyEntry(2, hoursAgo(30), [image]),
        historyEntry(3, hoursAgo(3), [image]),
      ],
      ...overrides,
    };
  }

  function input(overrides: Partial<HealthInput> = {}): HealthInput {
    return {
      environment: "prod",
      app: "dex",
      upstream: "stage",
      tag: "sha-c0ffee01",
      imageRef: image,
      settings: { soakSeconds: 24 * 3600, requireHealthy: true },
      application: { readable: true, name: "dex-stage", status: status() },
      now,
      ...overrides,
    };
  }

  it("passes when the upstream is Synced and Healthy on the tag for the soak time", () => {
    assert.deepEqual(flat(decideUpstreamHealth(input())), {
      allowed: true,
      checked: true,
      checks: `stage Synced and Healthy on sha-c0ffee01, running it since ${hoursAgo(30)} (30h, soak time 24h)`,
    });
  });

  it("measures the soak time from the oldest deployment in the unbroken run of the tag", () => {
    assert.equal(runningSince(status(), image), hoursAgo(30));
    const interrupted = status({
      history: [
        historyEntry(1, hoursAgo(50), [image]),
        historyEntry(2, hoursAgo(40), ["ghcr.io/data-literate/dex:sha-decade01"]),
        historyEntry(3, hoursAgo(2), [image]),
      ],
    });
    assert.equal(runningSince(interrupted, image), hoursAgo(2));
  });

  it("reports unknown health when Argo CD has not compared the Application against its spec (controller down)", () => {
    const older = "ghcr.io/data-literate/dex:sha-decade01";
    const stale = status({
      sync: {
        status: "Synced",
        comparedTo: { source: { repoURL: "r", kustomize: { images: [older] } }, destination: {} },
      },
    });
    const outcome = flat(
      decideUpstreamHealth(
        input({
          application: { readable: true, name: "dex-stage", status: stale, desiredImages: [image] },
        }),
      ),
    );
    assert.equal(outcome.allowed, false);
    assert.match(
      String(outcome.message),
      /stage's Application dex-stage's health is unknown: Argo CD last compared it against ghcr.io\/data-literate\/dex:sha-decade01, but its spec asks for ghcr.io\/data-literate\/dex:sha-c0ffee01 \(the application-controller has not reconciled it since; is it running\?\)/,
    );
    assert.match(
      String(outcome.message),
      /; accepted: the same tag once Argo CD has reconciled dex-stage$/,
    );
  });

  it("checks health as usual when Argo CD compared the Application against its current spec", () => {
    const current = status({
      sync: {
        status: "Synced",
        comparedTo: { source: { repoURL: "r", kustomize: { images: [image] } }, destination: {} },
      },
    });
    const outcome = flat(
      decideUpstreamHealth(
        input({
          application: {
            readable: true,
            name: "dex-stage",
            status: current,
            desiredImages: [image],
          },
        }),
      ),
    );
    assert.equal(outcome.allowed, true);
  });

  it("refuses before the soak time, saying when it may promote", () => {
    const outcome = flat(
      decideUpstreamHealth(
        input({
          application: {
            readable: true,
            name: "dex-stage",
            status: status({ history: [historyEntry(7, hoursAgo(3), [image])] }),
          },
        }),
      ),
    );
    assert.deepEqual(outcome, {
      allowed: false,
      message: `prod cannot take sha-c0ffee01 yet: stage has run it for 3h of the 24h soak time (since ${hoursAgo(3)}); accepted: the same tag after ${hoursAgo(-21)}`,
    });
  });

  it("refuses an upstream that is not Synced and Healthy", () => {
    const outcome = flat(
      decideUpstreamHealth(
        input({
          application: {
            readable: true,
            name: "dex-stage",
            status: status({ sync: { status: "OutOfSync" }, health: { status: "Degraded" } }),
          },
        }),
      ),
    );
    assert.deepEqual(outcome, {
      allowed: false,
      message:
        "prod cannot take sha-c0ffee01 yet: stage's Application dex-stage is OutOfSync and Degraded; accepted: the same tag once stage is Synced and Healthy on it",
    });
  });

  it("names a Degraded upstream as the cause, and what its pods still run", () => {
    const outcome = flat(
      decideUpstreamHealth(
        input({
          application: {
            readable: true,
            name: "dex-stage",
            status: status({
              health: { status: "Degraded" },
              summary: { images: ["ghcr.io/data-literate/dex:sha-decade01"] },
            }),
          },
        }),
      ),
    );
    assert.equal(outcome.allowed, false);
    assert.match(
      !outcome.allowed ? String(outcome.message) : "",
      /stage's Application dex-stage is Synced and Degraded \(it runs ghcr.io\/data-literate\/dex:sha-decade01, not ghcr.io\/data-literate\/dex:sha-c0ffee01\); accepted: the same tag once stage is Synced and Healthy on it/,
    );
  });

  it("refuses an upstream that does not run the image yet", () => {
    const outcome = flat(
      decideUpstreamHealth(
        input({
          application: {
            readable: true,
            name: "dex-stage",
            status: status({ summary: { images: ["ghcr.io/data-literate/dex:sha-decade01"] } }),
          },
        }),
      ),
    );
    assert.equal(outcome.allowed, false);
    assert.match(
      !outcome.allowed ? String(outcome.message) : "",
      /runs ghcr.io\/data-literate\/dex:sha-decade01, not ghcr.io\/data-literate\/dex:sha-c0ffee01/,
    );
  });

  it("refuses an Application without status, and a soak time it cannot measure", () => {
    const noStatus = flat(
      decideUpstreamHealth(input({ application: { readable: true, name: "dex-stage" } })),
    );
    assert.match(!noStatus.allowed ? String(noStatus.message) : "", /has no status/);
    const noHistory = flat(
      decideUpstreamHealth(
        input({
          application: { readable: true, name: "dex-stage", status: status({ history: [] }) },
        }),
      ),
    );
    assert.match(
      !noHistory.allowed ? String(noHistory.message) : "",
      /soak time cannot be checked/,
    );
  });

  it("checks only health with soakTime 0, only the soak time with requireHealthy false", () => {
    const healthOnly = flat(
      decideUpstreamHealth(
        input({
          settings: { soakSeconds: 0, requireHealthy: true },
          application: {
            readable: true,
            name: "dex-stage",
            status: status({ history: [historyEntry(1, hoursAgo(0.1), [image])] }),
          },
        }),
      ),
    );
    assert.deepEqual(healthOnly, {
      allowed: true,
      checked: true,
      checks: "stage Synced and Healthy on sha-c0ffee01",
    });
    const soakOnly = flat(
      decideUpstreamHealth(
        input({
          settings: { soakSeconds: 3600, requireHealthy: false },
          application: {
            readable: true,
            name: "dex-stage",
            status: status({ health: { status: "Degraded" } }),
          },
        }),
      ),
    );
    assert.equal(soakOnly.allowed, true);
  });

  it("refuses (fails closed) when the upstream cannot be read, unless the stack file accepts it on record", () => {
    const why = "stage's kubeconfig is a secret value";
    assert.deepEqual(flat(decideUpstreamHealth(input({ application: { readable: false, why } }))), {
      allowed: false,
      message: `prod cannot take sha-c0ffee01: promotion:gate asks that stage run it Synced and Healthy for 24h, and stage's live state cannot be read: ${why}; accepted: the same tag once stage's live state can be read from here (a plain or exec-plugin kubeconfig in stage's stack file, not a secret one; stage deployed to a cluster); or promotion:gate.unreadableUpstream: <why prod accepts promotions it cannot check> in prod's stack file, recorded with every such promotion`,
    });
    const settings = { soakSeconds: 86400, requireHealthy: true, unreadableUpstream: "EKS SSO" };
    assert.deepEqual(
      flat(decideUpstreamHealth(input({ settings, application: { readable: false, why } }))),
      {
        allowed: true,
        checked: false,
        checks: `not checked: ${why}; accepted by promotion:gate.unreadableUpstream: EKS SSO`,
      },
    );
    const off = flat(
      decideUpstreamHealth(input({ settings: { soakSeconds: 0, requireHealthy: false } })),
    );
    assert.match(
      off.allowed ? String(off.checks) : "",
      /^not checked: promotion:gate turns health and soak time off/,
    );
  });
});

describe("the promotion gate and digests", () => {
  const D1 = `sha256:${"1".repeat(64)}`;
  const D2 = `sha256:${"2".repeat(64)}`;
  /** prod runs sha-decade01 without a digest; stage runs sha-decade01 too. */
  const pinInput = (overrides: Partial<GateInput> = {}): GateInput =>
    prodInput({
      tag: "sha-decade01",
      digest: D2,
      upstream: { environment: "stage", tags: { dex: "sha-decade01" } },
      ...overrides,
    });

  it("treats a digest newly pinned under an unchanged tag as a change that something must vouch for", () => {
    // The attack of issue #20: `digest: sha256:<anything>` under the tag prod runs was "unchanged".
    const unvouched = flat(decideGate(pinInput()));
    assert.equal(unvouched.allowed, false);
    assert.match(String(unvouched.message), /the registry cannot confirm it is the tag's digest/);
  });

  it("takes a pinned digest equal to the one the upstream runs the tag as, recorded as a pin", () => {
    const upstream = {
      environment: "stage",
      tags: { dex: "sha-decade01" },
      digests: { dex: D2 },
    };
    assert.deepEqual(flat(decideGate(pinInput({ upstream }))), {
      allowed: true,
      kind: "pin",
      from: "stage",
      reason: `digest ${D2} pinned for sha-decade01`,
      checkUpstream: false,
    });
    const other = flat(decideGate(pinInput({ upstream: { ...upstream, digests: { dex: D1 } } })));
    assert.equal(other.allowed, false);
    assert.match(String(other.message), /stage runs sha-decade01 as sha256:1111111/);
  });

  it("takes the digest the upstream ran the tag as, from its records", () => {
    const history = [{ ...record("sha-decade01"), digest: D2 }];
    const upstream = { environment: "stage", tags: { dex: "sha-c0ffee01" }, history };
    assert.equal(flat(decideGate(pinInput({ upstream }))).kind, "pin");
  });

  it("asks the registry when no record vouches, and fails closed when it cannot answer", () => {
    assert.equal(digestEvidenceNeeded(pinInput()), true);
    assert.equal(flat(decideGate(pinInput({ registry: { digest: D2 } }))).kind, "pin");
    const wrong = flat(decideGate(pinInput({ registry: { digest: D1 } })));
    assert.match(String(wrong.message), /the registry has sha-decade01 as sha256:1111111/);
    const down = flat(decideGate(pinInput({ registry: { unreadable: "connection refused" } })));
    assert.equal(down.allowed, false);
    assert.match(String(down.message), /connection refused/);
  });

  it("checks a promotion's digest against the registry when the upstream recorded none", () => {
    const input = prodInput({ digest: D1 });
    assert.equal(digestEvidenceNeeded(input), true);
    assert.equal(flat(decideGate(input)).allowed, false);
    assert.equal(flat(decideGate({ ...input, registry: { digest: D1 } })).kind, "promotion");
  });

  it("keeps an unchanged digest unchanged, with no registry read", () => {
    const own = { tag: "sha-decade01", digest: D2, history: [record("sha-decade01")] };
    const input = pinInput({ own });
    assert.equal(digestEvidenceNeeded(input), false);
    assert.equal(flat(decideGate(input)).kind, "unchanged");
  });

  it("rolls back only to the bytes the environment ran", () => {
    const history = [record("sha-c0ffee01"), { ...record("sha-11111111"), digest: D1 }];
    const bypass = { kind: "rollback" as const, tag: "sha-11111111", reason: "broken" };
    const own = { tag: "sha-c0ffee01", history };
    const back = prodInput({ tag: "sha-11111111", digest: D1, own, bypass });
    assert.equal(flat(decideGate(back)).kind, "rollback");
    const forged = flat(decideGate({ ...back, digest: D2 }));
    assert.equal(forged.allowed, false);
    assert.match(String(forged.message), /prod ran sha-11111111 as sha256:1111111/);
  });
});

describe("the promotion gate and stale bypasses", () => {
  it("refuses a bypass written for another tag: a stale hotfix lets nothing through", () => {
    // The attack of issue #20: a hotfix bypass for H stayed in the file; a later edit to Z was
    // recorded as that hotfix.
    const bypass = { kind: "hotfix" as const, tag: "v20260101-abc1234", reason: "CVE" };
    const decision = flat(decideGate(prodInput({ tag: "sha-0badc0de", bypass })));
    assert.deepEqual(decision, {
      allowed: false,
      message:
        "the hotfix bypass of dex was written for v20260101-abc1234, not for sha-0badc0de; accepted: remove promotion:apps.dex.bypass (the next promotion's edit does), or write a bypass for sha-0badc0de with its own reason",
    });
    // Kept for the tag it was written for, it still covers that tag.
    const kept = flat(
      decideGate(prodInput({ tag: "v20260101-abc1234", bypass, own: { history: [] } })),
    );
    assert.equal(kept.kind, "hotfix");
  });
});
