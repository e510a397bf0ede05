/**
 * A read-only GET on a cluster's API server, outside the engine: unlike a `CustomResource.get`
 * (which fails the whole run when the object does not exist), a missing object is an answer here,
 * and nothing is added to the stack's state. Used for drift checks of this stack's own objects.
 *
 * Authenticates the way the kubeconfig says: client certificates, a bearer token (or token file),
 * a CA or insecure-skip-tls-verify, and exec plugins (the cloud providers' norm: `aws eks
 * get-token`, `gke-gcloud-auth-plugin`, `kubelogin`), run as client-go runs them: the command with
 * its args and env, whose ExecCredential's status gives a token or a client certificate. The old
 * `auth-provider` form is not supported: such a cluster answers `unreadable`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import type { KubernetesTarget } from "../model/environment";

/** A Kubernetes object as the API server returns it. */
export interface KubeObject {
  metadata?: { annotations?: Record<string, string>; [key: string]: unknown };
  spec?: unknown;
  [key: string]: unknown;
}

export type KubeGet =
  { found: true; object: KubeObject } | { found: false } | { unreadable: string };

type ClusterTarget = Extract<KubernetesTarget, { mode: "cluster" }>;

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

/** The kubeconfig's text: inline content, a path, $KUBECONFIG (first file) or ~/.kube/config. */
function kubeconfigText(target: ClusterTarget): string {
  const given = target.kubeconfig;
  if (given && /\n|^\s*(apiVersion|kind|clusters)\s*:/.test(given)) return given;
  const file =
    given ||
    (process.env.KUBECONFIG ?? "").split(path.delimiter).find(Boolean) ||
    path.join(os.homedir(), ".kube", "config");
  return fs.readFileSync(file, "utf8");
}

const pick = <T>(list: unknown, name: string, key: string): T | undefined =>
  (Array.isArray(list) ? (list as Named<T>[]) : []).find((entry) => entry.name === name)?.[key] as
    T | undefined;

const data = (inline: unknown, file: unknown): Buffer | undefined =>
  typeof inline === "string"
    ? Buffer.from(inline, "base64")
    : typeof file === "string"
      ? fs.readFileSync(file)
      : undefined;

/** What an exec plugin's ExecCredential gives: a token, or a client certificate and key. */
type Credential = { token?: string; cert?: Buffer; key?: Buffer } | { unreadable: string };

/**
 * Runs a kubeconfig's exec plugin as client-go does (users[].user.exec: command, args, env,
 * apiVersion) and reads its ExecCredential from stdout. A plugin that fails, or prints no
 * credential, makes the cluster unreadable, naming the command.
 */
export function execCredential(exec: unknown, server: string): Credential {
  if (exec === null || typeof exec !== "object") return { unreadable: "the exec plugin is empty" };
  const spec = exec as Record<string, unknown>;
  const command = spec.command;
  if (typeof command !== "string" || command === "") {
    return { unreadable: "the kubeconfig's exec plugin names no command" };
  }
  const args = Array.isArray(spec.args) ? spec.args.map(String) : [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const entry of Array.isArray(spec.env) ? spec.env : []) {
    const { name, value } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name === "string") env[name] = typeof value === "string" ? value : "";
  }
  const apiVersion =
    typeof spec.apiVersion === "string" ? spec.apiVersion : "client.authentication.k8s.io/v1";
  // The plugin learns which cluster it authenticates for, as client-go tells it.
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false, cluster: { server } },
  });
  let output: string;
  try {
    output = execFileSync(command, args, {
      env,
      encoding: "utf8",
      timeout: 30_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    return {
      unreadable: `the kubeconfig's exec plugin ${command} failed: ${(error as Error).message.split("\n")[0]}`,
    };
  }
  let status: Record<string, unknown> | undefined;
  try {
    status = (JSON.parse(output) as { status?: Record<string, unknown> }).status;
  } catch {
    return { unreadable: `the kubeconfig's exec plugin ${command} printed no ExecCredential JSON` };
  }
  const token = typeof status?.token === "string" ? status.token : undefined;
  const cert = status?.clientCertificateData;
  const key = status?.clientKeyData;
  if (token) return { token };
  if (typeof cert === "string" && typeof key === "string") {
    return { cert: Buffer.from(cert), key: Buffer.from(key) };
  }
  return {
    unreadable: `the kubeconfig's exec plugin ${command} gave neither a token nor a client certificate`,
  };
}

/** GET `apiPath` (e.g. /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/dex-dev). */
export async function kubeGet(target: ClusterTarget, apiPath: string): Promise<KubeGet> {
  let request: https.RequestOptions & { url: URL };
  try {
    const config = parse(kubeconfigText(target)) as Record<string, unknown>;
    const contextName = target.context ?? (config["current-context"] as string | undefined);
    if (!contextName) return { unreadable: "the kubeconfig names no context" };
    const context = pick<Record<string, string>>(config.contexts, contextName, "context");
    if (!context) return { unreadable: `the kubeconfig has no context "${contextName}"` };
    const cluster = pick<Record<string, unknown>>(config.clusters, context.cluster, "cluster");
    const user = pick<Record<string, unknown>>(config.users, context.user, "user") ?? {};
    if (!cluster || typeof cluster.server !== "string") {
      return { unreadable: `the kubeconfig has no server for context "${contextName}"` };
    }
    if (user["auth-provider"]) {
      return {
        unreadable:
          "the kubeconfig authenticates through an auth-provider, which is not supported (use an exec plugin)",
      };
    }
    const credential = user.exec ? execCredential(user.exec, cluster.server) : undefined;
    if (credential && "unreadable" in credential) return credential;
    const tokenFile = user.tokenFile;
    const token =
      credential?.token ??
      (typeof user.token === "string"
        ? user.token
        : typeof tokenFile === "string"
          ? fs.readFileSync(tokenFile, "utf8").trim()
          : undefined);
    request = {
      url: new URL(apiPath, cluster.server),
      ca: data(cluster["certificate-authority-data"], cluster["certificate-authority"]),
      cert: credential?.cert ?? data(user["client-certificate-data"], user["client-certificate"]),
      key: credential?.key ?? data(user["client-key-data"], user["client-key"]),
      rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
      headers: {
        Accept: "application/json",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      timeout: 15_000,
    };
  } catch (error) {
    return { unreadable: `the kubeconfig cannot be read: ${(error as Error).message}` };
  }
  return new Promise((resolve) => {
    const req = https.get(request.url, request, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (response.statusCode === 404) return resolve({ found: false });
        if (response.statusCode !== 200) {
          return resolve({ unreadable: `GET ${apiPath}: HTTP ${response.statusCode}` });
        }
        try {
          resolve({ found: true, object: JSON.parse(body) as KubeObject });
        } catch {
          resolve({ unreadable: `GET ${apiPath}: not JSON` });
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out after 15 s")));
    req.on("error", (error) => resolve({ unreadable: `GET ${apiPath}: ${error.message}` }));
  });
}
