/**
 * A small client of the OCI distribution API (the registry HTTP API v2), on Node's fetch: resolve a
 * tag to its manifest digest (HEAD, else GET, of /v2/<name>/manifests/<tag>), list a repository's
 * tags, read a manifest and an image config's creation time. Authenticates anonymously, with
 * basic credentials or with a bearer token, answering the registry's WWW-Authenticate challenge
 * (the token flow of distribution's auth spec). Every call has a timeout, and every failure is a
 * RegistryError that names the registry's answer; nothing here edits anything.
 *
 * Hand-written rather than a library: the maintained Node clients of the distribution API either
 * do not report the Docker-Content-Digest of a HEAD (so a digest means downloading the manifest)
 * or bring their own HTTP stack and Docker Hub specifics (@snyk/docker-registry-v2-client: needle,
 * psl); what is needed here is four GETs and the challenge flow, on the fetch Node 20 ships.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  INDEX_MEDIA_TYPES,
  MANIFEST_MEDIA_TYPES,
  dockerConfigCredentials,
  locateImage,
  parseAuthChallenge,
  realmRefusal,
  type DockerConfig,
  type ImageLocation,
  type RegistryCredentials,
} from "../rules/registry";
import { SIGNATURE_ANNOTATION, signatureTag, type SignatureLayer } from "../rules/signature";

/** Why a registry call failed: not there, not allowed, not reachable, or an answer we cannot use. */
export type RegistryFailure = "not-found" | "denied" | "unreachable" | "bad-answer";

export class RegistryError extends Error {
  /**
   * By name, not by prototype: the test harness reloads adapters/ between program runs (fresh
   * module state per run) while cli/ stays loaded, so one process can hold two RegistryError
   * classes, and a registry refusal must never turn into an unexpected failure because of it.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && value.name === "RegistryError" && "failure" in value;
  }

  constructor(
    readonly failure: RegistryFailure,
    message: string,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

export interface ResolvedTag {
  digest: string;
  mediaType: string;
  /** Whether the digest is an index (multi-arch): the index digest is what is pinned. */
  index: boolean;
}

export interface Manifest extends ResolvedTag {
  body: Buffer;
  json: Record<string, unknown>;
}

/** What one registry call needs from the outside, so tests can point it at their own registry. */
export interface RegistryOptions {
  /** Registry host -> base URL of its API (a mirror, or a test registry on 127.0.0.1). */
  endpoints?: Record<string, string>;
  /** Milliseconds each HTTP request may take (default 10 s). */
  timeoutMs?: number;
  /** Where credentials come from (default: the environment, then the docker config). */
  credentials?: (host: string) => RegistryCredentials;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The registry the workflows push to and pull from (.github/workflows, docs/registry.md). */
export const DEFAULT_CREDENTIAL_HOSTS: readonly string[] = ["ghcr.io"];

/**
 * The registry hosts that may receive the environment's credentials: PROMOTION_REGISTRY_HOST, a
 * comma-separated list (`ghcr.io,registry.internal:5000`), else ghcr.io alone. Never "every
 * host": an `image:` is a stack file's word, and a pull request that names
 * `evil.example/app` must not make the workflow hand its GITHUB_TOKEN to evil.example.
 */
export function credentialHostsFromEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.PROMOTION_REGISTRY_HOST ?? "")
    .split(",")
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  return listed.length > 0 ? listed : [...DEFAULT_CREDENTIAL_HOSTS];
}

/**
 * Credentials for a registry host, never from a stack file: PROMOTION_REGISTRY_TOKEN (a bearer
 * token) or PROMOTION_REGISTRY_USERNAME and PROMOTION_REGISTRY_PASSWORD, only for the hosts
 * PROMOTION_REGISTRY_HOST lists (ghcr.io when it is unset; any other host is asked anonymously);
 * else the `auths` of the docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json),
 * which are filed per host by whoever logged in; else anonymous.
 */
