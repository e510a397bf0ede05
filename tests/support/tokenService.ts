/**
 * A token service of distribution's token auth spec, for a real registry configured with
 * `auth: token` (tests/support/registry.ts): checks basic credentials, and answers
 * GET <realm>?service=...&scope=repository:<name>:<actions> with a JWT (ES256, its certificate in
 * `x5c`) granting the asked actions, which the registry verifies against `rootcertbundle`. The
 * registry, not this file, decides whether a token is good: a wrong signature or audience fails.
 */
import { execFileSync, spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const TOKEN_SERVICE = "test-registry";
export const TOKEN_ISSUER = "test-token-issuer";

/**
 * The service itself, run as its own node process: tests push with crane through execFileSync,
 * which blocks this process's event loop, so a server in it could not answer crane's token request.
 * Arguments: key file, certificate file, user, password, log file. Prints its port.
 */
const SERVER = String.raw`
const crypto = require("crypto"), fs = require("fs"), http = require("http");
const [keyFile, certFile, user, password, logFile] = process.argv.slice(2);
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const der = new crypto.X509Certificate(fs.readFileSync(certFile)).raw;
const expected = "Basic " + Buffer.from(user + ":" + password).toString("base64");
const b64 = (d) => Buffer.from(d).toString("base64url");
const server = http.createServer((request, response) => {
  const url = new URL(request.url || "/", "http://localhost");
  const authorized = request.headers.authorization === expected;
  fs.appendFileSync(logFile, JSON.stringify({ scope: url.searchParams.get("scope"), authorized }) + "\n");
  if (!authorized) {
    response.writeHead(401, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ details: "bad credentials" }));
    return;
  }
  const access = url.searchParams.getAll("scope").flatMap((s) => s.split(" "))
    .map((s) => s.split(":")).filter((p) => p.length === 3)
    .map(([type, name, actions]) => ({ type, name, actions: actions.split(",") }));
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "ES256", x5c: [der.toString("base64")] };
  const claims = { iss: "${TOKEN_ISSUER}", sub: user, aud: url.searchParams.get("service") || "${TOKEN_SERVICE}",
    exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access };
  const input = b64(JSON.stringify(header)) + "." + b64(JSON.stringify(claims));
  const signature = crypto.sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(JSON.stringify({ token: input + "." + b64(signature), expires_in: 300 }));
});
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\n"));
`;

export class TokenService {
  private constructor(
    private readonly child: ChildProcess,
    readonly realm: string,
    /** The certificate (PEM) the registry trusts as rootcertbundle. */
    readonly certificateFile: string,
    private readonly logFile: string,
  ) {}

  /** Every token request so far: its scope and whether its credentials were good. */
  get requests(): { scope: string | null; authorized: boolean }[] {
    if (!fs.existsSync(this.logFile)) return [];
    return fs
      .readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { scope: string | null; authorized: boolean });
  }

  /** Forgets the requests so far. */
  clearRequests(): void {
    fs.rmSync(this.logFile, { force: true });
  }

  /** Starts on 127.0.0.1 with a new P-256 key and self-signed certificate in `dir`. */
  static async start(dir: string, username: string, password: string): Promise<TokenService> {
    const keyFile = path.join(dir, "token.key");
    const certificateFile = path.join(dir, "token.crt");
    const logFile = path.join(dir, "token-requests.jsonl");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certificateFile,
        "-days",
        "1",
        "-subj",
        "/CN=test-token-issuer",
      ],
      { stdio: "ignore" },
    );
    const script = path.join(dir, "token-service.js");
    fs.writeFileSync(script, SERVER);
    const child = spawn(
      process.execPath,
      [script, keyFile, certificateFile, username, password, logFile],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.once("data", (data: Buffer) => resolve(data.toString().trim()));
      child.once("exit", (code) => reject(new Error(`the token service exited (${code})`)));
    });
    // "localhost", not an IP literal: clients (crane, ours) refuse a realm at a private IP other
    // than the registry's own host (rules/registry.ts realmRefusal).
    return new TokenService(child, `http://localhost:${port}/token`, certificateFile, logFile);
  }

  /** The registry's `auth:` block that sends clients here. */
  authConfig(): string {
    return [
      "token:",
      `  realm: ${this.realm}`,
      `  service: ${TOKEN_SERVICE}`,
      `  issuer: ${TOKEN_ISSUER}`,
      `  rootcertbundle: ${this.certificateFile}`,
      "",
    ].join("\n");
  }

  /** Stops it by its PID. */
  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill();
    });
  }
}
