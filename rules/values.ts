/** Reading raw values defensively (stack files, outputs written by older programs). */

export type Loose = Record<string, unknown>;

/** A plain object (not null, not a list). */
export const isObject = (value: unknown): value is Loose =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** The strings of a raw list; anything else gives none. */
export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
