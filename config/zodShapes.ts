/** Small building blocks shared by the config schemas and their cross-key rules. */
import { z } from "zod";

/**
 * A strict object whose unknown-key error lists the keys it accepts; with `what`, a value of the
 * wrong type is described as "<what> with the keys ...".
 */
export function strictObject<T extends z.ZodRawShape>(shape: T, what?: string) {
  const accepted = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `one of the keys ${accepted}`
        : issue.code === "invalid_type" && what
          ? `${what} with the keys ${accepted}`
          : undefined,
  });
}
