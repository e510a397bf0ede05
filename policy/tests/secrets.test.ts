/**
 * The stack policy on the stack's configuration: the seed fixture's config passes; a credential in
 * plain text, by its shape or by its name, anywhere in a value, is refused without being shown.
 */
import { strict as assert } from "assert";
import { isCredentialName } from "../secrets";
import { declaredBy, fixtureConfig, policyNamed, stackViolationsOf } from "./support";

const GITHUB_TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;
const policy = (config = fixtureConfig("prod")) =>
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
});
