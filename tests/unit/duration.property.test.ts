/**
 * Laws of soak-time durations (fast-check): parseDuration adds up its parts, formatDuration always
 * writes something parseDuration reads back, to the second below a minute and to the minute above
 * it, and formatting what it parsed from its own output changes nothing.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { formatDuration, parseDuration } from "../../rules/gate";

/** Seconds from 0 to about 400 days. */
const seconds = fc.nat({ max: 400 * 24 * 3600 });

/** Some of d, h, m, s (at least one), each a whole number, written in that order. */
const parts = fc
  .record(
    { d: fc.nat({ max: 400 }), h: fc.nat({ max: 100 }), m: fc.nat({ max: 300 }), s: fc.nat() },
    { requiredKeys: [] },
  )
  .filter((p) => Object.keys(p).length > 0);

const written = (p: { d?: number; h?: number; m?: number; s?: number }): string =>
  (["d", "h", "m", "s"] as const)
    .filter((unit) => p[unit] !== undefined)
    .map((unit) => `${p[unit]}${unit}`)
    .join("");

describe("duration laws (random durations)", () => {
  it("parses d, h, m and s parts, each optional but in that order, as their sum in seconds", () => {
    fc.assert(
      fc.property(parts, (p) => {
        const { d = 0, h = 0, m = 0, s = 0 } = p;
        assert.equal(parseDuration(written(p)), ((d * 24 + h) * 60 + m) * 60 + s);
      }),
    );
  });

  it("refuses the parts out of order", () => {
    const twoUnits = fc
      .uniqueArray(fc.constantFrom("d", "h", "m", "s"), { minLength: 2, maxLength: 2 })
      .filter(([a, b]) => "dhms".indexOf(a) > "dhms".indexOf(b));
    fc.assert(
      fc.property(twoUnits, fc.nat(), fc.nat(), ([a, b], x, y) => {
        assert.equal(parseDuration(`${x}${a}${y}${b}`), undefined);
      }),
    );
  });

  it("refuses numbers other than 0, and strings with a sign, a fraction or a space", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double()), (n) => {
        assert.equal(parseDuration(n), n === 0 ? 0 : undefined);
      }),
    );
    fc.assert(
      fc.property(parts, fc.constantFrom("-", "+", ".5", " "), (p, junk) => {
        assert.equal(parseDuration(`${junk}${written(p)}`), undefined);
      }),
    );
  });

  it("reads back what it writes: to the second below a minute, to the minute from a minute on", () => {
    fc.assert(
      fc.property(seconds, (n) => {
        const back = parseDuration(formatDuration(n));
        assert.equal(back, n < 60 ? n : n - (n % 60), formatDuration(n));
      }),
    );
  });

  it("writes a duration it read from its own output the same way (formatting is canonical)", () => {
    fc.assert(
      fc.property(seconds, (n) => {
        const once = formatDuration(n);
        assert.equal(formatDuration(parseDuration(once)!), once);
      }),
    );
  });

  it("writes fractions and negative numbers as the whole seconds below them, at least 0", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => {
        assert.equal(formatDuration(x), formatDuration(Math.max(0, Math.floor(x))));
      }),
    );
  });
});
