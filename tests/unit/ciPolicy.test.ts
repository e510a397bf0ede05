/**
 * rules/ci/policy.ts: policy results from the engine's event log. No policy pack is wired in this
 * project, so no real violation can be captured: the events below have the shape of pulumi's
 * apitype.PolicyEvent and PolicyAnalyzeSummaryEvent (sdk/go/common/apitype/events.go, 3.248.0).
 */
import { strict as assert } from "assert";
import { policiesText } from "../../rules/ci/comment";
import { mandatory, policyReport } from "../../rules/ci/policy";

const URN =
  "urn:pulumi:stage::promotion::gitops:index:Environment$kubernetes:core/v1:Namespace::stage-ns";

const line = (event: object) => JSON.stringify({ sequence: 1, timestamp: 1, ...event });

describe("ci: policy results", () => {
  it("no event log, or one without policy events: no pack ran", () => {
    assert.equal(policyReport(undefined).ran, false);
    const report = policyReport(
      [
        line({ preludeEvent: { config: {} } }),
        line({ summaryEvent: { durationSeconds: 1 } }),
        "not json",
      ].join("\n"),
    );
    assert.deepEqual(report, { ran: false, packs: [], passed: 0, violations: [] });
    assert.equal(policiesText(report), "**Policies**: no policy pack ran.");
  });

  it("reads violations, their level and resource, and counts the policies that passed", () => {
    const log = [
      line({ policyLoadEvent: {} }),
      line({
        policyEvent: {
          resourceUrn: URN,
          message: "<{%reset%}>namespaces need a cost-center label<{%reset%}>\n",
          color: "raw",
          policyName: "cost-center-label",
          policyPackName: "promotion-policies",
          policyPackVersion: "0.1.0",
          policyPackVersionTag: "0.1.0",
          enforcementLevel: "mandatory",
        },
      }),
      line({
        policyAnalyzeSummaryEvent: {
          resourceUrn: URN,
          policyPackName: "promotion-policies",
          policyPackVersion: "0.1.0",
          policyPackVersionTag: "0.1.0",
          passed: ["no-latest-tag", "argo-project-scoped"],
          failed: ["cost-center-label"],
        },
      }),
    ].join("\n");
    const report = policyReport(log);
    assert.equal(report.ran, true);
    assert.deepEqual(report.packs, ["promotion-policies@0.1.0"]);
    assert.equal(report.passed, 2);
    assert.deepEqual(mandatory(report), [
      {
        pack: "promotion-policies@0.1.0",
        policy: "cost-center-label",
        level: "mandatory",
        message: "namespaces need a cost-center label",
        resource: "stage-ns",
      },
    ]);
    assert.match(policiesText(report), /1 violation, 2 policies passed/);
    assert.match(
      policiesText(report),
      /❌ mandatory `cost-center-label` on `stage-ns`: namespaces need a cost-center label/,
    );
  });
});
