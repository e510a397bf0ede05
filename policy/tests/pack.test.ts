/**
 * The pack as a whole: every policy passes everything the program declares for the seed
 * fixture; the pack reads the stack's config the way the language host hands it over; and the
 * contract it writes out (finalizer, label) is what the program writes.
 */
import { strict as assert } from "assert";
import { LABELS } from "../../manifests/labels";
import { ENVIRONMENT_LABEL, RESOURCES_FINALIZER, APPLICATION_TYPE } from "../argocd";
import { promotionPolicies } from "../policies";
import { environmentView, stackConfigFromEnvironment } from "../stackConfig";
import {
  declaredBy,
  declaredOfType,
  fixtureConfig,
  stackViolationsOf,
  violationsOf,
} from "./support";

describe("the promotion-as-code policy pack", () => {
  it("has the policies docs/policy.md lists, all mandatory", () => {
    const policies = promotionPolicies(fixtureConfig("dev"));
    assert.deepEqual(
      policies.map((p) => p.name),
      [
        "immutable-image-tags",
        "manual-environments-sync-by-hand",
        "applications-keep-resources-finalizer",
        "projects-stay-in-their-environment",
        "no-cluster-wide-whitelist",
        "no-wildcard-source-repos",
        "no-plaintext-secrets-in-config",
        "branch-protection-minimum",
      ],
    );
    for (const p of policies) assert.equal(p.enforcementLevel, "mandatory", p.name);
  });

  for (const stack of ["dev", "stage", "prod"]) {
    it(`finds nothing wrong with what the program declares for the seed fixture's ${stack}`, async () => {
      const config = fixtureConfig(stack);
      const resources = await declaredBy(stack);
      const messages: string[] = [];
      for (const policy of promotionPolicies(config)) {
        if ("validateStack" in policy)
          messages.push(...(await stackViolationsOf(policy, resources)));
        else for (const r of resources) messages.push(...(await violationsOf(policy, r)));
      }
      assert.deepEqual(messages, []);
    });
  }

  it("reads the stack's config from the environment the language host sets", () => {
    const config = stackConfigFromEnvironment({
      PULUMI_CONFIG: JSON.stringify({
        "promotion:config:environment": "prod",
        "promotion:syncMode": "manual",
        "promotion:namespace": "dex",
        "promotion:extraNamespaces": '["dex-jobs"]',
      }),
      PULUMI_CONFIG_SECRET_KEYS: '["github:token"]',
      PULUMI_NODEJS_STACK: "prod",
    });
    assert.ok(config);
    assert.equal(config.stack, "prod");
    assert.ok(config.secretKeys.has("github:token"));
    assert.deepEqual(environmentView(config), {
      environment: "prod",
      syncMode: "manual",
      namespaces: ["dex", "dex-jobs"],
      clusterServer: "https://kubernetes.default.svc",
    });
    assert.equal(stackConfigFromEnvironment({}), undefined);
  });

  it("enforces the finalizer and the environment label the program writes", async () => {
    const [app] = await declaredOfType("prod", APPLICATION_TYPE);
    assert.ok(app.inputs.metadata.finalizers.includes(RESOURCES_FINALIZER));
    assert.equal(ENVIRONMENT_LABEL, LABELS.environment);
    assert.equal(app.inputs.metadata.labels[ENVIRONMENT_LABEL], "prod");
  });
});
