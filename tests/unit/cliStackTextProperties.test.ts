/**
 * Laws of the stack-file edit (cli/stackText.ts), checked with fast-check on the fixture stack
 * files and on generated ones (quote styles, indentation, comments, CRLF, several apps):
 *   - a tag edit changes the tag line and nothing else, and the parsed YAML is the original with
 *     that tag replaced;
 *   - editing back to the old tag restores the original text byte for byte;
 *   - writing a bypass block adds only its lines, and removing it again gives the original back.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { parse } from "yaml";
import { listStacks } from "../../config/stackFiles";
import { editStackText, readApps, yamlScalar, type Bypass } from "../../cli/stackText";
import { changedLines, fixtureDir } from "../support/gitRepo";

const RUNS = { numRuns: 100 };

/** Every tag form the image tag policy accepts. */
const tagArb = fc.oneof(
  fc.stringMatching(/^sha-[0-9a-f]{7,12}$/),
  fc.stringMatching(/^v[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}$/),
  fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `@sha256:${hex}`),
);

const bypassArb: fc.Arbitrary<Bypass> = fc.record({
  kind: fc.constantFrom("rollback" as const, "hotfix" as const),
  tag: tagArb,
  reason: fc.string({ minLength: 1, maxLength: 40 }),
});

type Style = "plain" | "single" | "double";

interface GeneratedApp {
  name: string;
  tag: string;
  style: Style;
  comment: boolean;
  bypass: Bypass | null;
}

interface GeneratedFile {
  step: number;
  eol: string;
  apps: GeneratedApp[];
}

function written(tag: string, style: Style): string {
  if (style === "double") return JSON.stringify(tag);
  if (style === "single") return `'${tag}'`;
  return yamlScalar(tag);
}

/** A stack file the way people write them, in one of several layouts. */
function render(file: GeneratedFile): string {
  const i = (depth: number) => " ".repeat(file.step * depth);
  const lines = ["# generated stack file", "config:", `${i(1)}promotion:system: dex`];
  lines.push(`${i(1)}promotion:apps:`);
  for (const app of file.apps) {
    lines.push(`${i(2)}${app.name}:`);
    lines.push(`${i(3)}image: ghcr.io/example/${app.name}`);
    if (app.comment) lines.push(`${i(3)}# The build this environment runs.`);
    lines.push(`${i(3)}tag: ${written(app.tag, app.style)}`);
    lines.push(`${i(3)}source:`, `${i(4)}repoURL: https://example.com/${app.name}.git`);
    lines.push(`${i(3)}resources:`, `${i(4)}requests: { cpu: 100m, memory: 1Gi } # flow map`);
    if (app.bypass) {
      // Exactly what editStackText writes, so removing and re-adding it is a round trip.
      lines.push(
        `${i(3)}# Exception to the promotion chain (${app.bypass.kind}); the next normal promotion removes it.`,
        `${i(3)}bypass:`,
        `${i(4)}kind: ${app.bypass.kind}`,
        `${i(4)}tag: ${yamlScalar(app.bypass.tag)}`,
        `${i(4)}reason: ${yamlScalar(app.bypass.reason)}`,
      );
    }
  }
  lines.push(`${i(1)}promotion:namespace: dex`, "");
  return lines.join(file.eol);
}

const fileArb: fc.Arbitrary<GeneratedFile> = fc.record({
  step: fc.constantFrom(2, 4),
  eol: fc.constantFrom("\n", "\r\n"),
  apps: fc.uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{1,8}$/),
      tag: tagArb,
      style: fc.constantFrom<Style>("plain", "single", "double"),
      comment: fc.boolean(),
      bypass: fc.option(bypassArb, { nil: null }),
    }),
    { minLength: 1, maxLength: 3, selector: (app) => app.name },
  ),
});

/** A stack text and one of its apps: a fixture file (app dex) or a generated one. */
const FIXTURES = ["seed", "canary"].flatMap((fixture) =>
  listStacks(fixtureDir(fixture)).map((stack) =>
    fs.readFileSync(path.join(fixtureDir(fixture), `Pulumi.${stack}.yaml`), "utf8"),
  ),
);
interface Subject {
  text: string;
  app: string;
  /** How the app's tag is written in the text. */
  style: Style;
}

