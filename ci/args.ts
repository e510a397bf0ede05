/** Parsing a subcommand's options strictly: an unknown option is a usage error with a suggestion. */
import { parseArgs, type ParseArgsConfig } from "util";
import { didYouMean } from "../rules/suggest";
import { UsageError } from "./errors";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | undefined>;

const flagNames = (options: Options): string[] => Object.keys(options).map((name) => `--${name}`);

/** parseArgs' message, said with what is accepted (and the closest flag for a typo). */
function explain(error: Error, options: Options): string {
  const code = (error as NodeJS.ErrnoException).code;
  const accepted = flagNames(options).join(", ");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /option '([^']+)'/i.exec(error.message)?.[1] ?? "?";
    return `unknown option ${flag}${didYouMean(flag, flagNames(options))}; accepted: ${accepted}`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const arg = /argument '([^']*)'/i.exec(error.message)?.[1] ?? "?";
    return `unexpected argument "${arg}": this subcommand takes options only; accepted: ${accepted}`;
  }
  return `${error.message}; accepted: ${accepted}`;
}

export function parseOptions(args: string[], options: Options): Values {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    if (!(error instanceof Error)) throw new UsageError(String(error));
    throw new UsageError(explain(error, options));
  }
}

export function optional(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** A required option; `what` says what it is for, in the error. */
export function required(values: Values, name: string, what: string): string {
  const value = optional(values, name);
  if (value === undefined || value.trim() === "")
    throw new UsageError(`--${name} is required: ${what}`);
  return value;
}
