/**
 * The one environment variable the engine passes a stack's config in (rules/configSize.ts): a
 * stack file too big for it is refused before the engine fails, by the CLI's edits and by
 * scripts/stack.sh's check, naming the size, the limit and what to do; the compact form of the
 * same apps fits, with room for 1,000 apps.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { engineConfig } from "../../config/stackFiles";
import { refuseOversizedConfig, StackEditError } from "../../cli/stackText";
import {
  configNearLimit,
  configTooBig,
  ENGINE_CONFIG_LIMIT,
  engineConfigBytes,
} from "../../rules/configSize";
import { PROJECT_DIR } from "../../harness/program";
import { SEED } from "../fixtures";

/** A copy of the seed fixture whose dev runs `count` apps, explicit or compact. */
function seedWithApps(count: number, compact: boolean): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-size-"));
  for (const file of fs.readdirSync(SEED.dir)) {
    fs.copyFileSync(path.join(SEED.dir, file), path.join(dir, file));
  }
  const file = path.join(dir, "Pulumi.dev.yaml");
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  const template = (
    doc.getIn(["config", "promotion:apps", "dex"]) as { toJSON(): object }
  ).toJSON();
  const apps: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    apps[`dex-${i}`] = compact ? { tag: SEED.tags.dev } : structuredClone(template);
  }
  doc.setIn(["config", "promotion:apps"], apps);
  if (compact) {
    const shared: Record<string, unknown> = { ...template };
    delete shared.tag;
    doc.setIn(["config", "promotion:appDefaults"], shared);
  }
  fs.writeFileSync(file, doc.toString());
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe("config size: what the engine can pass to the program", () => {
  it("counts the bytes the language host writes: PULUMI_CONFIG=, namespace:config:key, Go's escapes", () => {
    const text = 'PULUMI_CONFIG={"promotion:config:a":"x<y","b:config:c":"é"}';
    assert.equal(
      engineConfigBytes({ "promotion:a": "x<y", "b:c": "é" }),
      Buffer.byteLength(text) + 5,
    );
  });

  it("says the size, the limit and what to do past the limit, and warns close to it", () => {
    assert.equal(configTooBig("dev", ENGINE_CONFIG_LIMIT), undefined);
    const refusal = configTooBig("dev", ENGINE_CONFIG_LIMIT + 1) ?? "";
    assert.match(refusal, /stack "dev": its config is 131072 bytes/);
    assert.match(refusal, /limit of 131071 bytes .*MAX_ARG_STRLEN/);
    assert.match(refusal, /argument list too long/);
    assert.match(refusal, /promotion:appDefaults/);
    assert.match(configNearLimit("dev", ENGINE_CONFIG_LIMIT - 10) ?? "", /100% of the 131071/);
    assert.equal(configNearLimit("dev", 1000), undefined);
  });

  it("500 apps written out do not fit; the same apps compact, and 1,000 of them, do", () => {
    const explicit = seedWithApps(500, false);
    const compact = seedWithApps(1000, true);
    try {
      const big = engineConfigBytes(engineConfig(explicit.dir, "dev"));
      assert.ok(big > ENGINE_CONFIG_LIMIT, `${big} bytes`);
      const small = engineConfigBytes(engineConfig(compact.dir, "dev"));
      assert.ok(small < ENGINE_CONFIG_LIMIT * 0.5, `${small} bytes for 1,000 compact apps`);
    } finally {
      explicit.cleanup();
      compact.cleanup();
    }
  });

  it("the CLI refuses an edit that leaves a stack file too big, and stack.sh's check says so", () => {
    const explicit = seedWithApps(500, false);
    try {
      const text = fs.readFileSync(path.join(explicit.dir, "Pulumi.dev.yaml"), "utf8");
      assert.throws(
        () => refuseOversizedConfig(explicit.dir, "Pulumi.dev.yaml", text),
        (error: unknown) =>
          error instanceof StackEditError &&
          /^Pulumi\.dev\.yaml after this edit: stack "dev": its config is \d+ bytes/.test(
            error.message,
          ),
      );
      const check = spawnSync(
        process.execPath,
        [path.join(PROJECT_DIR, "boot", "run.js"), "scripts/config-size.ts", "dev"],
        { cwd: explicit.dir, encoding: "utf8" },
      );
      assert.equal(check.status, 1, check.stderr);
      assert.match(
        check.stderr,
        /stack\.sh: stack "dev": its config is \d+ bytes .* limit of 131071/,
      );
      const ok = spawnSync(
        process.execPath,
        [path.join(PROJECT_DIR, "boot", "run.js"), "scripts/config-size.ts", "stage"],
        { cwd: explicit.dir, encoding: "utf8" },
      );
      assert.equal(ok.status, 0, ok.stderr);
    } finally {
      explicit.cleanup();
    }
  });
});
