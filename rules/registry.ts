/**
 * Pure parts of talking to an OCI registry (the distribution API): where an image repository
 * lives, how a digest is written, what a WWW-Authenticate challenge asks for, which credentials of
 * a docker config apply, and which of a registry's tags is the newest build an app may take.
 * adapters/registry.ts does the HTTP; everything decided here is unit-tested directly.
 */
import { checkImageTag } from "./imageTag";

/** `sha256:<64 hex>`: how a stack file's `digest:` key and the registry write a digest. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
export const ACCEPTED_DIGEST =
  "a manifest digest sha256:<64 lowercase hex>, as the registry reports it";

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** `sha256:9f86d081…` shortened for messages: the algorithm and 12 hex digits. */
export function shortDigest(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}

/** Manifest media types asked for (Accept) when resolving a tag: indexes first. */
export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
] as const;

export const INDEX_MEDIA_TYPES: readonly string[] = MANIFEST_MEDIA_TYPES.slice(0, 2);

/** Where an image repository lives: the registry host and the repository name on it. */
export interface ImageLocation {
  /** The registry as written in the image (docker.io for Docker Hub). */
  host: string;
  /** The repository on the registry (library/nginx for Docker Hub's nginx). */
  repository: string;
  /** The base URL of the distribution API: https://host, or http:// for a loopback registry. */
  baseUrl: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/**
 * Splits an image repository (ghcr.io/org/app, nginx, 127.0.0.1:5000/app) into registry and
 * repository. As docker does: a first part with a dot, a colon or "localhost" is a registry, else
 * the image is on Docker Hub. A loopback registry is spoken to over plain HTTP (as crane and docker
 * do); `endpoints` maps a registry host to another base URL (a mirror, or a test registry).
 */
export function locateImage(image: string, endpoints: Record<string, string> = {}): ImageLocation {
  const slash = image.indexOf("/");
  const first = slash === -1 ? "" : image.slice(0, slash);
  let host: string;
  let repository: string;
  if (first && (first.includes(".") || first.includes(":") || first === "localhost")) {
    host = first;
    repository = image.slice(slash + 1);
  } else {
    host = "docker.io";
    repository = image.includes("/") ? image : `library/${image}`;
  }
  const endpoint = endpoints[host];
  const apiHost = host === "docker.io" ? "registry-1.docker.io" : host;
  const baseUrl = endpoint
    ? endpoint.replace(/\/+$/, "")
    : `${LOOPBACK.test(apiHost) ? "http" : "https"}://${apiHost}`;
  return { host, repository, baseUrl };
}

/** One challenge of a WWW-Authenticate header: its scheme and parameters. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header such as
 * `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"`.
 * Returns the first challenge (registries send one).
 */
export function parseAuthChallenge(header: string): AuthChallenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pairs = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/g;
  let pair: RegExpExecArray | null;
  while ((pair = pairs.exec(match[2])) !== null) {
    if (pair[0] === "") break;
    params[pair[1].toLowerCase()] =
      pair[2] !== undefined ? pair[2].replace(/\\(.)/g, "$1") : pair[3];
  }
  return { scheme: match[1].toLowerCase(), params };
}

function isPrivateIp(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = host.replace(/^\[|\]$/g, "").toLowerCase();
  return v6.includes(":") && (v6 === "::1" || /^f[cd]|^fe[89ab]/.test(v6));
}

/**
 * Why a challenge's token realm must not be asked, if it must not: credentials go there, so only
 * https (or http for a registry spoken to over http), and never an IP literal in a private,
 * loopback or link-local range (a cloud metadata service) other than the registry's own host.
 * The same rule as go-containerregistry's (crane's).
 */
export function realmRefusal(realm: string, registryBaseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return `the token realm "${realm}" is not a URL`;
  }
  const registry = new URL(registryBaseUrl);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && registry.protocol === "http:")) {
    return `the token realm ${realm} is not https`;
  }
  if (url.host === registry.host) return undefined;
  if (isPrivateIp(url.hostname)) {
    return `the token realm ${realm} is a private or link-local address, not the registry's`;
  }
  return undefined;
}

/** Credentials for one registry. Never read from a stack file. */
export type RegistryCredentials =
  | { kind: "anonymous" }
  | { kind: "basic"; username: string; password: string; source: string }
  | { kind: "token"; token: string; source: string };

