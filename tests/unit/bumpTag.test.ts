/**
 * scripts/bump-tag.ts, the build side's tag bump: it edits only the first environment's tag line,
 * refuses mutable tags and unknown apps, and says "nothing to do" for a tag already pinned.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Refused } from "../../cli/errors";
import { bumpFirstEnvironment } from "../../scripts/bump-tag";
import { SEED } from "../fixtures";
import { editedFixture, removeTempProjects } from "../support/promotionProject";

describe("scripts/bump-tag.ts", () => {
  afterEach(removeTempProjects);

  it("pins the new tag in the first environment's file, one line changed", () => {
    const dir = editedFixture(() => undefined);
    const file = path.join(dir, "Pulumi.dev.yaml");
    const before = fs.readFileSync(file, "utf8");
    const bumped = bumpFirstEnvironment(dir, "dex", "sha-0123abcd");
    assert.deepEqual(
      { environment: bumped.environment, file: bumped.file, changed: bumped.changed },
      { environment: "dev", file: "Pulumi.dev.yaml", changed: true },
    );
    const after = fs.readFileSync(file, "utf8");
    const changed = after.split("\n").filter((line, i) => line !== before.split("\n")[i]);
    assert.deepEqual(
      changed.map((l) => l.trim()),
      ["tag: sha-0123abcd"],
    );
    assert.equal(
      fs.readFileSync(path.join(dir, "Pulumi.stage.yaml"), "utf8"),
      fs.readFileSync(path.join(SEED.dir, "Pulumi.stage.yaml"), "utf8"),
    );
  });

  it("changes nothing when the tag is pinned already", () => {
    const dir = editedFixture(() => undefined);
    const bumped = bumpFirstEnvironment(dir, "dex", SEED.tags.dev);
    assert.equal(bumped.changed, false);
    assert.match(bumped.message, /^Nothing to do/);
  });

  it("refuses a mutable tag and an app the first environment does not run", () => {
    const dir = editedFixture(() => undefined);
    assert.throws(() => bumpFirstEnvironment(dir, "dex", "latest"), Refused);
    assert.throws(() => bumpFirstEnvironment(dir, "dexx", "sha-0123abcd"), /runs no app "dexx"/);
    assert.equal(
      fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8"),
      fs.readFileSync(path.join(SEED.dir, "Pulumi.dev.yaml"), "utf8"),
    );
  });
});
