/** Names that several layers must spell the same way. */

/** A stack's stack file, which the engine, CODEOWNERS and rulesets all match by this name. */
export const stackFileName = (stack: string): string => `Pulumi.${stack}.yaml`;

/**
 * The fully qualified name of an environment's stack, as a StackReference names it
 * (`<organization>/<project>/<stack>`; the file backend's organization is `organization`).
 */
export const stackReferenceName = (organization: string, project: string, stack: string): string =>
  `${organization}/${project}/${stack}`;
