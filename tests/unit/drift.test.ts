import { strict as assert } from "assert";
import * as fc from "fast-check";
import { driftAnnotationValue, driftedPaths } from "../../rules/drift";

describe("drift: what differs between a declared object and the live one", () => {
  const desired = {
    project: "dex-dev",
    source: {
      repoURL: "git://127.0.0.1/dex.git",
      kustomize: { images: ["ghcr.io/data-literate/dex:sha-c1a5e0a1"], patches: [] },
    },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["PruneLast=true"] },
  };

  it("finds a hand-edited image list and names its path", () => {
    const live = structuredClone(desired) as any;
    live.source.kustomize.images = ["ghcr.io/data-literate/dex:sha-0ddba11a"];
    assert.deepEqual(driftedPaths(desired, live), ["source.kustomize.images"]);
  });

  it("finds a removed automated sync and a changed scalar", () => {
    const live = structuredClone(desired) as any;
    delete live.syncPolicy.automated;
    live.project = "default";
    assert.deepEqual(driftedPaths(desired, live), ["project", "syncPolicy.automated"]);
  });

  it("ignores fields only the server sets, and empty lists the server leaves out", () => {
    const live = structuredClone(desired) as any;
    live.source.kustomize.patches = undefined;
    live.destination = { server: "https://kubernetes.default.svc" };
    assert.deepEqual(driftedPaths(desired, live), []);
  });

  it("ignores key order inside list items, as the API server returns them", () => {
    const desiredList = { replicas: [{ name: "dex", count: 2 }] };
    assert.deepEqual(driftedPaths(desiredList, { replicas: [{ count: 2, name: "dex" }] }), []);
    assert.deepEqual(driftedPaths(desiredList, { replicas: [{ count: 3, name: "dex" }] }), [
      "replicas",
    ]);
    assert.deepEqual(driftedPaths(desiredList, { replicas: [] }), ["replicas"]);
  });

  it("never reports drift between an object and itself, whatever its key order (property)", () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : value !== null && typeof value === "object"
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reversed(v)]),
            )
          : value;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.deepEqual(driftedPaths(value, reversed(value)), []);
      }),
    );
  });

  it("never reports drift between an object and itself (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.deepEqual(driftedPaths(value, structuredClone(value)), []);
      }),
    );
  });

  it("keeps the annotation when nothing drifted, so a run without drift changes nothing", () => {
    assert.equal(driftAnnotationValue([], "x at t0", "t1"), "x at t0");
    assert.equal(driftAnnotationValue([], undefined, "t1"), undefined);
    assert.equal(
      driftAnnotationValue(["source.kustomize.images"], "x at t0", "t1"),
      "source.kustomize.images at t1",
    );
  });
});
