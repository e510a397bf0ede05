/**
 * Other stacks' (and this stack's own previous) outputs, read through stack references. During an
 * update the engine serves the outputs of the last completed update, which is what the gate and
 * the GitHub access rule need.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackReferenceName } from "../rules/names";

/** The reference name of an environment's stack in this project and organization. */
export function stackName(stack: string): string {
  return stackReferenceName(pulumi.getOrganization(), pulumi.getProject(), stack);
}

/** Reads named outputs of one stack. */
export class StackOutputs {
  private readonly reference: pulumi.StackReference;

  constructor(stack: string) {
    this.reference = new pulumi.StackReference(stackName(stack));
  }

  /** An output's value (secret or not), or undefined when the stack has no such output. */
  async get(name: string): Promise<unknown> {
    const details = await this.reference.getOutputDetails(name);
    return details.value ?? details.secretValue;
  }
}

/** Whether this stack's previous run managed GitHub, from its own `governance` output. */
export async function managedGitHubBefore(own: StackOutputs): Promise<boolean> {
  const previous = await own.get("governance");
  return (
    previous !== null &&
    typeof previous === "object" &&
    (previous as { githubAccess?: unknown }).githubAccess === "token"
  );
}
