/**
 * Stack files scaled to N apps for the benchmarks, in the compact form (promotion:appDefaults: the
 * stack's first app without its tag; then N apps naming only their tag), which is how a stack of
 * hundreds of apps is written (README: compact stack files). Also measures each form's config as
 * the engine passes it to the program (rules/configSize.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { engineConfigOfText } from "../config/stackFiles";
import { stackFileName } from "../rules/names";
import { engineConfigBytes } from "../rules/configSize";

interface Scaled {
  /** The compact stack file's text. */
  text: string;
  /** Bytes of PULUMI_CONFIG for it, and for the same apps written out in full. */
  compactBytes: number;
  explicitBytes: number;
}

/** The stack file of `stack` in `projectDir` with its first app as `count` apps. */
export function scaledStackFile(projectDir: string, stack: string, count: number): Scaled {
  const text = fs.readFileSync(path.join(projectDir, stackFileName(stack)), "utf8");
  const doc = parseDocument(text);
  const apps = (doc.getIn(["config", "promotion:apps"]) as { toJSON(): object }).toJSON();
  const [name, first] = Object.entries(apps)[0] as [string, Record<string, unknown>];
  const { tag, ...shared } = first;
  delete shared.bypass;
  const names = Array.from({ length: count }, (_, i) => (count === 1 ? name : `${name}-${i}`));

  const explicit = parseDocument(text);
  explicit.setIn(
    ["config", "promotion:apps"],
    Object.fromEntries(names.map((n) => [n, structuredClone({ ...shared, tag })])),
  );
  explicit.deleteIn(["config", "promotion:appDefaults"]);

  doc.setIn(["config", "promotion:appDefaults"], shared);
  doc.setIn(["config", "promotion:apps"], Object.fromEntries(names.map((n) => [n, { tag }])));
  const compact = doc.toString();
  const bytes = (t: string) => engineConfigBytes(engineConfigOfText(projectDir, stack, t));
  return { text: compact, compactBytes: bytes(compact), explicitBytes: bytes(explicit.toString()) };
}
