/**
 * The stack policy on the stack's configuration: the seed fixture's config passes; a credential in
 * plain text, by its shape or by its name, anywhere in a value, is refused without being shown.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isCredentialName } from "../secrets";
import {
  securePathsOfStackFile,
  stackConfigFromEnvironment,
  type StackConfig,
} from "../stackConfig";
import { declaredBy, fixtureConfig, policyNamed, stackViolationsOf } from "./support";

const GITHUB_TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;
const SLACK_TOKEN = `xoxb-${"1234567890".repeat(2)}`;
const policy = (config: StackConfig | undefined = fixtureConfig("prod")) =>
  policyNamed("no-plaintext-secrets-in-config", config);

describe("policy no-plaintext-secrets-in-config", () => {
  it("passes every stack of the seed fixture", async () => {
    for (const stack of ["dev", "stage", "prod"]) {
      const messages = await stackViolationsOf(
        policy(fixtureConfig(stack)),
        await declaredBy(stack),
      );
      assert.deepEqual(messages, [], stack);
    }
  });

  it("refuses github:token in plain text, without printing it", async () => {
    const config = fixtureConfig("prod", (v) => (v["github:token"] = GITHUB_TOKEN));
    const messages = await stackViolationsOf(policy(config));
    assert.equal(messages.length, 1, messages.join("\n"));
    assert.equal(
      messages[0],
      'stack "prod": github:token = "(plain text, not shown)"; refused: it holds a GitHub token, ' +
        "and it is stored in plain text in the stack file; accepted: the value set as a secret: " +
        "pulumi config set --secret github:token ... (or the GITHUB_TOKEN environment variable)",
    );
    assert.ok(!messages[0].includes(GITHUB_TOKEN));
  });

  it("accepts the same value set as a secret", async () => {
    const config = fixtureConfig("prod", (v) => (v["github:token"] = GITHUB_TOKEN), [
      "github:token",
    ]);
    assert.deepEqual(await stackViolationsOf(policy(config)), []);
  });

  it("finds a credential inside a structured value: an app's environment variable", async () => {
    const config = fixtureConfig("dev", (v) => {
      const apps = JSON.parse(v["promotion:apps"]);
      apps.dex.env = {
        LOG_FORMAT: "json",
        AWS_KEY_ID: "AKIAABCDEFGHIJKLMNOP",
        DB_PASSWORD: "hunter22",
      };
      v["promotion:apps"] = JSON.stringify(apps);
    });
    const messages = await stackViolationsOf(policy(config));
    assert.equal(messages.length, 2, messages.join("\n"));
    assert.match(
      messages[0],
      /^stack "dev": promotion:apps\.dex\.env\.AWS_KEY_ID = "\(plain text, not shown\)"; refused: it holds an AWS access key ID/,
    );
    assert.match(
      messages[1],
      /^stack "dev": promotion:apps\.dex\.env\.DB_PASSWORD = .*refused: its name says it is a credential/,
    );
    assert.ok(!messages.join("").includes("hunter22"));
  });

  it("finds a private key or a kubeconfig credential in a plain value", async () => {
    const config = fixtureConfig("dev", (v) => {
      v["promotion:kubeconfig"] =
        "apiVersion: v1\nusers:\n- user:\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==\n";
      v["app:signingKey"] =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----";
    });
    const messages = await stackViolationsOf(policy(config));
    assert.equal(messages.length, 2, messages.join("\n"));
    assert.match(messages[0], /app:signingKey .*it holds a private key/);
    assert.match(messages[1], /promotion:kubeconfig .*it holds a kubeconfig credential/);
  });

  it("refuses what it cannot check when the stack's config did not reach the pack", async () => {
    const messages = await stackViolationsOf(
      policyNamed("no-plaintext-secrets-in-config", undefined),
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0], /the stack's configuration did not reach the policy pack/);
  });

  it("tells credential names from others", () => {
    for (const name of [
      "token",
      "DB_PASSWORD",
      "clientSecret",
      "apiKey",
      "api-key",
      "privateKey",
      "secretAccessKey",
      "access_token",
    ]) {
      assert.ok(isCredentialName(name), name);
    }
    for (const name of [
      "tokenTtl",
      "slackChannel",
      "reviewerIds",
      "passwordPolicyUrl",
      "LOG_LEVEL",
      "keyId",
    ]) {
      assert.ok(!isCredentialName(name), name);
    }
  });
  describe("a key holding secure leaves beside plain ones (pulumi config set --secret --path)", () => {
    /** promotion:apps as the engine sends it: dex.env.API_TOKEN decrypted, the rest as written. */
    const withEnv = (env: Record<string, string>, securePaths?: string[]): StackConfig => ({
      ...fixtureConfig(
        "dev",
        (v) => {
          const apps = JSON.parse(v["promotion:apps"]);
          apps.dex.env = env;
          v["promotion:apps"] = JSON.stringify(apps);
        },
        ["promotion:apps"],
      ),
      ...(securePaths ? { securePaths: new Set(securePaths) } : {}),
    });

    it("refuses a plain GitHub token beside a secure value, not the secure value", async () => {
      const config = withEnv({ API_TOKEN: GITHUB_TOKEN, MIRROR: GITHUB_TOKEN.replace("A", "Z") }, [
        "promotion:apps.dex.env.API_TOKEN",
      ]);
      const messages = await stackViolationsOf(policy(config));
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(
        messages[0],
        /^stack "dev": promotion:apps\.dex\.env\.MIRROR = "\(plain text, not shown\)"; refused: it holds a GitHub token/,
      );
      assert.ok(!messages[0].includes("A1b2C3d4E5"));
    });

    it("accepts the key when every credential in it is secure", async () => {
      const config = withEnv({ API_TOKEN: GITHUB_TOKEN, LOG_LEVEL: "info" }, [
        "promotion:apps.dex.env.API_TOKEN",
      ]);
      assert.deepEqual(await stackViolationsOf(policy(config)), []);
    });

    it("says it cannot tell plain from secure values without the stack file", async () => {
      const messages = await stackViolationsOf(policy(withEnv({ API_TOKEN: GITHUB_TOKEN })));
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(
        messages[0],
        /^stack "dev": promotion:apps = "\(secret, not shown\)"; refused: .*cannot be told: the pack did not get the stack file \(PROMOTION_STACK_CONFIG_FILE\)/,
      );
      assert.ok(!messages[0].includes("A1b2C3d4E5"));
    });

    it("skips a key set whole as a secret, with or without the stack file", async () => {
      const set = (v: Record<string, string>) => (v["github:token"] = GITHUB_TOKEN);
      const config = fixtureConfig("prod", set, ["github:token"]);
      assert.deepEqual(await stackViolationsOf(policy(config)), []);
      const withFile = { ...config, securePaths: new Set(["github:token"]) };
      assert.deepEqual(await stackViolationsOf(policy(withFile)), []);
    });
  });

  describe("credentials in URLs", () => {
    const withEnv = (env: Record<string, string>) =>
      fixtureConfig("dev", (v) => {
        const apps = JSON.parse(v["promotion:apps"]);
        apps.dex.env = env;
        v["promotion:apps"] = JSON.stringify(apps);
      });

    it("refuses a URL whose userinfo holds a password, without printing it", async () => {
      const messages = await stackViolationsOf(
        policy(
          withEnv({
            DATABASE_URL: "postgres://app:hunter22@db.internal:5432/app",
            UPSTREAM: "see https://deploy:s3cr3t@git.example.com/org/repo.git",
          }),
        ),
      );
      assert.equal(messages.length, 2, messages.join("\n"));
      assert.match(messages[0], /env\.DATABASE_URL .*refused: it holds a password in a URL/);
      assert.match(messages[1], /env\.UPSTREAM .*refused: it holds a password in a URL/);
      assert.ok(!messages.join("").includes("hunter22"));
    });

    it("accepts URLs without a password", async () => {
      const config = withEnv({
        REPO: "https://github.com/data-literate/dex.git",
        GIT: "ssh://git@github.com/data-literate/dex.git",
        PROXY: "http://proxy.internal:3128",
        DOCS: "https://example.com/path?next=a:b@c",
      });
      assert.deepEqual(await stackViolationsOf(policy(config)), []);
    });
  });

  describe("promotion:flux.slackSecret, the NAME of a Secret", () => {
    const flux = (slackSecret: string) =>
      fixtureConfig("dev", (v) => (v["promotion:flux"] = JSON.stringify({ slackSecret })));

    it("accepts a Secret's name", async () => {
      assert.deepEqual(await stackViolationsOf(policy(flux("slack-webhook"))), []);
    });

    it("still refuses a Slack token written there", async () => {
      const messages = await stackViolationsOf(policy(flux(SLACK_TOKEN)));
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(messages[0], /promotion:flux\.slackSecret .*it holds a Slack token/);
    });

    it("still refuses a value that is no Secret name", async () => {
      const messages = await stackViolationsOf(policy(flux("Hunter2 Hunter2")));
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(messages[0], /promotion:flux\.slackSecret .*its name says it is a credential/);
    });
  });

  describe("the stack file's secure paths", () => {
    const text = [
      "config:",
      "  github:token:",
      "    secure: v1:AAAA",
      "  promotion:apps:",
      "    dex:",
      "      env:",
      "        API_TOKEN:",
      "          secure: v1:BBBB",
      "        LOG_LEVEL: info",
      "  hosts:",
      "    - plain",
      "    - secure: v1:CCCC",
      "",
    ].join("\n");

    it("lists every secure: leaf, qualified as the engine qualifies keys", () => {
      assert.deepEqual([...securePathsOfStackFile(text, "promotion")].sort(), [
        "github:token",
        "promotion:apps.dex.env.API_TOKEN",
        "promotion:hosts[1]",
      ]);
    });

    it("is read from the file PROMOTION_STACK_CONFIG_FILE names", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-policy-"));
      try {
        const file = path.join(dir, "Pulumi.dev.yaml");
        fs.writeFileSync(file, text);
        const env = {
          PULUMI_CONFIG: JSON.stringify({ "github:token": GITHUB_TOKEN }),
          PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["github:token"]),
          PULUMI_NODEJS_PROJECT: "promotion",
        };
        assert.equal(stackConfigFromEnvironment(env)?.securePaths, undefined);
        const read = stackConfigFromEnvironment({ ...env, PROMOTION_STACK_CONFIG_FILE: file });
        assert.ok(read?.securePaths?.has("promotion:apps.dex.env.API_TOKEN"));
        const missing = path.join(dir, "absent.yaml");
        assert.equal(
          stackConfigFromEnvironment({ ...env, PROMOTION_STACK_CONFIG_FILE: missing })?.securePaths,
          undefined,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
