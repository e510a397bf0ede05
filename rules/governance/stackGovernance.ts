/** One stack's GitHub governance as the cross-stack rules see it, and helpers they share. */
import type { EnvironmentConfig, GovernanceConfig } from "../../model/environment";

/** One stack's governance, as the cross-stack rules see it. */
export interface StackGovernance {
  stack: string;
  environment: string;
  /** Undefined for the first environment. */
  upstream?: string;
  governance: GovernanceConfig;
}

export const GOVERNANCE_KEY = "promotion:governance";

export const sortedUnique = (list: string[]): string[] => [...new Set(list)].sort();

/** `owner/name` in lowercase: GitHub compares repository names case-insensitively. */
export const repoId = (g: GovernanceConfig) =>
  `${g.repository.owner}/${g.repository.name}`.toLowerCase();

/** True when this stack's own config makes it the managing stack. */
export const manages = (s: StackGovernance) => s.governance.repository.managingStack === s.stack;

/** A stack's governance, or undefined when its config has no `promotion:governance`. */
export function stackGovernance(
  config: Pick<EnvironmentConfig, "stack" | "environment" | "upstream" | "governance">,
): StackGovernance | undefined {
  if (!config.governance) return undefined;
  return {
    stack: config.stack,
    environment: config.environment,
    upstream: config.upstream,
    governance: config.governance,
  };
}
