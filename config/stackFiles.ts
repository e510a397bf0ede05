/**
 * Reads the stack files in the repository the way the Pulumi engine does (project defaults from
 * Pulumi.yaml, then the stack's own values), for everything that looks across stacks without
 * running one: tests, the CODEOWNERS generator, the promote command.
 */
import * as fs from "fs";
import * as path from "path";
import { readStackYaml, StackFileError, type StackYaml } from "./yamlReader";
import { formatYamlError } from "./yamlError";
import { stackFileName } from "../rules/names";
import { decodeConfigValues } from "./decode";
import { validateStackConfig } from "./validate";
// chain.ts reads stack files through this module too: both only call each other at run time.
import { readChainLinks } from "./chain";
import { configKeyProblems, stackFileKeyProblems } from "./namespaces";
import type { EnvironmentConfig } from "../model/environment";
import type { Refusal } from "../rules/verdict";

// Only `.yaml`: the name every tool here (and `pulumi stack init`) reads and writes.
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(projectDir, stackFileName(stack));
}

/** Stack names that have a `Pulumi.<stack>.yaml` in the project directory, sorted. */
export function listStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((file) => STACK_FILE.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

export { StackFileError };

/**
 * Parses a YAML file's text with the one stack-file reader (config/yamlReader.ts): a syntax error,
 * duplicate key, anchor, alias or merge key becomes a StackFileError naming the file and the line.
 */
function parseYamlFile(file: string, text: string): unknown {
  return readStackYaml(file, text).value;
}

function projectName(project: Record<string, unknown>): string {
  return typeof project.name === "string" ? project.name : "";
}

/** The project's name (Pulumi.yaml `name`): the middle of a stack's Pulumi Cloud address. */
export function readProjectName(projectDir: string): string {
  const project = (parseYamlFile(
    "Pulumi.yaml",
    fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"),
  ) ?? {}) as Record<string, unknown>;
  return projectName(project);
}

/** A key as the engine names it: unqualified project keys get the project's namespace. */
function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** Stands in for a secret (`{secure: ...}`), which only the engine can decrypt. */
export const SECRET_PLACEHOLDER = "[secret]";

function isSecret(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    Object.keys(value).length === 1 &&
    "secure" in value
  );
}

function asConfigString(value: unknown): string {
  if (isSecret(value)) return SECRET_PLACEHOLDER;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parsed files by path, kept while the file's text stays the same. */
const parsedFiles = new Map<string, { text: string; yaml: StackYaml }>();

/**
 * A YAML file, parsed and checked. One run reads each sibling stack file for several checks (the
 * chain, the cross-stack checks, the upstream's pins and cluster): it is parsed once.
 */
function readYaml(file: string, name: string): StackYaml {
  const text = fs.readFileSync(file, "utf8");
  const cached = parsedFiles.get(file);
  if (cached?.text === text) return cached.yaml;
  const yaml = readStackYaml(name, text);
  parsedFiles.set(file, { text, yaml });
  return yaml;
}

function readYamlFile(file: string, name: string): Record<string, unknown> {
  return asMap(readYaml(file, name).value);
}

const asMap = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

function configMap(
  project: Record<string, unknown>,
  stackFile: Record<string, unknown>,
): Record<string, string> {
  const name = projectName(project);
  const config: Record<string, string> = {};
  const schema = (project.config ?? {}) as Record<string, unknown>;
  for (const [key, declaration] of Object.entries(schema)) {
    if (declaration !== null && typeof declaration === "object" && "default" in declaration) {
      config[qualify(key, name)] = asConfigString(declaration.default);
    }
  }
  for (const [key, value] of Object.entries((stackFile.config ?? {}) as Record<string, unknown>)) {
    config[qualify(key, name)] = asConfigString(value);
  }
  return config;
}

/**
 * The config map (`namespace:key` to string, structured values as JSON) that the engine would
 * hand the program for this stack.
 */
export function engineConfig(projectDir: string, stack: string): Record<string, string> {
  return configMap(
    readYamlFile(path.join(projectDir, "Pulumi.yaml"), "Pulumi.yaml"),
    readYamlFile(stackFilePath(projectDir, stack), stackFileName(stack)),
  );
}

/** engineConfig for a stack file's text that is not written yet (an edit the CLI is about to make). */
export function engineConfigOfText(
  projectDir: string,
  stack: string,
  text: string,
): Record<string, string> {
  return configMap(
    readYamlFile(path.join(projectDir, "Pulumi.yaml"), "Pulumi.yaml"),
    asMap(parseYamlFile(stackFileName(stack), text)),
  );
}

/** A config value for a refusal: structured values as the data they stand for. */
function shownValue(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The key path a StackFileError is about, as a config key (`promotion:apps.api.<<`). */
function faultKey(error: StackFileError): string {
  const [top, key, ...rest] = error.path;
  if (top !== "config" || key === undefined) return top ?? "(the stack file)";
  return [key, ...rest].join(".");
}

/**
 * The problems of a stack's keys that validation of `promotion:*` cannot see: a key in a namespace
 * nothing reads (config/namespaces.ts), a top-level key the engine ignores, and a stack file the
 * one YAML reader refuses (an anchor, alias or merge key, which the engine would have merged).
 * `config` is what the engine hands the program (pulumi.runtime.allConfig() in a run), or
 * engineConfig's map; each key is located in the stack file when it is written there. `stackFile`
 * is the file the engine read, when it was given another than the project's (`npm run stack`
 * hands it a copy, named by PROMOTION_STACK_CONFIG_FILE); problems name it as the stack's file.
 */
export function stackKeyProblems(
  projectDir: string,
  stack: string,
  config: Record<string, string>,
  stackFile: string = stackFilePath(projectDir, stack),
): Refusal[] {
  const file = stackFileName(stack);
  let yaml: StackYaml | undefined;
  try {
    yaml = readYaml(stackFile, file);
  } catch (error) {
    if (error instanceof StackFileError) {
      return [
        {
          stack,
          key: faultKey(error),
          value: error.found,
          reason: formatYamlError(error.file, error.line, error.column, error.problem),
          accepted: error.accepted ?? "a stack file the engine, the CLI and CI read the same way",
        },
      ];
    }
    // No stack file here (the engine was given one elsewhere): the engine's keys are still checked.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const top = asMap(yaml?.value);
  const project = readProjectName(projectDir);
  const written = new Map<string, number | undefined>();
  for (const key of Object.keys(asMap(top.config))) {
    written.set(qualify(key, project), yaml?.lineOf(["config", key]));
  }
  const where = (line: number | undefined) =>
    line === undefined ? undefined : `${file} line ${line}`;
  return [
    ...stackFileKeyProblems(
      stack,
      Object.keys(top).map((key) => ({
        key,
        value: top[key],
        where: where(yaml?.lineOf([key])) ?? file,
      })),
    ),
    ...configKeyProblems(
      stack,
      Object.keys(config).map((key) => ({
        key,
        value: shownValue(config[key]),
        where: where(written.get(key)),
      })),
    ),
  ];
}

/** Reads and validates one stack file; throws StackConfigError like the program would. */
export function loadStackFile(projectDir: string, stack: string): EnvironmentConfig {
  const config = engineConfig(projectDir, stack);
  const raw = decodeConfigValues(config);
  return validateStackConfig(
    stack,
    raw,
    stackKeyProblems(projectDir, stack, config),
    readChainLinks(projectDir, stack, raw),
  );
}
