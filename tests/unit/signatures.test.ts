/**
 * Cosign signatures (issue #14): an environment with promotion:signatures.required takes only
 * images whose sha256-<hex>.sig carries a simple-signing payload of their digest signed with the
 * configured key. Signatures are stored in a real registry the way cosign stores them.
 */
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { RegistryClient } from "../../adapters/registry";
import { readApps } from "../../cli/stackText";
import { simpleSigningPayload, verifySignatures } from "../../rules/signature";
import { tempProject, type TempProject } from "../support/gitRepo";
import { TestRegistry } from "../support/registry";

const REPO = "data-literate/dex";
const IMAGE = "ghcr.io/data-literate/dex";

const keyPair = () => crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const pem = (key: crypto.KeyObject) => key.export({ type: "spki", format: "pem" }).toString();

describe("cosign signatures", function () {
  this.timeout(120_000);

  it("verifies a simple-signing payload's ECDSA signature and the digest it names (pure)", () => {
    const { privateKey, publicKey } = keyPair();
    const digest = `sha256:${"a".repeat(64)}`;
    const payload = Buffer.from(simpleSigningPayload("r/app", digest));
    const signature = crypto.sign("sha256", payload, privateKey).toString("base64");
    assert.deepEqual(verifySignatures([{ payload, signature }], digest, pem(publicKey)), {
      signed: true,
    });
    assert.deepEqual(verifySignatures([{ payload, signature }], digest, pem(keyPair().publicKey)), {
      refused:
        "none of its 1 signature(s) is good: a signature that does not verify with the configured public key",
    });
    assert.deepEqual(
      verifySignatures([{ payload, signature }], `sha256:${"b".repeat(64)}`, pem(publicKey)),
      {
        refused: `none of its 1 signature(s) is good: a valid signature of another image (${digest})`,
      },
    );
    assert.deepEqual(verifySignatures([], digest, pem(publicKey)), {
      refused: `it is not signed: the registry has no sha256-${"a".repeat(64)}.sig`,
    });
  });

  describe("promote into an environment that requires them (real registry)", () => {
    let registry: TestRegistry;
    let project: TempProject;
    const { privateKey, publicKey } = keyPair();
    const client = () =>
      new RegistryClient({
        endpoints: { "ghcr.io": `http://${registry.host}` },
        credentials: () => ({ kind: "anonymous" }),
      });

    before(() => {
      registry = TestRegistry.start();
    });
    after(() => registry?.stop());
    beforeEach(() => {
      project = tempProject();
      const prod = "Pulumi.prod.yaml";
      const key = pem(publicKey)
        .trim()
        .split("\n")
        .map((line) => `      ${line}`)
        .join("\n");
      project.write(
        prod,
        project
          .read(prod)
          .replace(
            /\n {2}promotion:apps:\n/,
            `\n  promotion:signatures:\n    required: true\n    publicKey: |\n${key}\n  promotion:apps:\n`,
          ),
      );
      project.git("commit", "--quiet", "-am", "prod requires signed images");
    });
    afterEach(() => project.cleanup());

    const promote = () =>
      project.cliAsync(["promote", "--from", "stage", "--to", "prod"], { registry: client() });

    it("takes an image signed with the key", async () => {
      const digest = registry.push(REPO, "sha-5eed0a1b");
      await registry.pushSignature(REPO, digest, privateKey);
      const result = await promote();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        readApps(project.git("show", "promote-prod-sha-5eed0a1b:Pulumi.prod.yaml")).dex.digest,
        digest,
      );
      assert.match(result.stderr, /note: dex: signed with prod's key/);
    });

    it("refuses an unsigned image, and one signed with another key; nothing changes", async () => {
      const digest = registry.push(REPO, "sha-5eed0a1b");
      const before = project.read("Pulumi.prod.yaml");
      const unsigned = await promote();
      assert.equal(unsigned.code, 1);
      assert.equal(
        unsigned.stderr.split("\n").pop(),
        `Refused: prod takes only images signed with the key of promotion:signatures.publicKey, and dex sha-5eed0a1b (${IMAGE}@${digest}) is refused: it is not signed: the registry has no ${digest.replace(":", "-")}.sig; nothing was changed`,
      );
      await registry.pushSignature(REPO, digest, keyPair().privateKey);
      const wrongKey = await promote();
      assert.equal(wrongKey.code, 1);
      assert.match(
        wrongKey.stderr,
        /is refused: none of its 1 signature\(s\) is good: a signature that does not verify with the configured public key; nothing was changed$/,
      );
      assert.equal(project.read("Pulumi.prod.yaml"), before);
      assert.equal(project.git("branch", "--format=%(refname:short)").trim(), "main");
    });

    it("refuses a valid signature of another image stored under this image's .sig tag", async () => {
      const other = registry.push(REPO, "sha-0000ffff");
      const digest = registry.push(REPO, "sha-5eed0a1b");
      await registry.pushSignature(REPO, digest, privateKey, other);
      const result = await promote();
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`a valid signature of another image \\(${other}\\)`));
    });
  });

  it("refuses a stack file whose public key is not a P-256 PEM key", async () => {
    const project = tempProject();
    try {
      const prod = "Pulumi.prod.yaml";
      project.write(
        prod,
        project
          .read(prod)
          .replace(
            /\n {2}promotion:apps:\n/,
            "\n  promotion:signatures:\n    required: true\n    publicKey: not-a-key\n  promotion:apps:\n",
          ),
      );
      project.git("commit", "--quiet", "-am", "a bad key");
      const result = await project.cliAsync(["promote", "--from", "stage", "--to", "prod"], {});
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /promotion:signatures\.publicKey = "not-a-key"; accepted: a PEM public key \(-----BEGIN PUBLIC KEY-----\.\.\.\), ECDSA P-256 as `cosign generate-key-pair` writes/,
      );
    } finally {
      project.cleanup();
    }
  });
});
