/**
 * Reading resource inputs as the engine sends them (plain JSON, any shape: the pack checks what
 * was declared, not what the program meant to declare), without trusting their types.
 */

export type Props = Record<string, unknown>;

export function isRecord(value: unknown): value is Props {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value at `path` (object keys, list indexes), or undefined when any step is missing. */
export function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const step of path) {
    if (typeof step === "number") {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (!isRecord(current)) return undefined;
      current = current[step];
    }
  }
  return current;
}

export const stringAt = (value: unknown, ...path: Array<string | number>): string | undefined => {
  const found = at(value, ...path);
  return typeof found === "string" ? found : undefined;
};

/** A nested block of a Terraform-bridged resource: a one-element list, or the object itself. */
export function block(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : [];