const subjectArb: fc.Arbitrary<Subject> = fc.oneof(
  fc.constantFrom(...FIXTURES).map((text): Subject => ({ text, app: "dex", style: "plain" })),
  fileArb.chain((file) =>
    fc
      .constantFrom(...file.apps)
      .map((app) => ({ text: render(file), app: app.name, style: app.style })),
  ),
);

/** The parsed file with one app's tag (and bypass) set as given. */
function expectedParse(text: string, app: string, tag: string, bypass?: Bypass | null): unknown {
  const parsed = parse(text) as { config: Record<string, Record<string, Record<string, unknown>>> };
  const entry = parsed.config["promotion:apps"][app];
  entry.tag = tag;
  if (bypass === null) delete entry.bypass;
  else if (bypass !== undefined) entry.bypass = { ...bypass };
  return parsed;
}

/** Whether a tag cannot be written plain (a digest starts with @). */
const needsQuotes = (tag: string) => yamlScalar(tag) !== tag;

/**
 * Whether old -> tag -> old gives the text back byte for byte. After an edit the file cannot tell
 * a chosen quote from a needed one, so two cases keep only the meaning: a tag quoted by choice,
 * edited to a digest (which needs the quotes) and back, comes back plain; a single-quoted digest,
 * edited to a plain tag and back, comes back double-quoted, the way this CLI writes a digest.
 * Plain tags, as the fixtures and this CLI write them, always round-trip.
 */
function keepsBytes(style: Style, old: string, tag: string): boolean {
  const choiceLost = style !== "plain" && needsQuotes(tag) && !needsQuotes(old);
  const singleLost = style === "single" && needsQuotes(old) && !needsQuotes(tag);
  return !choiceLost && !singleLost;
}

describe("cli: stack-file edit laws (fast-check)", () => {
  it("a tag edit changes only the tag line, and parses as the original with the new tag", () => {
    fc.assert(
      fc.property(subjectArb, tagArb, ({ text, app }, tag) => {
        const after = editStackText(text, "f", [{ app, tag }]);
        const changed = changedLines(text, after);
        assert.ok(changed.length <= 1);
        for (const line of changed) assert.match(line.before.trim(), /^tag: /);
        assert.deepEqual(parse(after), expectedParse(text, app, tag));
      }),
      RUNS,
    );
  });

  it("editing back to the old tag restores the original text byte for byte", () => {
    fc.assert(
      fc.property(subjectArb, tagArb, ({ text, app, style }, tag) => {
        const old = readApps(text)[app].tag!;
        const back = editStackText(editStackText(text, "f", [{ app, tag }]), "f", [
          { app, tag: old },
        ]);
        if (keepsBytes(style, old, tag)) assert.equal(back, text);
        else assert.deepEqual(parse(back), parse(text));
      }),
      RUNS,
    );
  });

  it("a bypass block adds only its lines, and removing it gives the original back", () => {
    fc.assert(
      fc.property(subjectArb, tagArb, bypassArb, ({ text, app, style }, tag, bypass) => {
        const had = readApps(text)[app];
        const old = had.tag!;
        const withBypass = editStackText(text, "f", [{ app, tag, bypass }]);
        assert.deepEqual(parse(withBypass), expectedParse(text, app, tag, bypass));
        if (!had.bypass) {
          // The tag edit alone (law 1), plus the block's five lines inserted in one place.
          const tagOnly = editStackText(text, "f", [{ app, tag }]).split("\n");
          const lines = withBypass.split("\n");
          const at = lines.findIndex((line, index) => line !== tagOnly[index]);
          assert.match(lines[at], /# Exception to the promotion chain/);
          assert.deepEqual([...lines.slice(0, at), ...lines.slice(at + 5)], tagOnly);
        }
        const restored = editStackText(withBypass, "f", [
          { app, tag: old, bypass: had.bypass ?? null },
        ]);
        if (keepsBytes(style, old, tag)) assert.equal(restored, text);
        else assert.deepEqual(parse(restored), parse(text));
      }),
      RUNS,
    );
  });
});
