/**
 * Loading the project's stack files into what the commands work from. A file that cannot be read
 * (YAML syntax, a config problem) becomes a BrokenStack naming the file, the line or key, and what
 * is accepted: `status` shows it next to the others, the commands that change a file refuse.
 */
import * as fs from "fs";
import * as path from "path";
import { listStacks, loadStackFile } from "../config/stackFiles";
import { StackConfigError } from "../config/validate";
import { formatRefusal } from "../rules/verdict";
import { Refused } from "./errors";
import { chainOrder } from "./plan/chain";
import { stackFileName } from "../rules/names";
import type { StackState } from "./plan/state";
import { readApps } from "./stackText";
import { readStackYaml, stackYamlError } from "../config/yamlReader";

/** A stack file that cannot be read. */
export interface BrokenStack {
  environment: string;
  file: string;
  /** What is wrong, each naming the file (and the line of a YAML syntax error). */
  problems: string[];
  /** Its `promotion:upstream` when the YAML parses, so the chain can still be ordered. */
  upstream?: string;
}

export interface LoadedProject {
  states: StackState[];
  broken: BrokenStack[];
}

function readProjectFile(projectDir: string): void {
  const file = path.join(projectDir, "Pulumi.yaml");
  if (!fs.existsSync(file)) {
    throw new Refused(
      `no Pulumi.yaml in ${projectDir}; run the command from the project directory`,
    );
  }
  // Every stack reads it for defaults: when it is broken, no stack can be read.
  const syntax = stackYamlError("Pulumi.yaml", fs.readFileSync(file, "utf8"));
  if (syntax) throw new Refused(syntax);
}

/** `promotion:upstream` of a stack file that parses but does not validate. */
function rawUpstream(file: string, text: string): string | undefined {
  const config = (readStackYaml(file, text).value as { config?: Record<string, unknown> } | null)
    ?.config;
  const upstream = config?.["promotion:upstream"];
  return typeof upstream === "string" && upstream !== "" ? upstream : undefined;
}

function loadOne(projectDir: string, stack: string): StackState | BrokenStack {
  const file = stackFileName(stack);
  const text = fs.readFileSync(path.join(projectDir, file), "utf8");
  // The one stack-file reader's rules: syntax, duplicate keys, anchors, aliases, merge keys.
  const syntax = stackYamlError(file, text);
  if (syntax) return { environment: stack, file, problems: [syntax] };
  try {
    return { config: loadStackFile(projectDir, stack), file, apps: readApps(text) };
  } catch (error) {
    const problems =
      error instanceof StackConfigError
        ? error.refusals.map((r) => `${file}: ${formatRefusal(r)}`)
        : [`${file}: ${error instanceof Error ? error.message : String(error)}`];
    return { environment: stack, file, problems, upstream: rawUpstream(file, text) };
  }
}

/** Every stack file: the ones that validate, and the broken ones with their problems. */
export function loadProject(projectDir: string): LoadedProject {
  readProjectFile(projectDir);
  const stacks = listStacks(projectDir);
  if (stacks.length === 0) throw new Refused(`no Pulumi.<env>.yaml stack file in ${projectDir}`);
  const loaded: LoadedProject = { states: [], broken: [] };
  for (const stack of stacks) {
    const one = loadOne(projectDir, stack);
    if ("problems" in one) loaded.broken.push(one);
    else loaded.states.push(one);
  }
  return loaded;
}

/** Every stack file, validated the way the program validates it; refused if any is broken. */
export function loadStates(projectDir: string): StackState[] {
  const { states, broken } = loadProject(projectDir);
  if (broken.length > 0) {
    const problems = broken.flatMap((b) => b.problems).map((p) => `  ${p}`);
    throw new Refused(["fix the stack file first:", ...problems].join("\n"));
  }
  return states;
}

/** The environments in chain order; throws Refused when the chain is not one line. */
export function orderedEnvironments(states: StackState[]): string[] {
  const order = chainOrder(states);
  if (!Array.isArray(order)) throw new Refused(order.refused);
  return order;
}
