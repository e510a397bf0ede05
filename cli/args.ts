/** Parsing a command's options with node's parseArgs, strictly: unknown options are usage errors. */
import { parseArgs, type ParseArgsConfig } from "util";
import { UsageError } from "./errors";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | undefined>;

/** The option values of `args`; throws UsageError for anything parseArgs refuses. */
export function parseOptions(args: string[], options: Options): Values {
  try {
    return parseArgs({ args, options, strict: true }).values as Values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function optional(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

export function required(values: Values, name: string): string {
  const value = optional(values, name);
  if (value === undefined || value === "") throw new UsageError(`--${name} is required`);
  return value;
}
