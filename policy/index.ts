/**
 * The CrossGuard policy pack of promotion-as-code (docs/policy.md): what must never happen,
 * whoever edits the program. `pulumi preview --policy-pack policy` (or
 * `npm run stack -- preview <stack> --policy-pack policy`) runs it; the engine refuses a preview
 * or update that breaks one of its mandatory policies.
 */
import { PolicyPack } from "@pulumi/policy";
import { promotionPolicies } from "./policies";
import { stackConfigFromEnvironment } from "./stackConfig";

new PolicyPack("promotion-as-code", {
  policies: promotionPolicies(stackConfigFromEnvironment(process.env)),
});
