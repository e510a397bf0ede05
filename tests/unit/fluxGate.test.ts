/**
 * The gate's upstream health and soak time when the upstream runs on Flux (rules/fluxHealth.ts):
 * its Kustomization or HelmRelease, as the API server returns it, decides; every refusal names the
 * stack, the key, the tag and when it would pass.
 */
import { strict as assert } from "assert";
import { decideFluxUpstreamHealth, type FluxObject } from "../../rules/fluxHealth";
import type { HealthOutcome } from "../../rules/gate";

const NOW = new Date("2026-12-01T12:00:00Z");
const TAG = "sha-003a1b2c";
const IMAGE = "ghcr.io/example-org/myapp";

function kustomization(edit: (o: FluxObject) => void = () => undefined): FluxObject {
  const object: FluxObject = {
    metadata: { generation: 4 },
    spec: { images: [{ name: IMAGE, newTag: TAG }] },
    status: {
      observedGeneration: 4,
      lastAppliedRevision: "dev@sha1:0123abcd",
      conditions: [{ type: "Ready", status: "True", reason: "ReconciliationSucceeded" }],
      history: [
        {
          digest: "sha256:new",
          firstReconciled: "2026-12-01T09:00:00Z",
          lastReconciled: "2026-12-01T11:59:00Z",
          lastReconciledStatus: "ReconciliationSucceeded",
          totalReconciliations: 180,
        },
        {
          digest: "sha256:old",
          firstReconciled: "2026-11-30T09:00:00Z",
          lastReconciled: "2026-12-01T08:59:00Z",
          lastReconciledStatus: "ReconciliationSucceeded",
          totalReconciliations: 1440,
        },
      ],
    },
  };
  edit(object);
  return object;
}

const decide = (
  object: FluxObject | undefined,
  settings = { requireHealthy: true, soakSeconds: 2 * 3600 },
  kind: "Kustomization" | "HelmRelease" = "Kustomization",
  helm?: { tagPath: string; imagePath?: string },
): HealthOutcome =>
  decideFluxUpstreamHealth({
    environment: "staging",
    app: "myapp",
    upstream: "dev",
    tag: TAG,
    image: IMAGE,
    ...(helm ? { helm } : {}),
    settings,
    object: { readable: true, kind, name: "myapp-dev", ...(object ? { object } : {}) },
    now: NOW,
  });

function refusal(outcome: HealthOutcome): { reason: string; accepted: string } {
  assert.equal(outcome.allowed, false, JSON.stringify(outcome));
  if (outcome.allowed) throw new Error("unreachable");
  const [r] = outcome.refusals;
  assert.equal(r.stack, "staging");
  assert.equal(r.key, "promotion:apps.myapp.tag");
  assert.equal(r.value, TAG);
  return { reason: r.reason ?? "", accepted: r.accepted };
}

