/**
 * Runs the pack's policies the way the engine does, on realistic resources: what the real program
 * declares for a frozen fixture stack (harness/program.ts, under Pulumi mocks), with that stack's
 * config as the engine sends it to the pack (config/stackFiles.ts engineConfig: the stack file plus
 * Pulumi.yaml's defaults, structured values as JSON).
 */
import { strict as assert } from "assert";
import type {
  Policy,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { engineConfig } from "../../config/stackFiles";
import { runIn, withDeployed, type DeclaredResource } from "../../harness/program";
import { SEED } from "../../tests/fixtures";
import { promotionPolicies } from "../policies";
import { chainOfProject, type StackConfig } from "../stackConfig";

export { SEED };

/** A stack's config as the pack receives it; `edit` changes the engine's config map first. */
export function fixtureConfig(
  stack: string,
  edit: (values: Record<string, string>) => void = () => {},
  secretKeys: string[] = [],
  projectDir: string = SEED.dir,
): StackConfig {
  const values = engineConfig(projectDir, stack);
  edit(values);
  const chain = chainOfProject(projectDir, stack, values["promotion:upstream"]);
  return { stack, values, secretKeys: new Set(secretKeys), chain };
}

/** The pack's policy of that name: a test of a policy removed from the pack fails here. */
export function policyNamed(name: string, config: StackConfig | undefined): Policy {
  const found = promotionPolicies(config).filter((p) => p.name === name);
  assert.equal(found.length, 1, `the pack has no policy (or more than one) named ${name}`);
  return found[0];
}

const runs = new Map<string, Promise<DeclaredResource[]>>();

/**
 * What the real program declares for a stack of the seed fixture: a preview without a GitHub
 * token of a stack that manages GitHub, so the GitHub objects are declared too.
 */
export function declaredBy(stack: string): Promise<DeclaredResource[]> {
  if (!runs.has(stack)) {
    runs.set(
      stack,
      runIn(
        SEED.dir,
        stack,
        {},
        {
          stackOutputs: withDeployed(SEED.dir, {
            [stack]: { governance: { githubAccess: "token" } },
          }),
        },
      ).then((run) => run.resources),
    );
  }
  return runs.get(stack)!;
}

export async function declaredOfType(stack: string, type: string): Promise<DeclaredResource[]> {
  const found = (await declaredBy(stack)).filter((r) => r.type === type);
  assert.ok(found.length > 0, `the program declares no ${type} for ${stack}`);
  return found;
}

/** A deep copy to edit, so that the cached run stays as the program declared it. */
export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

class NotApplicable extends Error {}

/** The messages a resource policy reports for one resource (none: it passes). */
export async function violationsOf(
  policy: Policy,
  resource: Pick<DeclaredResource, "type" | "name" | "inputs">,
  policyConfig: object = {},
): Promise<string[]> {
  const validate = (policy as ResourceValidationPolicy).validateResource;
  assert.ok(validate, `${policy.name} is not a resource policy`);
  const args: ResourceValidationArgs = {
    type: resource.type,
    props: resource.inputs,
    urn: `urn:pulumi:test::promotion::${resource.type}::${resource.name}`,
    name: resource.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => policyConfig as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
  const messages: string[] = [];
  for (const v of Array.isArray(validate) ? validate : [validate]) {
    await v(args, (message) => messages.push(message));
  }
  return messages;
}

/** The messages a stack policy reports for a stack of these resources. */
export async function stackViolationsOf(
  policy: Policy,
  resources: DeclaredResource[] = [],
  policyConfig: object = {},
): Promise<string[]> {
  const validate = (policy as StackValidationPolicy).validateStack;
  assert.ok(validate, `${policy.name} is not a stack policy`);
  const args: StackValidationArgs = {
    resources: resources.map((r) => ({
      type: r.type,
      props: r.inputs,
      urn: `urn:pulumi:test::promotion::${r.type}::${r.name}`,
      name: r.name,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    })),
    stackTags: new Map(),
    getConfig: <T extends object>() => policyConfig as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
  const messages: string[] = [];
  await validate(args, (message) => messages.push(message));
  return messages;
}
