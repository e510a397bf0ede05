/**
 * Reads the stack files in the repository the way the Pulumi engine does (project defaults from
 * Pulumi.yaml, then the stack's own values), for everything that looks across stacks without
 * running one: tests, the CODEOWNERS generator, the promote command.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { formatYamlError, locateYamlError } from "./yamlError";
import { stackFileName } from "../rules/names";
import { decodeConfigValues } from "./decode";
import { validateStackConfig } from "./validate";
import type { EnvironmentConfig } from "../model/environment";

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

/** A stack file (or Pulumi.yaml) that is not valid YAML: names the file, line and column. */
export class StackFileError extends Error {
  constructor(
    public readonly file: string,
    public readonly line: number,
    public readonly column: number,
    problem: string,
  ) {
    super(formatYamlError(file, line, column, problem));
    this.name = "StackFileError";
  }
}

/**
 * Parses a YAML file's text; a syntax error becomes a StackFileError naming the file and the line
 * where the mistake is (for an unclosed bracket or quote, where it opens: config/yamlError.ts).
 */
function parseYamlFile(file: string, text: string): unknown {
  const mistake = locateYamlError(text);
  if (mistake) throw new StackFileError(file, mistake.line, mistake.column, mistake.what);
  return parse(text);
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

/**
 * The config map (`namespace:key` to string, structured values as JSON) that the engine would
 * hand the program for this stack.
 */
export function engineConfig(projectDir: string, stack: string): Record<string, string> {
  const project = (parseYamlFile(
    "Pulumi.yaml",
    fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"),
  ) ?? {}) as Record<string, unknown>;
  const name = projectName(project);
  const config: Record<string, string> = {};
  const schema = (project.config ?? {}) as Record<string, unknown>;
  for (const [key, declaration] of Object.entries(schema)) {
    if (declaration !== null && typeof declaration === "object" && "default" in declaration) {
      config[qualify(key, name)] = asConfigString(declaration.default);
    }
  }
  const stackFile = (parseYamlFile(
    stackFileName(stack),
    fs.readFileSync(stackFilePath(projectDir, stack), "utf8"),
  ) ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries((stackFile.config ?? {}) as Record<string, unknown>)) {
    config[qualify(key, name)] = asConfigString(value);
  }
  return config;
}

/** Reads and validates one stack file; throws StackConfigError like the program would. */
export function loadStackFile(projectDir: string, stack: string): EnvironmentConfig {
  return validateStackConfig(stack, decodeConfigValues(engineConfig(projectDir, stack)));
}