describe("gate on a Flux upstream (Kustomization, HelmRelease)", () => {
  it("passes a Ready Kustomization on the tag that has soaked, recording revision and since", () => {
    const outcome = decide(kustomization());
    assert.deepEqual(outcome, {
      allowed: true,
      value: {
        checked: true,
        checks:
          "dev Ready on sha-003a1b2c (revision dev@sha1:0123abcd), running it since 2026-12-01T09:00:00Z (3h, soak time 2h)",
      },
    });
  });

  it("refuses before the soak time, naming when it passes", () => {
    const r = refusal(decide(kustomization(), { requireHealthy: true, soakSeconds: 4 * 3600 }));
    assert.match(
      r.reason,
      /dev has run it for 3h of the 4h soak time \(since 2026-12-01T09:00:00Z\)/,
    );
    assert.equal(r.accepted, "the same tag after 2026-12-01T13:00:00.000Z");
  });

  it("refuses a Kustomization that is not Ready, with Flux's reason and message", () => {
    const r = refusal(
      decide(
        kustomization((o) => {
          o.status!.conditions = [
            {
              type: "Ready",
              status: "False",
              reason: "HealthCheckFailed",
              message: "timeout waiting for Deployment/dev/myapp",
            },
          ];
        }),
      ),
    );
    assert.match(
      r.reason,
      /dev's Kustomization myapp-dev is Ready=False \(HealthCheckFailed: timeout waiting for Deployment\/dev\/myapp\)/,
    );
  });

  it("refuses when Flux has not reconciled the current spec: its health is unknown", () => {
    const r = refusal(decide(kustomization((o) => (o.metadata!.generation = 5))));
    assert.match(
      r.reason,
      /Flux has not reconciled its current generation 5 \(observed: 4; is the kustomize-controller running\?\)/,
    );
  });

  it("refuses when the upstream asks for another tag, or does not exist", () => {
    let r = refusal(
      decide(kustomization((o) => (o.spec!.images = [{ name: IMAGE, newTag: "sha-00000000" }]))),
    );
    assert.match(
      r.reason,
      /asks for ghcr.io\/example-org\/myapp:sha-00000000, not ghcr.io\/example-org\/myapp:sha-003a1b2c/,
    );
    r = refusal(decide(undefined));
    assert.match(r.reason, /dev's Kustomization myapp-dev does not exist on dev's cluster/);
    assert.match(r.accepted, /npm run stack -- up dev/);
  });

  it("refuses a soak time it cannot check: the newest history entry failed", () => {
    const r = refusal(
      decide(
        kustomization((o) => (o.status!.history![0].lastReconciledStatus = "HealthCheckFailed")),
      ),
    );
    assert.match(
      r.reason,
      /has no successful history entry, so its 2h soak time cannot be checked/,
    );
  });

  it("refuses what it cannot read (fail closed), unless the stack file accepts it with a reason", () => {
    const input = {
      environment: "staging",
      app: "myapp",
      upstream: "dev",
      tag: TAG,
      image: IMAGE,
      settings: { requireHealthy: true, soakSeconds: 0 },
      object: { readable: false as const, why: 'the kubeconfig has no context "dev"' },
      now: NOW,
    };
    const refused = refusal(decideFluxUpstreamHealth(input));
    assert.match(
      refused.reason,
      /staging cannot take sha-003a1b2c: .*dev's live state cannot be read: the kubeconfig has no context "dev"/,
    );
    const settings = { ...input.settings, unreadableUpstream: "dev is a laptop cluster" };
    assert.deepEqual(decideFluxUpstreamHealth({ ...input, settings }), {
      allowed: true,
      value: {
        checked: false,
        checks:
          'not checked: the kubeconfig has no context "dev"; accepted by promotion:gate.unreadableUpstream: dev is a laptop cluster',
      },
    });
  });

  it("reads a HelmRelease's tag from the chart values at the app's path, and its release history", () => {
    const release = (status: string): FluxObject => ({
      metadata: { generation: 2 },
      spec: { values: { image: { repository: IMAGE, tag: TAG } } },
      status: {
        observedGeneration: 2,
        conditions: [{ type: "Ready", status: "True", reason: "UpgradeSucceeded" }],
        history: [
          {
            chartVersion: "1.2.3",
            firstDeployed: "2026-12-01T10:00:00Z",
            lastDeployed: "2026-12-01T10:00:00Z",
            status,
          },
        ],
      },
    });
    const helm = { tagPath: "image.tag", imagePath: "image.repository" };
    const settings = { requireHealthy: true, soakSeconds: 3600 };
    const passed = decide(release("deployed"), settings, "HelmRelease", helm);
    assert.equal(passed.allowed, true, JSON.stringify(passed));
    const r = refusal(decide(release("failed"), settings, "HelmRelease", helm));
    assert.match(r.reason, /dev's HelmRelease myapp-dev has no successful history entry/);
    const other = refusal(
      decide(release("deployed"), settings, "HelmRelease", { tagPath: "controller.image.tag" }),
    );
    assert.match(other.reason, /asks for no image of ghcr.io\/example-org\/myapp/);
  });
});
