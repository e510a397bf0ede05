/**
 * Reading and editing a stack file's text. An edit changes only the bytes of the values it sets:
 * the yaml Document API finds each node and its source range, and the new value is spliced into
 * the original text. (Re-serialising the whole document with `toString()` would also re-pad every
 * flow collection, `{ cpu: 50m }` versus `[a, b]`, so the diff would no longer be the tag alone.)
 */
import { isMap, isScalar, stringify, type Pair, type YAMLMap } from "yaml";
import { BYPASS_KINDS, type Bypass, type BypassKind } from "../model/environment";
import { readStackYaml, StackFileError } from "../config/yamlReader";
import { engineConfigOfText } from "../config/stackFiles";
import { configTooBig, engineConfigBytes } from "../rules/configSize";

export type { Bypass, BypassKind };

/** What a stack file says about one app, read without validation (old versions included). */
export interface AppState {
  tag?: string;
  /** The registry digest pinned next to the tag (`digest: sha256:...`), when there is one. */
  digest?: string;
  bypass?: Bypass;
  /** Why failed promotion rules were overridden (`overrideRules:`), when the file says so. */
  overrideRules?: string;
}

const APPS_PATH = ["config", "promotion:apps"];

export class StackEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackEditError";
  }
}

function asBypass(value: unknown): Bypass | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { kind, tag, reason } = value as Record<string, unknown>;
  if (!BYPASS_KINDS.includes(kind as BypassKind)) return undefined;
  return {
    kind: kind as BypassKind,
    // Bypasses written before they named their tag read as covering no tag.
    tag: typeof tag === "string" ? tag : "",
    reason: typeof reason === "string" ? reason : "",
  };
}

/** The reason of an `overrideRules: { tag, reason }` (or an older plain reason). */
function overrideReason(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return undefined;
  const { reason } = value as Record<string, unknown>;
  return typeof reason === "string" ? reason : undefined;
}

/**
 * The apps of a stack file's text with their tag and bypass; {} when the text is not YAML or has
 * no `promotion:apps`. Used on past versions from git, which need not pass today's validation.
 */
export function readApps(text: string): Record<string, AppState> {
  let parsed: unknown;
  try {
    // The one reader: a version with an alias or merge key is one no tool here would read.
    parsed = readStackYaml("", text).value;
  } catch {
    return {};
  }
  const config = (parsed as { config?: unknown } | null)?.config;
  const apps = (config as Record<string, unknown> | null | undefined)?.["promotion:apps"];
  if (apps === null || typeof apps !== "object" || Array.isArray(apps)) return {};
  const result: Record<string, AppState> = {};
  for (const [name, app] of Object.entries(apps as Record<string, unknown>)) {
    if (app === null || typeof app !== "object") continue;
    const { tag, digest, bypass, overrideRules } = app as Record<string, unknown>;
    result[name] = {
      tag: typeof tag === "string" ? tag : undefined,
      ...(typeof digest === "string" ? { digest } : {}),
      ...(overrideReason(overrideRules) !== undefined
        ? { overrideRules: overrideReason(overrideRules) }
        : {}),
      bypass: asBypass(bypass),
    };
  }
  return result;
}

/** How a string is written as a one-line YAML scalar: plain when that reads back the same. */
export function yamlScalar(value: string): string {
  if (!value.includes("\n")) {
    const written = stringify(value, { lineWidth: 0 }).replace(/\n$/, "");
    if (!written.includes("\n") && !written.startsWith("|") && !written.startsWith(">")) {
      return written;
    }
  }
  return JSON.stringify(value);
}

/** One app's change in a stack file. */
export interface AppEdit {
  app: string;
  tag: string;
  /** A Bypass to write (replacing any), null to remove the app's bypass, undefined to keep it. */
  bypass?: Bypass | null;
  /**
   * The registry digest to pin on the line after the tag (replacing any), null to remove the
   * app's digest line, undefined to keep it.
   */
  digest?: string | null;
  /**
   * The reason failed promotion rules are overridden, to write (replacing any) for the edit's tag;
   * null to remove it; undefined to keep it.
   */
  overrideRules?: string | null;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf("\n", offset);
  return end === -1 ? text.length : end + 1;
}

