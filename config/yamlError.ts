/**
 * YAML syntax errors said the way a user fixes them: the file, and the line and column where the
 * mistake is. The yaml library reports an unclosed `{`, `[` or quote where it gave up, often lines
 * later (at the next key); the line that needs the fix is where the collection or quote opens.
 */
import { CST, isScalar, LineCounter, Parser, parseDocument, visit, type YAMLError } from "yaml";

const CLOSERS: Record<string, string> = { "{": "}", "[": "]", '"': '"', "'": "'" };

/** A flow collection or quoted scalar that opens but never closes, by where it opens. */
function unclosedOpenings(text: string): Array<{ offset: number; opener: string }> {
  const found: Array<{ offset: number; opener: string }> = [];
  const check = (token: CST.Token | undefined) => {
    if (token?.type === "flow-collection") {
      // `[a, b }` ends the sequence with the map's closer: that does not close it.
      const closer = token.start.type === "flow-map-start" ? "flow-map-end" : "flow-seq-end";
      if (!token.end.some((t) => t.type === closer)) {
        found.push({ offset: token.offset, opener: token.start.source });
      }
    } else if (token?.type === "double-quoted-scalar" || token?.type === "single-quoted-scalar") {
      const quote = token.source[0];
      if (token.source.length < 2 || !token.source.endsWith(quote)) {
        found.push({ offset: token.offset, opener: quote });
      }
    }
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== "document") continue;
    check(token.value);
    CST.visit(token, (item) => {
      check(item.key ?? undefined);
      check(item.value);
    });
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** Where the mistake of `error` is: the opening it never closed, else where yaml reports it. */
function mistakeOffset(text: string, error: YAMLError): { offset: number; opener?: string } {
  const reported = error.pos[0];
  const openings = unclosedOpenings(text).filter((o) => o.offset <= reported);
  const nearest = openings[openings.length - 1];
  return nearest ?? { offset: reported };
}

/**
 * A duplicate key at `offset`: its name and where it was first set. The engine refuses such a
 * file without naming it, other readers keep the last value: so the file must say it once.
 */
function duplicateKey(text: string, offset: number): { key: string; first: number } | undefined {
  let found: { key: string; first: number } | undefined;
  visit(parseDocument(text, { uniqueKeys: false }), {
    Map(_key, map) {
      const again = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
      if (!again || !isScalar(again.key)) return undefined;
      const value = again.key.value;
      const first = map.items.find((p) => isScalar(p.key) && p.key.value === value);
      if (!first || !isScalar(first.key)) return undefined;
      found = { key: String(value), first: first.key.range?.[0] ?? 0 };
      return visit.BREAK;
    },
  });
  return found;
}

/** Where a text's first YAML syntax error is and what is wrong; undefined for valid YAML. */
export function locateYamlError(
  text: string,
): { line: number; column: number; what: string } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (!error) return undefined;
  const duplicate = error.code === "DUPLICATE_KEY" && duplicateKey(text, error.pos[0]);
  if (duplicate) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const first = lineCounter.linePos(duplicate.first).line;
    const what = `the key "${duplicate.key}" is set again (first at line ${first}): YAML readers do not agree on which value counts, and the engine refuses the file; accepted: each key once, with all of its settings in one place`;
    return { line, column: col, what };
  }
  const { offset, opener } = mistakeOffset(text, error);
  const { line, col } = lineCounter.linePos(offset);
  const what = opener
    ? `this ${opener} is never closed with ${CLOSERS[opener] ?? opener} (yaml: ${error.message})`
    : error.message;
  return { line, column: col, what };
}

/** "<file> line L, column C: <what is wrong>". */
export const formatYamlError = (file: string, line: number, column: number, what: string) =>
  `${file} line ${line}, column ${column}: ${what}`;

/** "<file> line L, column C: <what is wrong>", or undefined when `text` is valid YAML. */
export function yamlSyntaxError(file: string, text: string): string | undefined {
  const found = locateYamlError(text);
  return found && formatYamlError(file, found.line, found.column, found.what);
}
