/**
 * Every Kubernetes object the program declares says the stack file owns it: a hand edit by another
 * field manager is drift that `up` overwrites, not a server-side apply conflict that blocks every
 * preview (seen on the test bed: tests/e2e/faults.test.ts, drift).
 */
import { strict as assert } from "assert";
import { OWNED_ANNOTATIONS } from "../../manifests/labels";
import { runIn } from "../../harness/program";
import { SEED } from "../fixtures";

describe("objects the program owns", () => {
  it("carry pulumi.com/patchForce on every Kubernetes object of every stack", async () => {
    assert.deepEqual(OWNED_ANNOTATIONS, { "pulumi.com/patchForce": "true" });
    for (const stack of SEED.environments) {
      const run = await runIn(SEED.dir, stack);
      const objects = run.resources.filter(
        (r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:yaml"),
      );
      const kinds = new Set(objects.map((r) => r.type.split(":").pop()));
      for (const kind of [
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
        "AppProject",
        "Application",
      ]) {
        assert.ok(kinds.has(kind), `${stack} declares a ${kind}`);
      }
      for (const object of objects) {
        const annotations = (object.inputs.metadata as { annotations?: Record<string, string> })
          ?.annotations;
        assert.equal(
          annotations?.["pulumi.com/patchForce"],
          "true",
          `${stack}: ${object.type} ${object.name}`,
        );
      }
    }
  });
});
