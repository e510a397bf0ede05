/**
 * The one YAML reader for stack files (Pulumi.<env>.yaml) and Pulumi.yaml, used by the program,
 * the CLI and CI alike, so all of them read the same values or refuse the same file.
 *
 * The rule: a stack file holds its values written out. Duplicate keys, anchors (`&dex`), aliases
 * (`*dex`) and merge keys (`<<: *dex`) are refused, naming the file, the line and what is
 * accepted. Why: YAML readers disagree on them. The engine (Go) merges `<<` keys and refuses a
 * duplicate key without naming the file; the `yaml` library keeps `<<` as a key of its own; so
 * the same file meant one thing to `pulumi up` (an app `api` with dex's digest under its own tag)
 * and another to the CLI (`promotion:apps.api.<<`: no such key). What apps share goes into
 * `promotion:appDefaults`, which every reader expands the same way (rules/appDefaults.ts).
 *
 * Pure: it reads text, not files.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from "yaml";
import { formatYamlError, locateYamlError } from "./yamlError";

/** A stack file (or Pulumi.yaml) that cannot be read: names the file, line and column. */
export class StackFileError extends Error {
  constructor(
    public readonly file: string,
    public readonly line: number,
    public readonly column: number,
    /** What is wrong. */
    public readonly problem: string,
    details: {
      /** The keys leading to the fault (`["config", "promotion:apps", "api", "<<"]`). */
      path?: readonly string[];
      /** The refused text as written (`*dex`). */
      found?: string;
      /** What is accepted instead. */
      accepted?: string;
    } = {},
  ) {
    const accepted = details.accepted ? `; accepted: ${details.accepted}` : "";
    super(formatYamlError(file, line, column, problem + accepted));
    this.name = "StackFileError";
    this.path = details.path ?? [];
    this.found = details.found;
    this.accepted = details.accepted;
  }

  public readonly path: readonly string[];
  public readonly found?: string;
  public readonly accepted?: string;
}

/**
 * The options every stack file is parsed with: a duplicate key is an error, and `<<` is a plain
 * key (then refused below), never merged.
 */
const OPTIONS = { uniqueKeys: true, merge: false } as const;

const WRITE_IT_OUT =
  "the values written out in full in this file (what several apps share goes once into promotion:appDefaults: README, Compact stack files)";

/** A stack file, parsed and checked. */
export interface StackYaml {
  /** The file's content as plain data (null for an empty file). */
  value: unknown;
  /** The parsed document, for edits that keep the file's bytes (cli/stackText.ts). */
  document: Document;
  /** The line (1-based) of the key at `path` (`["config", "promotion:apps"]`), if there is one. */
  lineOf(path: readonly string[]): number | undefined;
}

/** The keys from the document's root down to `target`, as written (scalars only). */
function pathTo(document: Document, target: Node): string[] {
  let found: string[] = [];
  visit(document, {
    Node(_key, node, ancestors) {
      if (node !== target) return undefined;
      found = ancestors
        .filter(isPair)
        .map((pair) => (isScalar(pair.key) ? String(pair.key.value) : "?"));
      return visit.BREAK;
    },
  });
  return found;
}

interface Reference {
  offset: number;
  /** `*dex`, `&dex` or `<<`, as written. */
  token: string;
  what: string;
  node: Node;
}

/** Every anchor, alias and merge key, in document order. */
function references(text: string, document: Document): Reference[] {
  const found: Reference[] = [];
  visit(document, {
    Alias(_key, alias) {
      found.push({
        offset: alias.range?.[0] ?? 0,
        token: `*${alias.source}`,
        what: `*${alias.source} is a YAML alias, which stack files do not use: it repeats values written elsewhere, and readers of this file would not all see them the same way`,
        node: alias,
      });
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === "<<") {
        found.push({
          offset: pair.key.range?.[0] ?? 0,
          token: "<<",
          what: `<< is a YAML merge key, which stack files do not use: the engine would merge it and the promotion CLI would not, so they would deploy and check different values`,
          node: pair.key,
        });
      }
    },
    Node(_key, node) {
      if (isAlias(node) || !node.anchor) return;
      // The node's range starts after its anchor: the anchor is the `&name` just before it.
      const start = node.range?.[0] ?? 0;
      const at = text.lastIndexOf(`&${node.anchor}`, start);
      found.push({
        offset: at === -1 ? start : at,
        token: `&${node.anchor}`,
        what: `&${node.anchor} is a YAML anchor, which stack files do not use (anchors only serve aliases and merge keys, which are refused)`,
        node,
      });
    },
  });
  return found.sort((a, b) => a.offset - b.offset);
}

/**
 * Parses and checks a stack file's (or Pulumi.yaml's) text; throws StackFileError at the first
 * syntax error, duplicate key, anchor, alias or merge key.
 */
export function readStackYaml(file: string, text: string): StackYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { ...OPTIONS, lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const mistake = locateYamlError(text);
    if (mistake) throw new StackFileError(file, mistake.line, mistake.column, mistake.what);
    throw document.errors[0];
  }
  const [first, ...more] = references(text, document);
  if (first) {
    const { line, col } = lineCounter.linePos(first.offset);
    // The others too, so that the file is fixed in one pass.
    const others = more.map((r) => `line ${lineCounter.linePos(r.offset).line} (${r.token})`);
    const also = others.length > 0 ? `; also ${others.join(", ")}` : "";
    throw new StackFileError(file, line, col, first.what + also, {
      path: pathTo(document, first.node),
      found: first.token,
      accepted: WRITE_IT_OUT,
    });
  }
  return {
    value: document.toJS(),
    document,
    lineOf(path) {
      let node: unknown = document.contents;
      let line: number | undefined;
      for (const part of path) {
        if (!isMap(node)) return undefined;
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === part);
        if (!pair || !isScalar(pair.key)) return undefined;
        line = lineCounter.linePos(pair.key.range?.[0] ?? 0).line;
        node = pair.value;
      }
      return line;
    },
  };
}

/** "<file> line L, column C: <what is wrong>", or undefined when readStackYaml accepts `text`. */
export function stackYamlError(file: string, text: string): string | undefined {
  try {
    readStackYaml(file, text);
    return undefined;
  } catch (error) {
    if (error instanceof StackFileError) return error.message;
    return `${file}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
