/**
 * A read-only GET on a cluster's API server, outside the engine: unlike a `CustomResource.get`
 * (which fails the whole run when the object does not exist), a missing object is an answer here,
 * and nothing is added to the stack's state. Used for drift checks of this stack's own objects.
 *
 * Authenticates the way the kubeconfig says for the common cases: client certificates, a bearer
 * token (or token file), a CA or insecure-skip-tls-verify. Exec plugins and auth providers (cloud
 * CLIs) are not run: such a cluster answers `unreadable`, and the caller skips its check.
 */
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
    if (user.exec || user["auth-provider"]) {
      return { unreadable: "the kubeconfig authenticates through a plugin, which is not run here" };
    }
    const tokenFile = user.tokenFile;
    const token =
      typeof user.token === "string"
        ? user.token
        : typeof tokenFile === "string"
          ? fs.readFileSync(tokenFile, "utf8").trim()
          : undefined;
    request = {
      url: new URL(apiPath, cluster.server),
      ca: data(cluster["certificate-authority-data"], cluster["certificate-authority"]),
      cert: data(user["client-certificate-data"], user["client-certificate"]),
      key: data(user["client-key-data"], user["client-key"]),
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
