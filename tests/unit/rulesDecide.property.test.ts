/**
 * Laws of the gate's verdict on promotion rules (rules/evidence/decide.ts), for any table of rule
 * results: a promotion passes exactly when no rule fails or a reason overrides; a refusal names
 * every failed rule and nothing else; the record counts every rule once.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { decideRules, overriddenRules } from "../../rules/evidence/decide";
import type { RuleResult } from "../../rules/evidence/evaluate";

const result: fc.Arbitrary<RuleResult> = fc.record({
  rule: fc.stringMatching(/^[a-z][a-z ]{0,14}[a-z]$/),
  measured: fc.oneof(fc.constant("unavailable"), fc.stringMatching(/^\d{1,3}(\.\d{1,3})?%$/)),
  threshold: fc.stringMatching(/^[≥≤<] \d{1,3}%$/),
  verdict: fc.constantFrom("pass", "fail", "review" as const),
  source: fc.stringMatching(/^[a-z/.]{1,20}$/),
});
const results = fc.uniqueArray(result, { selector: (r) => r.rule, maxLength: 12 });
const reason = fc.option(fc.string({ maxLength: 30 }), { nil: undefined });

const input = (rs: RuleResult[], override?: string) => ({
  environment: "prod",
  app: "dex",
  tag: "sha-5eed0a1b",
  from: "stage",
  results: rs,
  override,
});

describe("rules/evidence/decide: laws", () => {
  it("allows exactly when no rule fails, or a non-blank reason overrides", () => {
    fc.assert(
      fc.property(results, reason, (rs, override) => {
        const failed = rs.some((r) => r.verdict === "fail");
        const overridden = override !== undefined && override.trim() !== "";
        assert.equal(decideRules(input(rs, override)).allowed, !failed || overridden);
      }),
    );
  });

  it("a refusal names every failed rule and no passing one, on the tag's key", () => {
    fc.assert(
      fc.property(results, (rs) => {
        const verdict = decideRules(input(rs));
        if (verdict.allowed) return;
        const [refusal] = verdict.refusals;
        assert.equal(refusal.key, "promotion:apps.dex.tag");
        assert.equal(refusal.value, "sha-5eed0a1b");
        const named = (refusal.reason ?? "").split(": ").slice(2).join(": ");
        for (const r of rs) {
          const mention = `${r.rule} ${r.measured} (needs ${r.threshold}; ${r.source})`;
          assert.equal(named.includes(mention), r.verdict === "fail", mention);
        }
      }),
    );
  });

  it("records every rule once: passed, failed and at review add up to the table", () => {
    fc.assert(
      fc.property(
        results,
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ""),
        (rs, override) => {
          const verdict = decideRules(input(rs, override));
          assert.ok(verdict.allowed);
          const counts = [...verdict.value.checks.matchAll(/(\d+) (passed|failed|at review)/g)];
          assert.equal(
            counts.reduce((sum, m) => sum + Number(m[1]), 0),
            rs.length,
          );
          const failed = rs.some((r) => r.verdict === "fail");
          assert.equal(verdict.value.reason !== undefined, failed);
          if (failed)
            assert.equal(verdict.value.reason, `promotion rules overridden: ${override.trim()}`);
          // What the metrics read back from the record is exactly the failed rules.
          assert.deepEqual(
            overriddenRules(`not checked: renders; ${verdict.value.checks}`),
            rs.filter((r) => r.verdict === "fail").map((r) => r.rule),
          );
        },
      ),
    );
  });
});
