/**
 * Which stacks a change affects, from the paths it changes (docs/ci.md): a stack file
 * `Pulumi.<env>.yaml` affects its own stack, and the managing stack of GitHub governance when the
 * file feeds it; the program, its project file and its dependencies affect every stack; docs,
 * tests and the other tools affect none. Stacks come in chain order, so
 * CI previews and deploys each upstream before its downstream.
 */
import { stackFileName } from "../names";
import { isObject, type Loose } from "../values";

/**
 * What the program is: the files and folders the engine runs (harness/engine.ts copies the same
 * ones into a project copy) and the npm lock that decides its dependencies. A change to one of
 * them can change what any stack declares.
 */
export const PROGRAM_FILES: readonly string[] = [
  "index.ts",
  "Pulumi.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];
export const PROGRAM_FOLDERS: readonly string[] = [
  "boot/",
  "model/",
  "config/",
  "rules/",
  "manifests/",
  "adapters/",
  "preflight/",
  "components/",
];
/**
 * What runs the engine: the script every preview and up goes through and the toolchain it builds
 * (which pulumi and which providers). A change to them can change every stack's result too.
 */
export const ENGINE_PATHS: readonly string[] = [
  "scripts/stack.sh",
  "scripts/toolchain.sh",
  "toolchain/",
  // The policy pack every CI preview and up runs with (ci/engine.ts): a new policy can refuse any stack.
  "policy/",
];

/** `Pulumi.<stack>.yaml` in the project directory (the pattern config/stackFiles.ts reads). */
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

export type PathKind =
  { kind: "stack"; stack: string } | { kind: "program" } | { kind: "engine" } | { kind: "other" };

const under = (file: string, entries: readonly string[]): boolean =>
  entries.some((entry) => (entry.endsWith("/") ? file.startsWith(entry) : file === entry));

/** What a changed path is, relative to the project directory (`git diff --relative`). */
export function classifyPath(file: string): PathKind {
  const stack = STACK_FILE.exec(file)?.[1];
  if (stack !== undefined) return { kind: "stack", stack };
  if (under(file, PROGRAM_FILES) || under(file, PROGRAM_FOLDERS)) return { kind: "program" };
  if (under(file, ENGINE_PATHS)) return { kind: "engine" };
  return { kind: "other" };
}

export interface AffectedReason {
  /** One sentence: why these stacks. */
  summary: string;
  /** Changed program files: each makes every stack affected. */
  program: string[];
  /** Changed files of the engine that runs the program: each makes every stack affected too. */
  engine: string[];
  /** Changed stack files of stacks that exist. */
  stackFiles: string[];
  /** Stacks whose stack file changed but no longer exists (deleted): nothing to preview. */
  removed: string[];
  /** Changed paths that affect no stack (docs, tests, the CLI, CI). */
  ignored: string[];
  /**
   * Managing stacks of GitHub governance affected only because a changed or deleted stack file
   * feeds their branch protection and CODEOWNERS (see GovernanceFeeds).
   */
  governance: string[];
}

/**
 * Whose GitHub governance reads which stack files. The managing stack declares the protection of
 * the shared branches (merged over the stack files that feed them) and CODEOWNERS (a line per
 * stack file), so a change to any stack file with `promotion:governance` changes what it
 * declares: the managing stack must be previewed, so its owners see the change, and deployed.
 */
export interface GovernanceFeeds {
  /** The managing stacks the stack files name: one, unless they disagree (then each). */
  managing: string[];
  /** Stacks whose file has `promotion:governance`: each feeds the managing stack's. */
  feeding: string[];
}

/**
 * GovernanceFeeds from each stack's decoded config (`promotion:` keys without the namespace, as
 * config/decode.ts gives them). Reads defensively: a malformed key feeds nothing here, and the
 * stack's own preview says what is wrong with it.
 */
export function governanceFeeds(
  configs: readonly { stack: string; raw: Loose }[],
): GovernanceFeeds {
  const managing = new Set<string>();
  const feeding: string[] = [];
  for (const { stack, raw } of configs) {
    const governance = raw.governance;
    if (!isObject(governance)) continue;
    feeding.push(stack);
    const repository = governance.repository;
    if (isObject(repository) && typeof repository.managingStack === "string") {
      managing.add(repository.managingStack);
    }
  }
  return { managing: [...managing].sort(), feeding: feeding.sort() };
}

export interface Affected {
  /** The stacks to preview or deploy, in chain order. */
  stacks: string[];
  /** True when every stack is affected (program or engine changed). */
  all: boolean;
  reason: AffectedReason;
}

function list(names: readonly string[], limit = 5): string {
  return names.length <= limit
    ? names.join(", ")
    : `${names.slice(0, limit).join(", ")} and ${names.length - limit} more`;
}

function summarize(
  stacks: readonly string[],
  reason: Omit<AffectedReason, "summary">,
  chain: readonly string[],
): string {
  if (reason.program.length > 0)
    return `program code changed (${list(reason.program)}): every stack (${chain.join(", ")})`;
  if (reason.engine.length > 0)
    return `the engine's scripts changed (${list(reason.engine)}): every stack (${chain.join(", ")})`;
  const removed =
    reason.removed.length > 0
      ? `; ${list(reason.removed.map(stackFileName))} deleted: no stack left to run`
      : "";
  const governance =
    reason.governance.length > 0
      ? ` (${reason.governance.join(", ")}: the managing stack, whose branch protection and ` +
        "CODEOWNERS read the changed stack files)"
      : "";
  if (stacks.length > 0 && reason.stackFiles.length > 0)
    return `${list(reason.stackFiles)} changed: ${stacks.join(", ")}${governance}${removed}`;
  // Only deleted stack files, and a managing stack whose CODEOWNERS listed them.
  if (stacks.length > 0)
    return `${list(reason.removed.map(stackFileName))} deleted: ${stacks.join(", ")}${governance}`;
  if (reason.removed.length > 0) return removed.slice(2);
  if (reason.ignored.length > 0)
    return `no stack: only files that no stack runs changed (${list(reason.ignored)})`;
  return "no stack: no file changed";
}

/**
 * The stacks `changed` (paths relative to the project directory) affects, in the order of `chain`
 * (the stacks that exist, first to last). With `governance`, a changed stack file that feeds a
 * managing stack, or a deleted one (its CODEOWNERS line goes), affects that managing stack too.
 * Pure: the same paths, chain and governance give the same answer.
 */
export function affectedStacks(
  changed: readonly string[],
  chain: readonly string[],
  governance?: GovernanceFeeds,
): Affected {
  const files = [...new Set(changed)].sort();
  const program: string[] = [];
  const engine: string[] = [];
  const stackFiles: string[] = [];
  const touched = new Set<string>();
  const removed = new Set<string>();
  const ignored: string[] = [];
  for (const file of files) {
    const kind = classifyPath(file);
    if (kind.kind === "program") program.push(file);
    else if (kind.kind === "engine") engine.push(file);
    else if (kind.kind === "other") ignored.push(file);
    else if (chain.includes(kind.stack)) {
      stackFiles.push(file);
      touched.add(kind.stack);
    } else removed.add(kind.stack);
  }
  const all = program.length > 0 || engine.length > 0;
  // A deleted stack file counts as feeding: its governance cannot be read any more, and if it had
  // some, its CODEOWNERS line goes.
  const feeds = governance?.feeding ?? [];
  const fed = removed.size > 0 || [...touched].some((stack) => feeds.includes(stack));
  const governed = (governance?.managing ?? []).filter(
    (stack) => fed && chain.includes(stack) && !touched.has(stack),
  );
  const stacks = all
    ? [...chain]
    : chain.filter((stack) => touched.has(stack) || governed.includes(stack));
  const reason = {
    program,
    engine,
    stackFiles,
    removed: [...removed].sort(),
    ignored,
    governance: all ? [] : governed,
  };
  return { stacks, all, reason: { summary: summarize(stacks, reason, chain), ...reason } };
}