function appMap(text: string, file: string, app: string): YAMLMap<unknown, unknown> {
  let doc;
  try {
    doc = readStackYaml(file, text).document;
  } catch (error) {
    if (error instanceof StackFileError)
      throw new StackEditError(`not valid YAML: ${error.message}`);
    throw error;
  }
  const node = doc.getIn([...APPS_PATH, app], true);
  if (!isMap(node)) {
    throw new StackEditError(`${file} has no app "${app}" under config."promotion:apps"`);
  }
  return node;
}

function pairNamed(
  map: YAMLMap<unknown, unknown>,
  key: string,
): Pair<unknown, unknown> | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}

function setTag(text: string, file: string, app: string, tag: string): string {
  const pair = pairNamed(appMap(text, file, app), "tag");
  const node = pair?.value;
  if (!isScalar(node) || !node.range) {
    throw new StackEditError(`${file} has no tag for app "${app}" (promotion:apps.${app}.tag)`);
  }
  const [start, valueEnd] = node.range;
  // Quotes the old value did not need are the file's style and stay. Quotes it needed (a digest
  // starts with @) are kept only for a new value that needs them too; a plain tag is written
  // plain, so a digest and back to the plain tag gives the original line again.
  const keepQuotes =
    yamlScalar(String(node.value)) === String(node.value) || yamlScalar(tag) !== tag;
  let written: string;
  if (keepQuotes && node.type === "QUOTE_DOUBLE") written = JSON.stringify(tag);
  else if (keepQuotes && node.type === "QUOTE_SINGLE") written = `'${tag.replace(/'/g, "''")}'`;
  else written = yamlScalar(tag);
  return text.slice(0, start) + written + text.slice(valueEnd);
}

/**
 * A flow map app (`dex: { tag: sha-1, bypass: { ... } }`, the compact stack file's one line per
 * app): the pair goes with the comma before it (or after it, when it comes first).
 */
