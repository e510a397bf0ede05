/** Parsing a command's options with node's parseArgs, strictly: unknown options are usage errors. */
import { parseArgs, type ParseArgsConfig } from "util";
import { didYouMean } from "../rules/suggest";
import { UsageError } from "./errors";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | undefined>;

/** `--from`, `--dry-run`, ...: the flags a command accepts, as a user types them. */
function flagNames(options: Options): string[] {
  return Object.keys(options).map((name) => `--${name}`);
}

/**
 * parseArgs' own message for an unknown option suggests quoting it as a positional argument,
 * which is never what a typo needs: say the closest flag and every accepted one instead.
 */
function unknownOption(error: Error, options: Options): string | undefined {
  if ((error as NodeJS.ErrnoException).code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return undefined;
  const flag = /option '([^']+)'/i.exec(error.message)?.[1];
  if (flag === undefined) return undefined;
  const accepted = flagNames(options);
  return `unknown option ${flag}${didYouMean(flag, accepted)}; accepted: ${accepted.join(", ")}`;
}

/** The option values of `args`; throws UsageError for anything parseArgs refuses. */
export function parseOptions(args: string[], options: Options): Values {
  try {
    return parseArgs({ args, options, strict: true }).values as Values;
  } catch (error) {
    if (!(error instanceof Error)) throw new UsageError(String(error));
    throw new UsageError(unknownOption(error, options) ?? error.message);
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
