/** Every Application and AppProject the program generates must fit Argo CD's CRD schema. */
import { strict as assert } from "assert";
import { Application, AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import { listStacks } from "../../config/stackFiles";
import { argoCrdErrors } from "../support/crdSchema";
import { PROJECT_DIR, runProgram } from "../../harness/program";

const ARGO_TYPES = [
  "kubernetes:argoproj.io/v1alpha1:Application",
  "kubernetes:argoproj.io/v1alpha1:AppProject",
];

describe("Argo CD CRD schema", function () {
  this.timeout(120_000);

  it("catches what Kubernetes would silently prune or reject (the check can fail)", () => {
    const bad = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name: "x" },
      spec: {
        project: "p",
        destination: { namespace: "n", server: "https://kubernetes.default.svc" },
        source: { repoURL: "r", kustomize: { image: ["typo"] } },
        syncPolicy: { automated: { prune: "yes" } },
      },
    };
    const errors = argoCrdErrors(bad);
    assert.ok(
      errors.some((e) => e.includes("/spec/source/kustomize") && e.includes("(image)")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.includes("/spec/syncPolicy/automated/prune")),
      errors.join("\n"),
    );
  });

  for (const stack of listStacks(PROJECT_DIR)) {
    it(`accepts every Argo CD object of stack ${stack}`, async () => {
      const run = await runProgram(stack);
      const objects = run.resources.filter((r) => ARGO_TYPES.includes(r.type));
      assert.ok(objects.length >= 2, "expected an AppProject and at least one Application");
      for (const object of objects) {
        assert.deepEqual(argoCrdErrors(object.inputs), [], `${object.name} does not fit the CRD`);
        const inputs = object.inputs as any;
        const model =
          inputs.kind === "Application" ? new Application(inputs) : new AppProject(inputs);
        model.validate();
      }
    });
  }
});