/** The `auths` section of a docker config (~/.docker/config.json), as parsed JSON. */
export interface DockerConfig {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string }
  >;
}

/** The keys a docker config may file a registry under: `ghcr.io`, `https://ghcr.io/v1/`... */
function dockerConfigKeyMatches(key: string, host: string): boolean {
  const bare = key
    .replace(/^[a-z]+:\/\//, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
  const wanted = host.toLowerCase();
  if (bare === wanted) return true;
  // Docker Hub is filed as index.docker.io.
  return wanted === "docker.io" && (bare === "index.docker.io" || bare === "registry-1.docker.io");
}

/** The credentials a docker config holds for a registry host, if any. */
export function dockerConfigCredentials(
  config: DockerConfig,
  host: string,
  source: string,
): RegistryCredentials | undefined {
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!dockerConfigKeyMatches(key, host) || entry === null || typeof entry !== "object") continue;
    if (entry.identitytoken) {
      // An identity token is a refresh token: exchanged at the token endpoint like a password.
      return { kind: "basic", username: "<token>", password: entry.identitytoken, source };
    }
    if (entry.username && entry.password) {
      return { kind: "basic", username: entry.username, password: entry.password, source };
    }
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        return {
          kind: "basic",
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
          source,
        };
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Finding new builds: which of the registry's tags an app may take, and which is newest.

/** How an app's newest build is found among the registry's tags. */
export type DiscoveryStrategy = "semver" | "created";

/**
 * The strategy that fits the tag an app runs now: semver order for a vMAJOR.MINOR.PATCH tag,
 * else the image config's creation time (sha-<hex>, v<date>-<hex>, a digest).
 */
export function strategyFor(currentTag: string): DiscoveryStrategy {
  const checked = checkImageTag(currentTag);
  return "kind" in checked && checked.kind === "semver" ? "semver" : "created";
}

/** The registry's tags that the image tag policy accepts and the strategy can order. */
export function candidateTags(tags: readonly string[], strategy: DiscoveryStrategy): string[] {
  return tags.filter((tag) => {
    const checked = checkImageTag(tag);
    if ("refused" in checked || checked.kind === "digest") return false;
    return strategy === "semver" ? checked.kind === "semver" : checked.kind !== "semver";
  });
}

interface Semver {
  core: [number, number, number];
  pre: string[];
}

function parseSemver(tag: string): Semver | undefined {
  const match = /^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(tag);
  if (!match) return undefined;
  return {
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    pre: match[4] ? match[4].split(".") : [],
  };
}

/** Semver precedence of two vX.Y.Z[-pre] tags (semver.org §11): negative when a < b. */
export function compareSemverTags(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const [p, q] = [x.pre[i], y.pre[i]];
    const [pn, qn] = [/^\d+$/.test(p), /^\d+$/.test(q)];
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.pre.length - y.pre.length;
}

/** The newest semver tag; prereleases only when `prerelease` (else a release wins). */
export function newestSemver(tags: readonly string[], prerelease = false): string | undefined {
  const eligible = tags.filter((t) => prerelease || !parseSemver(t)?.pre.length);
  return [...eligible].sort(compareSemverTags).pop();
}

/** A tag with the creation time of its image config (ISO 8601), when the image has one. */
export interface CreatedTag {
  tag: string;
  created?: string;
}

/**
 * The newest build by image creation time; ties and missing times are refused rather than guessed:
 * returns the tag, or why none can be chosen.
 */
export function newestByCreation(tags: readonly CreatedTag[]): { tag: string } | { why: string } {
  const dated = tags
    .map((t) => ({ tag: t.tag, ms: t.created ? Date.parse(t.created) : NaN }))
    // The zero time (0001-01-01) is what reproducible builds write: it dates nothing.
    .filter((t) => !Number.isNaN(t.ms) && t.ms > Date.UTC(1971, 0, 1));
  if (dated.length === 0) {
    return {
      why: `none of ${tags.map((t) => t.tag).join(", ")} has a creation time in its image config, so the newest cannot be told`,
    };
  }
  dated.sort((a, b) => b.ms - a.ms);
  if (dated.length > 1 && dated[0].ms === dated[1].ms) {
    return {
      why: `${dated[0].tag} and ${dated[1].tag} were created at the same time (${new Date(dated[0].ms).toISOString()}), so the newest cannot be told`,
    };
  }
  return { tag: dated[0].tag };
}