export function credentialsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): (host: string) => RegistryCredentials {
  const allowed = credentialHostsFromEnvironment(env);
  return (host) => {
    if (allowed.includes(host.toLowerCase())) {
      if (env.PROMOTION_REGISTRY_TOKEN) {
        return {
          kind: "token",
          token: env.PROMOTION_REGISTRY_TOKEN,
          source: "PROMOTION_REGISTRY_TOKEN",
        };
      }
      if (env.PROMOTION_REGISTRY_USERNAME && env.PROMOTION_REGISTRY_PASSWORD) {
        return {
          kind: "basic",
          username: env.PROMOTION_REGISTRY_USERNAME,
          password: env.PROMOTION_REGISTRY_PASSWORD,
          source: "PROMOTION_REGISTRY_USERNAME/PASSWORD",
        };
      }
    }
    const file = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker"), "config.json");
    let config: DockerConfig | undefined;
    try {
      config = JSON.parse(fs.readFileSync(file, "utf8")) as DockerConfig;
    } catch {
      config = undefined;
    }
    return (config && dockerConfigCredentials(config, host, file)) ?? { kind: "anonymous" };
  };
}

/** Endpoint overrides from PROMOTION_REGISTRY_ENDPOINTS: `host=url,host=url`. */
export function endpointsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const endpoints: Record<string, string> = {};
  for (const entry of (env.PROMOTION_REGISTRY_ENDPOINTS ?? "").split(",")) {
    const eq = entry.indexOf("=");
    if (eq > 0) endpoints[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return endpoints;
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "no answer in time";
  }
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** The registry's own words: the distribution API's `errors[].code (message)`, else the status. */
async function answerOf(response: Response): Promise<string> {
  let detail = "";
  try {
    const text = await response.text();
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    detail = (body.errors ?? [])
      .map((e) => [e.code, e.message ? `(${e.message})` : ""].filter(Boolean).join(" "))
      .join("; ");
  } catch {
    detail = "";
  }
  return `HTTP ${response.status}${detail ? ` ${detail}` : response.statusText ? ` ${response.statusText}` : ""}`;
}

export class RegistryClient {
  private readonly endpoints: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly credentials: (host: string) => RegistryCredentials;
  /** Authorization header per registry and scope, once a challenge was answered. */
  private readonly authorizations = new Map<string, string>();

  constructor(options: RegistryOptions = {}) {
    this.endpoints = options.endpoints ?? endpointsFromEnvironment();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.credentials = options.credentials ?? credentialsFromEnvironment();
  }

  locate(image: string): ImageLocation {
    return locateImage(image, this.endpoints);
  }

  private async send(url: string, init: RequestInit, where: ImageLocation): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        redirect: "follow",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RegistryError(
        "unreachable",
        `cannot reach the registry ${where.host} (${where.baseUrl}): ${describeCause(error)}`,
      );
    }
  }

  /** Answers a 401's challenge: the Authorization header to retry with, or why there is none. */
  private async authorize(
    response: Response,
    where: ImageLocation,
    scope: string,
  ): Promise<string> {
    const header = response.headers.get("www-authenticate") ?? "";
    const challenge = parseAuthChallenge(header);
    const creds = this.credentials(where.host);
    const credsSaid =
      creds.kind === "anonymous" ? "anonymously" : `with the credentials of ${creds.source}`;
    if (!challenge) {
      throw new RegistryError(
        "denied",
        `the registry ${where.host} answered HTTP 401 without a WWW-Authenticate challenge (asked ${credsSaid})`,
      );
    }
    if (challenge.scheme === "basic") {
      if (creds.kind === "basic") {
        return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
      }
      if (creds.kind === "token") return `Bearer ${creds.token}`;
      throw new RegistryError(
        "denied",
        `the registry ${where.host} asks for credentials (Basic realm "${challenge.params.realm ?? ""}") and none are set: set PROMOTION_REGISTRY_USERNAME and PROMOTION_REGISTRY_PASSWORD, or log in (docker login ${where.host})`,
      );
    }
    if (challenge.scheme !== "bearer" || !challenge.params.realm) {
      throw new RegistryError(
        "denied",
        `the registry ${where.host} asks for an unsupported authentication: ${header}`,
      );
    }
    if (creds.kind === "token") return `Bearer ${creds.token}`;
    const badRealm = realmRefusal(challenge.params.realm, where.baseUrl);
    if (badRealm) {
      throw new RegistryError(
        "denied",
        `the registry ${where.host} sends credentials elsewhere: ${badRealm}`,
      );
    }
    const tokenUrl = new URL(challenge.params.realm);
    if (challenge.params.service) tokenUrl.searchParams.set("service", challenge.params.service);
    tokenUrl.searchParams.set("scope", challenge.params.scope ?? scope);
    const headers: Record<string, string> = {};
    if (creds.kind === "basic") {
      headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    }
    const answer = await this.send(tokenUrl.toString(), { headers }, where);
    if (!answer.ok) {
      throw new RegistryError(
        "denied",
        `the token service of ${where.host} (${tokenUrl.origin}${tokenUrl.pathname}) refused a token for ${scope} ${credsSaid}: ${await answerOf(answer)}`,
      );
    }
    let token: string | undefined;
    try {
      const body = (await answer.json()) as { token?: string; access_token?: string };
      token = body.token ?? body.access_token;
    } catch {
      token = undefined;
    }
    if (!token) {
      throw new RegistryError(
        "bad-answer",
        `the token service of ${where.host} answered without a token`,
      );
    }
    return `Bearer ${token}`;
  }

  /** A request to the registry's API for one repository, answering an auth challenge once. */
  private async request(
    where: ImageLocation,
    method: "GET" | "HEAD",
    apiPath: string,
    accept?: string,
  ): Promise<Response> {
    const scope = `repository:${where.repository}:pull`;
    const key = `${where.baseUrl} ${scope}`;
    const url = `${where.baseUrl}/v2/${where.repository}/${apiPath}`;
    const headers = (): Record<string, string> => {
      const h: Record<string, string> = {};
      if (accept) h.Accept = accept;
      const auth = this.authorizations.get(key);
      if (auth) h.Authorization = auth;
      return h;
    };
    let response = await this.send(url, { method, headers: headers() }, where);
    if (response.status === 401) {
      await response.body?.cancel();
      this.authorizations.set(key, await this.authorize(response, where, scope));
      response = await this.send(url, { method, headers: headers() }, where);
    }
    return response;
  }

  private async failed(
    response: Response,
    what: string,
    where: ImageLocation,
  ): Promise<RegistryError> {
    const answer = await answerOf(response);
    if (response.status === 404) {
      return new RegistryError(
        "not-found",
        `${what} is not in the registry: ${where.host} answered ${answer}`,
      );
    }
    if (response.status === 401 || response.status === 403) {
      const creds = this.credentials(where.host);
      const how =
        creds.kind === "anonymous" ? "anonymously" : `with the credentials of ${creds.source}`;
      return new RegistryError(
        "denied",
        `${where.host} refused to show ${what} (asked ${how}): ${answer}`,
      );
    }
    return new RegistryError("bad-answer", `${where.host} could not show ${what}: ${answer}`);
  }

  /** The manifest a tag or digest names, with its digest (checked against the bytes). */
  async manifest(image: string, reference: string): Promise<Manifest> {
    const where = this.locate(image);
    const what = reference.startsWith("sha256:")
      ? `${image}@${reference}`
      : `${image}:${reference}`;
    const response = await this.request(
      where,
      "GET",
      `manifests/${reference}`,
      MANIFEST_MEDIA_TYPES.join(", "),
    );
    if (!response.ok) throw await this.failed(response, what, where);
    const body = Buffer.from(await response.arrayBuffer());
    const digest = `sha256:${crypto.createHash("sha256").update(body).digest("hex")}`;
    const said = response.headers.get("docker-content-digest");
    if (said && said !== digest) {
      throw new RegistryError(
        "bad-answer",
        `${where.host} served ${what} with digest ${said} but its bytes hash to ${digest}`,
      );
    }
    if (reference.startsWith("sha256:") && reference !== digest) {
      throw new RegistryError(
        "bad-answer",
        `${where.host} served ${what} with bytes that hash to ${digest}`,
      );
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new RegistryError(
        "bad-answer",
        `${where.host} served ${what} as something that is not JSON`,
      );
    }
    const mediaType =
      (typeof json.mediaType === "string" ? json.mediaType : undefined) ??
      response.headers.get("content-type")?.split(";")[0] ??
      "";
    return { digest, mediaType, index: INDEX_MEDIA_TYPES.includes(mediaType), body, json };
  }

  /**
   * The manifest digest a tag names now (for a multi-arch image, the index's), from the
   * Docker-Content-Digest of a HEAD; a registry that does not send it is asked with a GET and the
   * bytes are hashed. A tag that is not there is a RegistryError "not-found" naming the answer.
   */
  async resolve(image: string, tag: string): Promise<ResolvedTag> {
    const where = this.locate(image);
    const response = await this.request(
      where,
      "HEAD",
      `manifests/${tag}`,
      MANIFEST_MEDIA_TYPES.join(", "),
    );
    const digest = response.headers.get("docker-content-digest");
    const mediaType = response.headers.get("content-type")?.split(";")[0] ?? "";
    if (response.ok && digest && /^sha256:[0-9a-f]{64}$/.test(digest)) {
      return { digest, mediaType, index: INDEX_MEDIA_TYPES.includes(mediaType) };
    }
    // A HEAD has no body: a refusal's words, or a digest the registry did not send, need a GET.
    const manifest = await this.manifest(image, tag);
    return { digest: manifest.digest, mediaType: manifest.mediaType, index: manifest.index };
  }

  /** Every tag of the image's repository (following the Link header's pages). */
  async listTags(image: string): Promise<string[]> {
    const where = this.locate(image);
    const tags: string[] = [];
    let next: string | undefined = "tags/list?n=1000";
    for (let page = 0; next && page < 100; page++) {
      const response = await this.request(where, "GET", next);
      if (!response.ok) throw await this.failed(response, `the tags of ${image}`, where);
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get("link") ?? "");
      next = link ? link[1].replace(/^.*\/v2\/.+?\/(tags\/list.*)$/, "$1") : undefined;
    }
    return tags;
  }

  /** A blob's bytes (an image config), checked against its digest. */
  async blob(image: string, digest: string): Promise<Buffer> {
    const where = this.locate(image);
    const response = await this.request(where, "GET", `blobs/${digest}`);
    if (!response.ok) throw await this.failed(response, `blob ${digest} of ${image}`, where);
    const body = Buffer.from(await response.arrayBuffer());
    const actual = `sha256:${crypto.createHash("sha256").update(body).digest("hex")}`;
    if (actual !== digest) {
      throw new RegistryError(
        "bad-answer",
        `${where.host} served blob ${digest} with bytes that hash to ${actual}`,
      );
    }
    return body;
  }

  /**
   * When the image a tag names was built: its config's `created`. For a multi-arch index, the
   * newest `created` among its images (linux/amd64 first would favour one platform's build time).
   */
  async created(image: string, tag: string): Promise<string | undefined> {
    const top = await this.manifest(image, tag);
    const manifests = top.index
      ? ((top.json.manifests as { digest?: string }[] | undefined) ?? [])
          .map((m) => m.digest)
          .filter((d): d is string => typeof d === "string")
      : [top.digest];
    let newest: string | undefined;
    for (const digest of manifests) {
      const manifest = digest === top.digest ? top : await this.manifest(image, digest);
      const config = (manifest.json.config as { digest?: string } | undefined)?.digest;
      if (!config) continue;
      const parsed = JSON.parse((await this.blob(image, config)).toString("utf8")) as {
        created?: unknown;
      };
      if (
        typeof parsed.created === "string" &&
        (!newest || Date.parse(parsed.created) > Date.parse(newest))
      ) {
        newest = parsed.created;
      }
    }
    return newest;
  }

  /**
   * The cosign signature layers of an image digest: the payloads of the manifest tagged
   * sha256-<hex>.sig, with their signature annotations; [] when there is no such tag.
   */
  async signatures(image: string, digest: string): Promise<SignatureLayer[]> {
    let manifest: Manifest;
    try {
      manifest = await this.manifest(image, signatureTag(digest));
    } catch (error) {
      if (error instanceof RegistryError && error.failure === "not-found") return [];
      throw error;
    }
    const layers =
      (manifest.json.layers as
        { digest?: string; annotations?: Record<string, string> }[] | undefined) ?? [];
    const result: SignatureLayer[] = [];
    for (const layer of layers) {
      if (typeof layer.digest !== "string") continue;
      const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
      result.push({
        payload: await this.blob(image, layer.digest),
        ...(signature ? { signature } : {}),
      });
    }
    return result;
  }
}
