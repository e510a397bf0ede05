/**
 * Reads the stack files in the repository the way the Pulumi engine does (project defaults from
 * Pulumi.yaml, then the stack's own values), for everything that looks across stacks without
 * running one: tests, the CODEOWNERS generator, the promote command.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
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
  // One parse; only a file with an error is read again, to say where.
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const mistake = locateYamlError(text);
    if (mistake) throw new StackFileError(file, mistake.line, mistake.column, mistake.what);
    throw doc.errors[0];
  }
  return doc.toJS();
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
const parsedFiles = new Map<string, { text: string; value: Record<string, unknown> }>();

/**
 * A YAML file's parsed content. One run reads each sibling stack file for several checks (the
 * chain, the cross-stack checks, the upstream's pins and cluster): it is parsed once.
 */
function readYamlFile(file: string, name: string): Record<string, unknown> {
  const text = fs.readFileSync(file, "utf8");
  const cached = parsedFiles.get(file);
  if (cached?.text === text) return cached.value;
  const value = (parseYamlFile(name, text) ?? {}) as Record<string, unknown>;
  parsedFiles.set(file, { text, value });
  return value;
}

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
    (parseYamlFile(stackFileName(stack), text) ?? {}) as Record<string, unknown>,
  );
}

/** Reads and validates one stack file; throws StackConfigError like the program would. */
export function loadStackFile(projectDir: string, stack: string): EnvironmentConfig {
  return validateStackConfig(stack, decodeConfigValues(engineConfig(projectDir, stack)));
}