function removeFlowPair(text: string, pair: Pair<unknown, unknown>): string {
  const keyStart = (pair.key as { range: [number, number, number] }).range[0];
  const valueEnd =
    (pair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? keyStart;
  const before = text.slice(0, keyStart).replace(/\s*$/, "");
  if (before.endsWith(",")) return before.slice(0, -1) + text.slice(valueEnd);
  const after = text.slice(valueEnd).replace(/^\s*,\s*/, "");
  return text.slice(0, keyStart) + after;
}

/** setDigest for a flow map app (`dex: { tag: sha-1, digest: sha256:... }`): within the braces. */
function setFlowDigest(
  text: string,
  file: string,
  app: string,
  map: YAMLMap<unknown, unknown>,
  existing: Pair<unknown, unknown> | undefined,
  digest: string | null,
): string {
  if (existing) {
    const node = existing.value;
    if (digest === null) return removeFlowPair(text, existing);
    if (isScalar(node) && node.range) {
      return text.slice(0, node.range[0]) + digest + text.slice(node.range[1]);
    }
  }
  if (digest === null) return text;
  const tagValue = pairNamed(map, "tag")?.value;
  if (!isScalar(tagValue) || !tagValue.range) {
    throw new StackEditError(`${file} has no tag for app "${app}" (promotion:apps.${app}.tag)`);
  }
  const at = tagValue.range[1];
  return `${text.slice(0, at)}, digest: ${digest}${text.slice(at)}`;
}

/** Writes, replaces or removes the app's `digest:` line, right below its `tag:` line. */
function setDigest(text: string, file: string, app: string, digest: string | null): string {
  const map = appMap(text, file, app);
  const existing = pairNamed(map, "digest");
  if (map.flow) return setFlowDigest(text, file, app, map, existing, digest);
  if (existing && isScalar(existing.key) && existing.key.range) {
    const node = existing.value;
    if (digest !== null && isScalar(node) && node.range) {
      return text.slice(0, node.range[0]) + digest + text.slice(node.range[1]);
    }
    const start = lineStart(text, existing.key.range[0]);
    const valueEnd = (node as { range?: [number, number, number] } | null)?.range?.[1];
    return (
      text.slice(0, start) + text.slice(lineEnd(text, (valueEnd ?? existing.key.range[1]) - 1))
    );
  }
  if (digest === null) return text;
  const tagPair = pairNamed(map, "tag");
  const tagValue = tagPair?.value;
  if (
    !tagPair ||
    !isScalar(tagPair.key) ||
    !tagPair.key.range ||
    !isScalar(tagValue) ||
    !tagValue.range
  ) {
    throw new StackEditError(`${file} has no tag for app "${app}" (promotion:apps.${app}.tag)`);
  }
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const indent = " ".repeat(column(text, tagPair.key.range[0]));
  const at = lineEnd(text, tagValue.range[1] - 1);
  const before = text.slice(0, at);
  return `${before}${before.endsWith("\n") ? "" : eol}${indent}digest: ${digest}${eol}${text.slice(at)}`;
}

/** Removes the app's `key` (a bypass block, an override line) with the comment lines above it. */
function removeAppKey(text: string, file: string, app: string, key: string): string {
  const map = appMap(text, file, app);
  const pair = pairNamed(map, key);
  if (!pair || !isScalar(pair.key) || !pair.key.range) return text;
  if (map.flow) return removeFlowPair(text, pair);
  const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
  let start = lineStart(text, pair.key.range[0]);
  const indent = pair.key.range[0] - start;
  // The comment lines right above the key, at its indentation, belong to it.
  for (;;) {
    if (start === 0) break;
    const previous = lineStart(text, start - 1);
    const line = text.slice(previous, start);
    if (!/^\s*#/.test(line) || line.length - line.trimStart().length !== indent) break;
    start = previous;
  }
  const end = lineEnd(text, Math.max(valueRange?.[1] ?? pair.key.range[1], pair.key.range[1]) - 1);
  return text.slice(0, start) + text.slice(end);
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** The indentation step of the app's nested block maps (`source:` and its keys), else 2. */
function indentStep(text: string, map: YAMLMap<unknown, unknown>): number {
  for (const pair of map.items) {
    const child = pair.value;
    if (isMap(child) && !child.flow && isScalar(pair.key) && pair.key.range) {
      const firstKey = child.items[0]?.key;
      if (isScalar(firstKey) && firstKey.range) {
        const step = column(text, firstKey.range[0]) - column(text, pair.key.range[0]);
        if (step > 0) return step;
      }
    }
  }
  return 2;
}

function addBypass(text: string, file: string, app: string, bypass: Bypass): string {
  const map = appMap(text, file, app);
  if (map.flow) {
    // Inside a flow map: a double-quoted reason, whatever it holds, cannot end the map early.
    const entry = `bypass: { kind: ${bypass.kind}, tag: ${yamlScalar(bypass.tag)}, reason: ${JSON.stringify(bypass.reason)} }`;
    return appendToFlowApp(text, file, app, map, entry);
  }
  return appendToBlockApp(text, file, app, map, (indent, step) => [
    `${indent}# Exception to the promotion chain (${bypass.kind}); the next normal promotion removes it.`,
    `${indent}bypass:`,
    `${indent}${step}kind: ${bypass.kind}`,
    `${indent}${step}tag: ${yamlScalar(bypass.tag)}`,
    `${indent}${step}reason: ${yamlScalar(bypass.reason)}`,
  ]);
}

/** The app's last line ends here; new keys go after it, at the indentation of its first key. */
function appendToBlockApp(
  text: string,
  file: string,
  app: string,
  map: YAMLMap<unknown, unknown>,
  lines: (indent: string, step: string) => string[],
): string {
  const first = map.items[0]?.key;
  const last = map.items[map.items.length - 1];
  const lastEnd = (last?.value as { range?: [number, number, number] } | null)?.range?.[1];
  if (!isScalar(first) || !first.range || lastEnd === undefined) {
    throw new StackEditError(`${file}: cannot find where app "${app}" ends`);
  }
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const block = lines(" ".repeat(column(text, first.range[0])), " ".repeat(indentStep(text, map)));
  const at = lineEnd(text, lastEnd - 1);
  const before = text.slice(0, at);
  return `${before}${before.endsWith("\n") ? "" : eol}${block.join(eol)}${eol}${text.slice(at)}`;
}

/** Appends `entry` inside a flow map app's braces. */
function appendToFlowApp(
  text: string,
  file: string,
  app: string,
  map: YAMLMap<unknown, unknown>,
  entry: string,
): string {
  const close = (map.range?.[1] ?? 0) - 1;
  if (text[close] !== "}") throw new StackEditError(`${file}: cannot find where app "${app}" ends`);
  const body = text.slice(0, close).replace(/\s*$/, "");
  const separator = body.endsWith("{") ? " " : ", ";
  return `${body}${separator}${entry} ${text.slice(close)}`;
}

function addOverrideRules(
  text: string,
  file: string,
  app: string,
  tag: string,
  reason: string,
): string {
  const map = appMap(text, file, app);
  // A double-quoted reason, whatever it holds, cannot end the flow map early.
  const entry = `overrideRules: { tag: ${yamlScalar(tag)}, reason: ${JSON.stringify(reason)} }`;
  if (map.flow) return appendToFlowApp(text, file, app, map, entry);
  return appendToBlockApp(text, file, app, map, (indent) => [
    `${indent}# Promoted although promotion rules failed (promote --override-rules); the next promotion removes it.`,
    `${indent}${entry}`,
  ]);
}

/**
 * Applies the edits to a stack file's text and returns the new text; everything but the edited
 * values stays byte for byte. Throws StackEditError when the file does not have the app or tag.
 */
export function editStackText(text: string, file: string, edits: AppEdit[]): string {
  let result = text;
  for (const edit of edits) {
    result = setTag(result, file, edit.app, edit.tag);
    if (edit.digest !== undefined) result = setDigest(result, file, edit.app, edit.digest);
    if (edit.bypass !== undefined) result = removeAppKey(result, file, edit.app, "bypass");
    if (edit.bypass) result = addBypass(result, file, edit.app, edit.bypass);
    if (edit.overrideRules !== undefined) {
      result = removeAppKey(result, file, edit.app, "overrideRules");
    }
    if (edit.overrideRules) {
      result = addOverrideRules(result, file, edit.app, edit.tag, edit.overrideRules);
    }
  }
  // Read the result back: the splice must have produced exactly the intended values.
  const apps = readApps(result);
  for (const edit of edits) {
    const state = apps[edit.app];
    const bypassOk =
      edit.bypass === undefined ||
      (edit.bypass === null
        ? state?.bypass === undefined
        : state?.bypass?.kind === edit.bypass.kind &&
          state.bypass.tag === edit.bypass.tag &&
          state.bypass.reason === edit.bypass.reason);
    const digestOk =
      edit.digest === undefined ||
      (edit.digest === null ? state?.digest === undefined : state?.digest === edit.digest);
    const overrideOk =
      edit.overrideRules === undefined ||
      (edit.overrideRules === null
        ? state?.overrideRules === undefined
        : state?.overrideRules === edit.overrideRules);
    if (state?.tag !== edit.tag || !bypassOk || !digestOk || !overrideOk) {
      throw new StackEditError(
        `editing ${file} did not produce the intended value for app "${edit.app}"; edit it by hand`,
      );
    }
  }
  return result;
}

/**
 * Refuses an edit after which the engine could not start the program for this stack file: its
 * config would no longer fit the one environment variable the engine passes it in
 * (rules/configSize.ts). Says the size, the limit and what to do.
 */
export function refuseOversizedConfig(projectDir: string, file: string, text: string): void {
  const stack = /^Pulumi\.(.+)\.yaml$/.exec(file.split(/[\\/]/).pop() ?? "")?.[1];
  if (stack === undefined) return;
  let bytes: number;
  try {
    bytes = engineConfigBytes(engineConfigOfText(projectDir, stack, text));
  } catch {
    return; // not readable: the validation after the edit says why
  }
  const tooBig = configTooBig(stack, bytes);
  if (tooBig) throw new StackEditError(`${file} after this edit: ${tooBig}`);
}
