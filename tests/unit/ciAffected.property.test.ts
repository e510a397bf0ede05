/**
 * Laws of the affected-stack rule on random change sets (fast-check): a program file anywhere in a
 * change affects every stack; the stacks always come in chain order; only stack files of existing
 * stacks select stacks; more changed files never affect fewer stacks.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { affectedStacks, PROGRAM_FILES, PROGRAM_FOLDERS } from "../../rules/ci/affected";

/** A chain of 1 to 6 distinct environment names, in promotion order. */
const chain = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/), {
  minLength: 1,
  maxLength: 6,
});

const segment = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);

/** Paths no stack runs: docs, tests, the CLI, workflows. */
const otherPath = fc.oneof(
  segment.map((s) => `docs/${s}.md`),
  segment.map((s) => `tests/unit/${s}.test.ts`),
  segment.map((s) => `tests/fixtures/seed/Pulumi.${s}.yaml`),
  segment.map((s) => `cli/${s}.ts`),
  segment.map((s) => `.github/workflows/${s}.yml`),
  fc.constant("README.md"),
);

/** A program path: one of the program's files, or a file in one of its folders. */
const programPath = fc.oneof(
  fc.constantFrom(...PROGRAM_FILES),
  fc.tuple(fc.constantFrom(...PROGRAM_FOLDERS), segment).map(([folder, s]) => `${folder}${s}.ts`),
);

/** A chain, and a change set of stack files (of its stacks and of others) and other paths. */
const world = chain.chain((names) =>
  fc
    .record({
      stacks: fc.subarray(names),
      strangers: fc.array(
        segment.filter((s) => !names.includes(s)),
        { maxLength: 2 },
      ),
      others: fc.array(otherPath, { maxLength: 5 }),
    })
    .chain(({ stacks, strangers, others }) =>
      fc
        .shuffledSubarray(
          [...[...stacks, ...strangers].map((s) => `Pulumi.${s}.yaml`), ...others],
          { minLength: stacks.length + strangers.length + others.length },
        )
        .map((files) => ({ names, stacks, files })),
    ),
);

/** Whether `sub` appears in `whole` in the same order. */
function inOrder(sub: readonly string[], whole: readonly string[]): boolean {
  let at = -1;
  return sub.every((item) => (at = whole.indexOf(item, at + 1)) !== -1);
}

describe("ci: affected-stack laws (random change sets)", () => {
  it("any change set containing a program file affects every stack, in chain order", () => {
    fc.assert(
      fc.property(world, programPath, fc.nat(), ({ names, files }, program, at) => {
        const changed = [...files];
        changed.splice(at % (changed.length + 1), 0, program);
        const affected = affectedStacks(changed, names);
        assert.deepEqual(affected.stacks, names);
        assert.equal(affected.all, true);
        assert.ok(affected.reason.program.includes(program));
      }),
    );
  });

  it("without program code: exactly the stacks whose file changed, in chain order", () => {
    fc.assert(
      fc.property(world, ({ names, stacks, files }) => {
        const affected = affectedStacks(files, names);
        assert.equal(affected.all, false);
        assert.deepEqual(
          affected.stacks,
          names.filter((n) => stacks.includes(n)),
        );
        assert.ok(inOrder(affected.stacks, names));
      }),
    );
  });

  it("the stacks are always a subsequence of the chain, whatever the file order", () => {
    fc.assert(
      fc.property(world, fc.boolean(), programPath, ({ names, files }, withProgram, program) => {
        const affected = affectedStacks(withProgram ? [...files, program] : files, names);
        assert.ok(
          inOrder(affected.stacks, names),
          `${affected.stacks.join(",")} in ${names.join(",")}`,
        );
        assert.deepEqual(
          affectedStacks([...files].reverse(), names).stacks,
          affectedStacks(files, names).stacks,
        );
      }),
    );
  });

  it("only docs, tests and other tools affect no stack", () => {
    fc.assert(
      fc.property(chain, fc.array(otherPath, { maxLength: 8 }), (names, files) => {
        assert.deepEqual(affectedStacks(files, names).stacks, []);
      }),
    );
  });

  it("adding changed files never affects fewer stacks", () => {
    fc.assert(
      fc.property(world, world, ({ names, files }, more) => {
        const before = affectedStacks(files, names).stacks;
        const after = affectedStacks([...files, ...more.files], names).stacks;
        assert.ok(before.every((s) => after.includes(s)));
      }),
    );
  });
});
