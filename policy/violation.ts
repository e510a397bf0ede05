/**
 * One message shape for every violation, like the program's refusals (rules/verdict.ts): the object,
 * the field at fault, the value found there, why it is refused and what is accepted instead.
 */

export interface Violation {
  /** `Application dex-prod`, `stack "prod"`. */
  object: string;
  /** Field path in the object (`spec.syncPolicy.automated`) or a config key. */
  field: string;
  /** The value found; undefined when the field is missing. Never a secret's value. */
  value: unknown;
  reason: string;
  accepted: string;
}

function showValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatViolation(v: Violation): string {
  return `${v.object}: ${v.field} = ${showValue(v.value)}; refused: ${v.reason}; accepted: ${v.accepted}`;
}

/** Said when the engine's stack configuration did not reach the pack. */
export const NO_STACK_CONFIG =
  "the stack's configuration did not reach the policy pack, so this cannot be checked (run the " +
  "pack through the toolchain's language host, scripts/toolchain.sh: docs/policy.md)";
