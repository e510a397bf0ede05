/**
 * adapters/kubeApi.ts answers "unreadable" with the reason instead of failing a run when a
 * kubeconfig cannot be used here; a real GET is exercised on the test bed (tests/e2e, drift).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { execCredential, kubeGet } from "../../adapters/kubeApi";

const kubeconfig = (user: string, context = "c") => `apiVersion: v1
kind: Config
current-context: ${context}
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:1" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users: [{ name: u, user: ${user} }]
`;

describe("a plain GET on the API server (drift checks)", () => {
  it("does not run the old auth providers: unreadable, with the reason", async () => {
    const answer = await kubeGet(
      { mode: "cluster", kubeconfig: kubeconfig("{ auth-provider: { name: gcp } }") },
      "/api/v1/namespaces/x",
    );
    assert.deepEqual(answer, {
      unreadable:
        "the kubeconfig authenticates through an auth-provider, which is not supported (use an exec plugin)",
    });
  });

  describe("exec plugins (EKS, GKE, AKS)", () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-exec-"));
      // A plugin as client-go runs one: env from the kubeconfig, the cluster in KUBERNETES_EXEC_INFO.
      fs.writeFileSync(
        path.join(dir, "plugin"),
        `#!/bin/sh\nserver=$(printf '%s' "$KUBERNETES_EXEC_INFO" | sed 's/.*"server":"\\([^"]*\\)".*/\\1/')\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s-%s"}}' "$TOKEN_PREFIX" "$1" "$server"\n`,
        { mode: 0o755 },
      );
      fs.writeFileSync(path.join(dir, "broken"), "#!/bin/sh\necho no >&2\nexit 3\n", {
        mode: 0o755,
      });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs the command with its args and env, telling it the cluster, and takes the token", () => {
      const exec = {
        command: path.join(dir, "plugin"),
        args: ["eu"],
        env: [{ name: "TOKEN_PREFIX", value: "tok" }],
      };
      assert.deepEqual(execCredential(exec, "https://k.example:6443"), {
        token: "tok-eu-https://k.example:6443",
      });
    });

    it("names the command when it fails or prints no credential", () => {
      const failed = execCredential({ command: path.join(dir, "broken") }, "https://k");
      assert.match(
        String("unreadable" in failed && failed.unreadable),
        /exec plugin .*broken failed/,
      );
      const none = execCredential({ command: "true" }, "https://k");
      assert.match(String("unreadable" in none && none.unreadable), /printed no ExecCredential/);
    });

    it("sends the plugin's token on the GET", async () => {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-keyout",
          path.join(dir, "key.pem"),
          "-out",
          path.join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      let authorization: string | undefined;
      const server = https.createServer(
        {
          key: fs.readFileSync(path.join(dir, "key.pem")),
          cert: fs.readFileSync(path.join(dir, "cert.pem")),
        },
        (req, res) => {
          authorization = req.headers.authorization;
          res.setHeader("Content-Type", "application/json");
          res.end(JSON.stringify({ metadata: { name: "x" } }));
        },
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const config = `apiVersion: v1
kind: Config
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users: [{ name: u, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: ${path.join(dir, "plugin")}, args: [a], env: [{ name: TOKEN_PREFIX, value: t }] } } }]
`;
        const answer = await kubeGet(
          { mode: "cluster", kubeconfig: config },
          "/api/v1/namespaces/x",
        );
        assert.ok("found" in answer && answer.found, JSON.stringify(answer));
        assert.equal(authorization, `Bearer t-a-https://127.0.0.1:${port}`);
      } finally {
        server.close();
      }
    });
  });

  it("names a context the kubeconfig does not have", async () => {
    const answer = await kubeGet(
      { mode: "cluster", kubeconfig: kubeconfig("{ token: t }"), context: "prod" },
      "/api/v1/namespaces/x",
    );
    assert.deepEqual(answer, { unreadable: 'the kubeconfig has no context "prod"' });
  });

  it("reports an unreachable server as unreadable instead of throwing", async () => {
    const answer = await kubeGet(
      { mode: "cluster", kubeconfig: kubeconfig("{ token: t }") },
      "/api/v1/namespaces/x",
    );
    assert.ok(
      "unreadable" in answer && /ECONNREFUSED/.test(answer.unreadable),
      JSON.stringify(answer),
    );
  });
});
