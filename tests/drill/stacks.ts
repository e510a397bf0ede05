/**
 * What the drill reads from and writes into stack files. Names, apps, tags and the chain order are
 * always read from the files of the scratch clone, never assumed: the drill works on any chain.
 * Edits are made the way a person or a CI bot would make them (one line of text), not through the
 * promotion command line, whose behaviour is what the drill checks.
 */
import * as fs from "fs";
import * as path from "path";
import { isNode, isScalar, parseDocument, visit } from "yaml";
import { engineConfig, listStacks } from "../../config/stackFiles";
import { orderChain } from "../../rules/chain";

export interface Bypass {
  kind: string;
  /** The tag the bypass was written for. */
  tag: string;
  reason: string;
}

export interface Pin {
  tag: string;
  bypass?: Bypass;
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** `promotion:upstream` of a stack file ("" for the first environment). */
export function upstreamOf(dir: string, stack: string): string {
  return engineConfig(dir, stack)["promotion:upstream"] ?? "";
}

/** The environments of the stack files in promotion order (first to last). */
export function chainOf(dir: string): string[] {
  return orderChain(
    listStacks(dir).map((stack) => ({
      environment: stack,
      upstream: upstreamOf(dir, stack) || undefined,
    })),
  );
}

/** What each app of a stack file pins: its tag and the exception in force, if any. */
export function pinsOf(dir: string, stack: string): Record<string, Pin> {
  const raw = engineConfig(dir, stack)["promotion:apps"];
  if (raw === undefined) throw new Error(`${stackFileName(stack)} has no promotion:apps`);
  const apps = JSON.parse(raw) as Record<string, { tag?: unknown; bypass?: Bypass }>;
  return Object.fromEntries(
    Object.entries(apps).map(([app, value]) => [
      app,
      { tag: String(value.tag), ...(value.bypass ? { bypass: value.bypass } : {}) },
    ]),
  );
}

/** Every tag any stack file pins now. */
export function allTags(dir: string): Set<string> {
  return new Set(
    listStacks(dir).flatMap((stack) => Object.values(pinsOf(dir, stack)).map((p) => p.tag)),
  );
}

/**
 * Sets one scalar under `config:` and changes nothing else: the new value is spliced into the text
 * where the old one was, then read back. Throws unless exactly one line changed.
 */
export function setScalar(text: string, file: string, keyPath: string[], value: string): string {
  const node = parseDocument(text).getIn(["config", ...keyPath], true);
  if (!isScalar(node) || !node.range) {
    throw new Error(`${file}: no scalar at config.${keyPath.join(".")}`);
  }
  const [start, end] = node.range;
  const next = text.slice(0, start) + value + text.slice(end);
  const reread: unknown = parseDocument(next).getIn(["config", ...keyPath]);
  if (reread !== value) {
    throw new Error(
      `${file}: config.${keyPath.join(".")} reads ${JSON.stringify(reread)} after the edit`,
    );
  }
  const before = text.split("\n");
  const after = next.split("\n");
  const changed = after.filter((line, i) => line !== before[i]).length;
  if (before.length !== after.length || changed !== 1) {
    throw new Error(`${file}: setting config.${keyPath.join(".")} changed ${changed} lines, not 1`);
  }
  return next;
}

/** Edits one scalar of a stack file in place (see setScalar). */
export function editStackFile(dir: string, stack: string, keyPath: string[], value: string): void {
  const file = path.join(dir, stackFileName(stack));
  fs.writeFileSync(
    file,
    setScalar(fs.readFileSync(file, "utf8"), stackFileName(stack), keyPath, value),
  );
}

function renamed(value: unknown, from: string, to: string): string {
  const text = String(value);
  return text.includes(from) ? text.split(from).join(to) : `${text}-${to}`;
}

/**
 * A new environment's stack file, as someone adding it would write it (docs/promotion.md, "Adding
 * a canary"): a copy of its upstream's file (comments left out) with its own name, upstream,
 * namespace, Slack channel, overlays and gate, the same tags, and no exception.
 */
export function newEnvironmentFile(
  dir: string,
  name: string,
  upstream: string,
  soakTime: string,
): string {
  const doc = parseDocument(fs.readFileSync(path.join(dir, stackFileName(upstream)), "utf8"));
  const set = (key: string, value: unknown) => doc.setIn(["config", `promotion:${key}`], value);
  const get = (...keys: string[]): unknown => doc.getIn(["config", ...keys]);
  // The upstream's comments would describe the upstream; the new file says what it is once.
  visit(doc, (_, node) => {
    if (isNode(node)) node.comment = node.commentBefore = null;
  });
  doc.comment = null;
  doc.commentBefore = ` ${name}: takes ${upstream}'s tags before its downstream does (added by the promotion drill, as docs/promotion.md says).`;
  set("environment", name);
  set("upstream", upstream);
  set("namespace", renamed(get("promotion:namespace"), upstream, name));
  set("slackChannel", renamed(get("promotion:slackChannel"), upstream, name));
  set("gate", doc.createNode({ soakTime, requireHealthy: true }, { flow: true }));
  for (const app of Object.keys(pinsOf(dir, upstream))) {
    const apps = ["config", "promotion:apps", app];
    doc.deleteIn([...apps, "bypass"]);
    const overlay = doc.getIn([...apps, "source", "path"]);
    if (overlay !== undefined)
      doc.setIn([...apps, "source", "path"], renamed(overlay, upstream, name));
  }
  return doc.toString();
}
