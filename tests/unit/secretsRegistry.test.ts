/**
 * Issue #20, "Secrets stay secret": the workflow's registry token goes only to the registries
 * PROMOTION_REGISTRY_HOST lists (ghcr.io when unset). An `image:` is a stack file's word, so a pull
 * request naming another host must get anonymous requests, never the GITHUB_TOKEN. Checked with a
 * real HTTP server standing in for that host: what it receives is what would have leaked.
 */
import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import {
  credentialHostsFromEnvironment,
  credentialsFromEnvironment,
  RegistryClient,
  RegistryError,
} from "../../adapters/registry";

/** A registry that asks for Basic credentials and records every Authorization header it gets. */
class CredentialTrap {
  private constructor(
    private readonly server: http.Server,
    readonly authorizations: (string | undefined)[],
  ) {}

  static async start(): Promise<CredentialTrap> {
    const authorizations: (string | undefined)[] = [];
    const server = http.createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      if (!request.headers.authorization) {
        response.writeHead(401, { "WWW-Authenticate": 'Basic realm="trap"' });
        response.end();
        return;
      }
      response.writeHead(404, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new CredentialTrap(server, authorizations);
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The workflow's environment (.github/workflows/promotion-workflow.yml), no docker config. */
function workflowEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PROMOTION_REGISTRY_USERNAME: "github-actor",
    PROMOTION_REGISTRY_PASSWORD: "ghs_workflowtoken",
    DOCKER_CONFIG: os.tmpdir(),
    ...extra,
  };
}

describe("secrets: registry credentials go only to configured hosts", () => {
  describe("credentialHostsFromEnvironment", () => {
    it("is ghcr.io alone when PROMOTION_REGISTRY_HOST is unset or empty", () => {
      assert.deepEqual(credentialHostsFromEnvironment({}), ["ghcr.io"]);
      assert.deepEqual(credentialHostsFromEnvironment({ PROMOTION_REGISTRY_HOST: " , " }), [
        "ghcr.io",
      ]);
    });

    it("takes a comma-separated list, trimmed and lower-cased", () => {
      assert.deepEqual(
        credentialHostsFromEnvironment({
          PROMOTION_REGISTRY_HOST: "GHCR.io, registry.internal:5000 ,",
        }),
        ["ghcr.io", "registry.internal:5000"],
      );
    });
  });

  describe("credentialsFromEnvironment", () => {
    it("gives the workflow's credentials to ghcr.io by default", () => {
      const creds = credentialsFromEnvironment(workflowEnv())("ghcr.io");
      assert.equal(creds.kind, "basic");
    });

    it("asks any other host anonymously when PROMOTION_REGISTRY_HOST is unset", () => {
      const creds = credentialsFromEnvironment(workflowEnv());
      assert.deepEqual(creds("evil.example"), { kind: "anonymous" });
      assert.deepEqual(creds("docker.io"), { kind: "anonymous" });
      assert.deepEqual(creds("ghcr.io.evil.example"), { kind: "anonymous" });
    });

    it("gives a token only to the listed hosts", () => {
      const creds = credentialsFromEnvironment({
        PROMOTION_REGISTRY_TOKEN: "t0ken",
        PROMOTION_REGISTRY_HOST: "registry.internal:5000,ghcr.io",
        DOCKER_CONFIG: os.tmpdir(),
      });
      assert.equal(creds("registry.internal:5000").kind, "token");
      assert.equal(creds("ghcr.io").kind, "token");
      assert.deepEqual(creds("registry.internal"), { kind: "anonymous" });
    });
  });

  describe("the client against a host the stack file names (real HTTP server)", () => {
    let trap: CredentialTrap;
    beforeEach(async () => {
      trap = await CredentialTrap.start();
    });
    afterEach(() => trap.stop());

    it("never sends the workflow's password to an unlisted host", async () => {
      const client = new RegistryClient({
        endpoints: {},
        credentials: credentialsFromEnvironment(workflowEnv()),
        timeoutMs: 5000,
      });
      await assert.rejects(client.resolve(`${trap.host}/org/app`, "v1.0.0"), (error) => {
        assert.ok(error instanceof RegistryError);
        assert.match(error.message, /none are set/);
        return true;
      });
      assert.ok(trap.authorizations.length > 0, "the stand-in registry was asked");
      assert.deepEqual(
        trap.authorizations.filter((a) => a !== undefined),
        [],
        "no Authorization header reached the unlisted host",
      );
    });

    it("sends them to a host PROMOTION_REGISTRY_HOST lists", async () => {
      const client = new RegistryClient({
        endpoints: {},
        credentials: credentialsFromEnvironment(
          workflowEnv({ PROMOTION_REGISTRY_HOST: `ghcr.io,${trap.host}` }),
        ),
        timeoutMs: 5000,
      });
      await assert.rejects(client.resolve(`${trap.host}/org/app`, "v1.0.0"), (error) => {
        assert.ok(error instanceof RegistryError);
        assert.equal(error.failure, "not-found");
        return true;
      });
      assert.ok(
        trap.authorizations.includes(
          `Basic ${Buffer.from("github-actor:ghs_workflowtoken").toString("base64")}`,
        ),
      );
    });
  });
});
