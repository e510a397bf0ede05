/**
 * Laws of the promotion chain on random chains (fast-check): any set of environments linked into
 * one line, in any file order, orders back to that line, and only promotions to the direct
 * downstream are allowed; an extra first environment, a branch, a cycle or an unknown upstream is
 * always refused.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import {
  ChainError,
  chainProblems,
  orderChain,
  refusePromotion,
  type ChainLink,
} from "../../rules/chain";

/** 1 to 8 distinct environment names, in promotion order. */
const line = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,9}$/), {
  minLength: 1,
  maxLength: 8,
});

/** Each environment takes tags from the one before it; the first from none. */
const linksOf = (names: string[]): ChainLink[] =>
  names.map((environment, i) =>
    i === 0 ? { environment } : { environment, upstream: names[i - 1] },
  );

/** The links of a line in a random file order. */
const shuffledLine = line.chain((names) =>
  fc
    .shuffledSubarray(linksOf(names), { minLength: names.length, maxLength: names.length })
    .map((links) => ({ names, links })),
);

/** A name that is not one of `names`. */
const another = (names: string[]): string => `x${names.join("")}`;

function assertRefused(links: ChainLink[], problem: RegExp): void {
  const messages = chainProblems(links).map((p) => `${p.reason ?? ""}; accepted: ${p.accepted}`);
  assert.ok(
    messages.some((m) => problem.test(m)),
    `expected a problem like ${problem}: ${JSON.stringify(messages)} for ${JSON.stringify(links)}`,
  );
  assert.throws(() => orderChain(links), ChainError);
}

describe("promotion chain laws (random chains)", () => {
  it("a line in any file order has no problem and orders back to the line", () => {
    fc.assert(
      fc.property(shuffledLine, ({ names, links }) => {
        assert.deepEqual(chainProblems(links), []);
        assert.deepEqual(orderChain(links), names);
      }),
    );
  });

  it("allows exactly the promotions from an environment to its direct downstream", () => {
    fc.assert(
      fc.property(shuffledLine, ({ names, links }) => {
        for (const [i, from] of names.entries()) {
          for (const [j, to] of names.entries()) {
            const refusal = refusePromotion(links, from, to);
            assert.equal(refusal === undefined, j === i + 1, `${from} -> ${to}: ${refusal}`);
          }
        }
      }),
    );
  });

  it("refuses a second first environment", () => {
    fc.assert(
      fc.property(shuffledLine, ({ names, links }) => {
        assertRefused(
          [...links, { environment: another(names) }],
          /all have no upstream; accepted: exactly one first environment/,
        );
      }),
    );
  });

  it("refuses a branch: a second environment taking tags from one that already has a downstream", () => {
    const withBranch = shuffledLine
      .filter(({ names }) => names.length >= 2)
      .chain(({ names, links }) =>
        fc.nat({ max: names.length - 2 }).map((i) => ({ names, links, from: names[i] })),
      );
    fc.assert(
      fc.property(withBranch, ({ names, links, from }) => {
        const branch = { environment: another(names), upstream: from };
        assertRefused([...links, branch], new RegExp(`all take tags from ${from};`));
      }),
    );
  });

  it("refuses a cycle: an environment taking tags from itself or from one after it", () => {
    const withCycle = shuffledLine.chain(({ names, links }) =>
      fc
        .nat({ max: names.length - 1 })
        .chain((k) =>
          fc.integer({ min: k, max: names.length - 1 }).map((j) => ({ names, links, k, j })),
        ),
    );
    fc.assert(
      fc.property(withCycle, ({ names, links, k, j }) => {
        const cyclic = links.map((link) =>
          link.environment === names[k] ? { environment: names[k], upstream: names[j] } : link,
        );
        assertRefused(cyclic, /the chain has a cycle/);
      }),
    );
  });

  it("refuses an upstream that has no stack file", () => {
    const withUnknown = shuffledLine.chain(({ names, links }) =>
      fc.nat({ max: names.length - 1 }).map((k) => ({ names, links, k })),
    );
    fc.assert(
      fc.property(withUnknown, ({ names, links, k }) => {
        const unknown = another(names);
        const broken = links.map((link) =>
          link.environment === names[k] ? { environment: names[k], upstream: unknown } : link,
        );
        assertRefused(broken, new RegExp(`takes tags from "${unknown}", which has no stack file`));
      }),
    );
  });
});
