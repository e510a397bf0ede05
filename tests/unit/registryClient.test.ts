/**
 * adapters/registry.ts against a real registry (Debian's docker-registry on 127.0.0.1, images
 * pushed with crane): digests of a tag, a re-pushed tag, a multi-arch index, a missing tag, tags
 * and creation times, basic auth, and a registry that is down. crane's own `digest` is the
 * independent reading each answer is checked against.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { credentialsFromEnvironment, RegistryClient, RegistryError } from "../../adapters/registry";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { TestRegistry } from "../support/registry";
import { TokenService } from "../support/tokenService";

const anonymous = () => ({ kind: "anonymous" }) as const;

describe("the registry client (real registry)", function () {
  this.timeout(120_000);
  let registry: TestRegistry;
  let client: RegistryClient;

  before(() => {
    registry = TestRegistry.start();
    client = new RegistryClient({ endpoints: {}, credentials: anonymous, timeoutMs: 5000 });
  });
  after(() => registry?.stop());

  it("resolves a tag to the digest the registry serves, as crane reads it", async () => {
    const pushed = registry.push("team/dex", "sha-1a2b3c4d");
    const resolved = await client.resolve(registry.image("team/dex"), "sha-1a2b3c4d");
    assert.equal(resolved.digest, pushed);
    assert.equal(resolved.digest, registry.digest("team/dex", "sha-1a2b3c4d"));
    assert.equal(resolved.index, false);
    assert.match(resolved.mediaType, /manifest/);
  });

  it("sees a re-pushed tag as another digest", async () => {
    const first = registry.push("team/dex", "sha-5e6f7a8b");
    assert.equal((await client.resolve(registry.image("team/dex"), "sha-5e6f7a8b")).digest, first);
    const second = registry.push("team/dex", "sha-5e6f7a8b");
    assert.notEqual(second, first);
    assert.equal((await client.resolve(registry.image("team/dex"), "sha-5e6f7a8b")).digest, second);
  });

  it("pins the index digest of a multi-arch image, not one platform's", async () => {
    const amd = registry.push("team/multi", "amd", { platform: "linux/amd64" });
    const arm = registry.push("team/multi", "arm", { platform: "linux/arm64" });
    const index = registry.pushIndex("team/multi", "v1.2.3", ["amd", "arm"]);
    const resolved = await client.resolve(registry.image("team/multi"), "v1.2.3");
    assert.equal(resolved.digest, index);
    assert.equal(resolved.index, true);
    assert.notEqual(resolved.digest, amd);
    assert.notEqual(resolved.digest, arm);
    const manifest = await client.manifest(registry.image("team/multi"), index);
    const children = (manifest.json.manifests as { digest: string }[]).map((m) => m.digest);
    assert.deepEqual(children.sort(), [amd, arm].sort());
  });

  it("refuses a tag that is not there, naming the registry's answer", async () => {
    registry.push("team/dex", "sha-0000aaaa");
    await assert.rejects(client.resolve(registry.image("team/dex"), "sha-deadbeef"), (error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.failure, "not-found");
      assert.equal(
        error.message,
        `${registry.image("team/dex")}:sha-deadbeef is not in the registry: ${registry.host} answered HTTP 404 MANIFEST_UNKNOWN (manifest unknown)`,
      );
      return true;
    });
  });

  it("refuses a repository that is not there", async () => {
    await assert.rejects(
      client.resolve(registry.image("team/nothing"), "sha-deadbeef"),
      (error) => {
        assert.ok(error instanceof RegistryError);
        assert.equal(error.failure, "not-found");
        assert.match(
          error.message,
          /team\/nothing:sha-deadbeef is not in the registry: .* answered HTTP 404 MANIFEST_UNKNOWN/,
        );
        return true;
      },
    );
  });

  it("lists a repository's tags and reads each image's creation time", async () => {
    registry.push("team/api", "sha-aaaaaaa1", { created: "2026-03-01T10:00:00Z" });
    registry.push("team/api", "sha-bbbbbbb2", { created: "2026-03-02T10:00:00Z" });
    registry.push("team/api", "latest");
    const tags = await client.listTags(registry.image("team/api"));
    assert.deepEqual(tags.sort(), ["latest", "sha-aaaaaaa1", "sha-bbbbbbb2"]);
    assert.equal(
      await client.created(registry.image("team/api"), "sha-bbbbbbb2"),
      "2026-03-02T10:00:00Z",
    );
    assert.equal(
      await client.created(registry.image("team/api"), "latest"),
      "0001-01-01T00:00:00Z",
    );
  });

  it("reads a multi-arch index's creation time from its newest image", async () => {
    registry.push("team/dated", "a", { platform: "linux/amd64", created: "2026-04-01T00:00:00Z" });
    registry.push("team/dated", "b", { platform: "linux/arm64", created: "2026-04-02T00:00:00Z" });
    registry.pushIndex("team/dated", "v20260402-abcdef1", ["a", "b"]);
    assert.equal(
      await client.created(registry.image("team/dated"), "v20260402-abcdef1"),
      "2026-04-02T00:00:00Z",
    );
  });

  it("fails closed, with the cause, when the registry is down", async () => {
    const down = TestRegistry.start();
    const image = down.image("team/dex");
    down.stop();
    await assert.rejects(client.resolve(image, "sha-1a2b3c4d"), (error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.failure, "unreachable");
      assert.match(
        error.message,
        /^cannot reach the registry 127\.0\.0\.1:\d+ \(http:\/\/127\.0\.0\.1:\d+\): ECONNREFUSED$/,
      );
      return true;
    });
  });
});

describe("the registry client and a registry that does not answer", () => {
  it("gives up after its timeout, saying so", async () => {
    // A listener that accepts connections and never answers: a hung registry or proxy.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const client = new RegistryClient({ credentials: anonymous, timeoutMs: 300 });
      const started = Date.now();
      await assert.rejects(
        client.resolve(`127.0.0.1:${port}/team/dex`, "sha-1a2b3c4d"),
        (error) => {
          assert.ok(error instanceof RegistryError);
          assert.equal(error.failure, "unreachable");
          assert.equal(
            error.message,
            `cannot reach the registry 127.0.0.1:${port} (http://127.0.0.1:${port}): no answer in time`,
          );
          return true;
        },
      );
      assert.ok(Date.now() - started < 5000, "the timeout ends the wait");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the registry client with basic auth (real registry, htpasswd)", function () {
  this.timeout(120_000);
  let registry: TestRegistry;
  let htpasswd: string;

  before(function () {
    // htpasswd comes with apache2-utils (scripts/registry.sh install brings it).
    htpasswd = execFileSync("htpasswd", ["-nbB", "ci", "s3cret"], { encoding: "utf8" }).trim();
    registry = TestRegistry.startWithHtpasswd(htpasswd, "s3cret");
  });
  after(() => registry?.stop());

  it("answers the Basic challenge with the configured credentials", async () => {
    const pushed = registry.push("team/dex", "sha-7e57a0b1");
    const client = new RegistryClient({
      credentials: () => ({ kind: "basic", username: "ci", password: "s3cret", source: "test" }),
    });
    assert.equal((await client.resolve(registry.image("team/dex"), "sha-7e57a0b1")).digest, pushed);
  });

  it("refuses without credentials, saying what to set", async () => {
    const client = new RegistryClient({ credentials: anonymous });
    await assert.rejects(client.resolve(registry.image("team/dex"), "sha-7e57a0b1"), (error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.failure, "denied");
      assert.match(
        error.message,
        /asks for credentials .* and none are set: set PROMOTION_REGISTRY_USERNAME and PROMOTION_REGISTRY_PASSWORD, or log in/,
      );
      return true;
    });
  });

  it("names the credentials that were refused", async () => {
    const client = new RegistryClient({
      credentials: () => ({
        kind: "basic",
        username: "ci",
        password: "wrong",
        source: "PROMOTION_REGISTRY_USERNAME/PASSWORD",
      }),
    });
    await assert.rejects(client.resolve(registry.image("team/dex"), "sha-7e57a0b1"), (error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.failure, "denied");
      assert.match(
        error.message,
        /refused to show .*:sha-7e57a0b1 \(asked with the credentials of PROMOTION_REGISTRY_USERNAME\/PASSWORD\): HTTP 401/,
      );
      return true;
    });
  });
});

describe("the registry client with the Bearer token flow (real registry, auth: token)", function () {
  this.timeout(120_000);
  let registry: TestRegistry;
  let tokens: TokenService;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "token-service-"));
    tokens = await TokenService.start(dir, "ci", "t0ken");
    registry = TestRegistry.startWithTokenAuth(tokens.authConfig(), "ci", "t0ken");
  });
  after(async () => {
    registry?.stop();
    await tokens?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers the challenge: a token for the repository's pull scope, then the manifest", async () => {
    const pushed = registry.push("team/dex", "sha-7e57a0b1");
    tokens.clearRequests();
    const client = new RegistryClient({
      credentials: () => ({ kind: "basic", username: "ci", password: "t0ken", source: "test" }),
    });
    assert.equal((await client.resolve(registry.image("team/dex"), "sha-7e57a0b1")).digest, pushed);
    assert.deepEqual(await client.listTags(registry.image("team/dex")), ["sha-7e57a0b1"]);
    // One token for the scope, reused for the second call.
    assert.deepEqual(tokens.requests, [{ scope: "repository:team/dex:pull", authorized: true }]);
  });

  it("takes a docker config's credentials (DOCKER_CONFIG)", async () => {
    const config = path.join(dir, "docker-config");
    fs.mkdirSync(config, { recursive: true });
    const auth = Buffer.from("ci:t0ken").toString("base64");
    fs.writeFileSync(
      path.join(config, "config.json"),
      JSON.stringify({ auths: { [`https://${registry.host}`]: { auth } } }),
    );
    registry.push("team/api", "v1.0.0");
    const client = new RegistryClient({
      credentials: credentialsFromEnvironment({ DOCKER_CONFIG: config }),
    });
    assert.equal(
      (await client.resolve(registry.image("team/api"), "v1.0.0")).digest,
      registry.digest("team/api", "v1.0.0"),
    );
  });

  it("names the token service's refusal and the credentials it refused", async () => {
    const client = new RegistryClient({
      credentials: credentialsFromEnvironment({
        // The test registry is not ghcr.io: it must be listed to receive the environment's credentials.
        PROMOTION_REGISTRY_HOST: registry.host,
        PROMOTION_REGISTRY_USERNAME: "ci",
        PROMOTION_REGISTRY_PASSWORD: "wrong",
        DOCKER_CONFIG: dir,
      }),
    });
    await assert.rejects(client.resolve(registry.image("team/dex"), "sha-7e57a0b1"), (error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.failure, "denied");
      assert.equal(
        error.message,
        `the token service of ${registry.host} (${tokens.realm}) refused a token for repository:team/dex:pull with the credentials of PROMOTION_REGISTRY_USERNAME/PASSWORD: HTTP 401 Unauthorized`,
      );
      return true;
    });
  });
});
