/**
 * The lineage gate compares digests as well as tags (issue #14): a tag whose digest differs from
 * what the upstream runs was re-pushed, and is refused; stack files without digests keep working.
 */
import { strict as assert } from "assert";
import { decideGate, type GateInput } from "../../rules/gate";
import type { PromotionRecord } from "../../rules/record";

const D41 = `sha256:41${"0".repeat(62)}`;
const D9F = `sha256:9f${"1".repeat(62)}`;
const DAA = `sha256:aa${"2".repeat(62)}`;

const record = (tag: string): PromotionRecord => ({
  tag,
  from: "stage",
  at: "2026-01-01T00:00:00.000Z",
  by: "octocat",
  kind: "promotion",
});

function input(overrides: Partial<GateInput> = {}): GateInput {
  return {
    environment: "prod",
    app: "dex",
    tag: "sha-7e57a0b1",
    digest: D9F,
    upstream: { environment: "stage", tags: { dex: "sha-7e57a0b1" }, digests: { dex: D41 } },
    own: { tag: "sha-7e57a0c2", digest: DAA, history: [record("sha-7e57a0c2")] },
    ...overrides,
  };
}

function message(decision: ReturnType<typeof decideGate>): string {
  assert.equal(decision.allowed, false);
  if (decision.allowed) return "";
  return decision.refusals
    .map((r) => `${r.key} = ${String(r.value)}: ${r.reason}; accepted: ${r.accepted}`)
    .join("\n");
}

describe("the promotion gate with digests", () => {
  it("refuses a tag whose digest differs from what the upstream runs: it was re-pushed", () => {
    assert.equal(
      message(decideGate(input())),
      `promotion:apps.dex.tag = sha-7e57a0b1: prod cannot take sha-7e57a0b1@sha256:9f1111111111…: stage runs it as sha256:410000000000…; the tag was re-pushed; accepted: the artifact stage runs (sha-7e57a0b1@${D41}): a promotion takes the same artifact; pin that digest (npm run promote -- promote --from stage --to prod), or ship the new build through stage first`,
    );
  });

  it("lets the same tag and digest through as a promotion", () => {
    const decision = decideGate(input({ digest: D41 }));
    assert.deepEqual(decision, {
      allowed: true,
      value: { kind: "promotion", from: "stage", checkUpstream: true },
    });
  });

  it("keeps working without digests on either side (older stack files and outputs)", () => {
    for (const overrides of [
      { digest: undefined },
      // The upstream's outputs carry no digest: the registry vouches for the pinned one.
      {
        upstream: { environment: "stage", tags: { dex: "sha-7e57a0b1" } },
        registry: { digest: D9F },
      },
    ] satisfies Partial<GateInput>[]) {
      assert.equal(decideGate(input(overrides)).allowed, true);
    }
  });

  it("takes a digest newly pinned for the tag the environment runs only as the registry's (pin-digests)", () => {
    const pin = input({
      tag: "sha-7e57a0c2",
      digest: DAA,
      own: { tag: "sha-7e57a0c2", history: [] },
    });
    // Issue #20: this was "unchanged", whatever the digest; now something must vouch for it.
    assert.match(message(decideGate(pin)), /the registry cannot confirm it is the tag's digest/);
    assert.deepEqual(decideGate({ ...pin, registry: { digest: DAA } }), {
      allowed: true,
      value: {
        kind: "pin",
        from: "prod",
        reason: `digest ${DAA} pinned for sha-7e57a0c2`,
        checkUpstream: false,
      },
    });
    assert.match(
      message(decideGate({ ...pin, registry: { digest: D41 } })),
      /the registry has sha-7e57a0c2 as/,
    );
  });

  it("takes the same tag as another artifact through the gate, not as unchanged", () => {
    // prod runs sha-7e57a0b1 as DAA; its stack file now pins D9F, and stage runs it as D41.
    const own = { tag: "sha-7e57a0b1", digest: DAA, history: [record("sha-7e57a0b1")] };
    assert.match(message(decideGate(input({ own }))), /the tag was re-pushed/);
    assert.equal(decideGate(input({ own, digest: D41 })).allowed, true);
  });

  it("lets the first environment take a new digest of its tag only as the registry has it", () => {
    const dev = input({
      environment: "dev",
      upstream: undefined,
      own: { tag: "sha-7e57a0b1", digest: DAA, history: [record("sha-7e57a0b1")] },
    });
    assert.equal(decideGate(dev).allowed, false);
    assert.deepEqual(decideGate({ ...dev, registry: { digest: D9F } }), {
      allowed: true,
      value: {
        kind: "pin",
        from: "dev",
        reason: `digest ${D9F} pinned for sha-7e57a0b1`,
        checkUpstream: false,
      },
    });
  });
});
