/**
 * Issue #20, "Secrets stay secret", for refusals: a refused value of a secret config key (a
 * `secure:` value of the stack file, which the engine decrypts for the program) is printed as
 * [secret], never as the decrypted text: in the value, the reason, or a value cut short.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { runError } from "../../config/runError";
import { redactSecrets, secretValues, securePathsOfConfig, SECRET_SHOWN } from "../../rules/redact";
import { RefusedError } from "../../rules/verdict";

const TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;
const HOOK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX";

describe("secrets: refusals show [secret] for secret values", () => {
  describe("redactSecrets", () => {
    it("replaces a secret wherever it is quoted, also inside JSON quotes", () => {
      const quoted = 'pa"ss\\word';
      const text = `key = ${JSON.stringify(quoted)}; refused: ${quoted} is not a tag`;
      assert.equal(
        redactSecrets(text, [quoted]),
        `key = "${SECRET_SHOWN}"; refused: ${SECRET_SHOWN} is not a tag`,
      );
    });

    it("replaces the start of a secret cut short with ...", () => {
      const long = { env: { API_TOKEN: TOKEN, PAD: "x".repeat(60) } };
      const shown = JSON.stringify(long).slice(0, 40) + "...";
      assert.ok(!shown.includes(TOKEN), "the test needs a cut secret");
      assert.equal(
        redactSecrets(`v = ${shown}`, [TOKEN]),
        `v = ${JSON.stringify(long).slice(0, JSON.stringify(long).indexOf("ghp_"))}${SECRET_SHOWN}...`,
      );
    });

    it("leaves short values and other text alone", () => {
      assert.equal(redactSecrets("on and 1 and sha-1", ["on", "1"]), "on and 1 and sha-1");
    });
  });

  describe("secretValues", () => {
    const values = {
      "github:token": TOKEN,
      "promotion:apps": JSON.stringify({ dex: { tag: "sha-5eed0a1b", env: { HOOK } } }),
      "promotion:environment": "prod",
    };

    it("takes the whole value of a key secure whole", () => {
      assert.deepEqual(secretValues(values, ["github:token"], new Set(["github:token"])), [TOKEN]);
    });

    it("takes only the secure leaves of a structured key, given the stack file's paths", () => {
      const paths = new Set(["promotion:apps.dex.env.HOOK"]);
      assert.deepEqual(secretValues(values, ["promotion:apps"], paths), [HOOK]);
    });

    it("takes every leaf of a secret key when the secure paths are unknown", () => {
      const found = secretValues(values, ["promotion:apps"]);
      assert.ok(found.includes(HOOK) && found.includes("sha-5eed0a1b"));
      assert.ok(!found.includes("prod"));
    });

    it("reads the secure paths of a stack file's config", () => {
      assert.deepEqual(
        [
          ...securePathsOfConfig(
            {
              "github:token": { secure: "v1:x" },
              apps: { dex: { env: { HOOK: { secure: "v1:y" } } } },
            },
            "promotion",
          ),
        ],
        ["github:token", "promotion:apps.dex.env.HOOK"],
      );
    });
  });

  describe("runError, where every refusal of the program ends", () => {
    const saved = { ...process.env };
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-redact-"));
    });
    afterEach(() => {
      process.env = { ...saved };
      pulumi.runtime.setAllConfig({});
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The run's config as the engine hands it over: decrypted, with the secret keys named. */
    function engineHands(config: Record<string, string>, secretKeys: string[]): void {
      pulumi.runtime.setAllConfig(config, secretKeys);
      process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys);
    }

    it("prints [secret] for a refused secret value, not the decrypted text", () => {
      engineHands({ "promotion:slackWebhook": HOOK }, ["promotion:slackWebhook"]);
      const refused = new RefusedError("prod", "config", [
        {
          stack: "prod",
          key: "promotion:slackWebhook",
          value: HOOK,
          reason: `${HOOK} is not a Secret name`,
          accepted: "a DNS label",
        },
      ]);
      assert.ok(refused.message.includes(HOOK), "the refusal quotes the value");
      const error = runError(refused.message);
      assert.ok(!error.message.includes("XXXXXXXX"), error.message);
      assert.match(
        error.message,
        /promotion:slackWebhook = "\[secret\]"; refused: \[secret\] is not a Secret name/,
      );
    });

    it("keeps the plain values of a key beside its secure leaf (the stack file says which)", () => {
      const file = path.join(dir, "Pulumi.prod.yaml");
      fs.writeFileSync(
        file,
        "config:\n  promotion:apps:\n    dex:\n      tag: latest\n      env:\n        HOOK:\n          secure: v1:abc\n",
      );
      process.env.PROMOTION_STACK_CONFIG_FILE = file;
      engineHands({ "promotion:apps": JSON.stringify({ dex: { tag: "latest", env: { HOOK } } }) }, [
        "promotion:apps",
      ]);
      const refused = new RefusedError("prod", "config", [
        { stack: "prod", key: "promotion:apps.dex.tag", value: "latest", accepted: "a tag" },
        { stack: "prod", key: "promotion:apps.dex.env", value: { HOOK }, accepted: "strings" },
      ]);
      const shown = runError(refused.message).message;
      assert.match(shown, /promotion:apps\.dex\.tag = "latest"/);
      assert.match(shown, /promotion:apps\.dex\.env = \{"HOOK":"\[secret\]"\}/);
      assert.ok(!shown.includes("hooks.slack.com"));
    });

    it("changes nothing when the run has no secret", () => {
      engineHands({ "promotion:environment": "prod" }, []);
      assert.equal(runError('stack "prod": x = "prod"').message, 'stack "prod": x = "prod"');
    });
  });
});
