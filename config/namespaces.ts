/**
 * Which config keys a stack file may hold: "no key is ignored". The engine hands the program every
 * `namespace:key` of the stack file, and the program reads `promotion:*` (checked key by key
 * against config/schema.ts by config/validate.ts) and `github:token`; the engine reads `pulumi:*`
 * itself. Anything else would be dropped without a word: `promotoin:syncWindows` took prod's
 * change window away and the preview still passed. So every other key is refused, with the key
 * it probably meant, the file and line, and what is accepted.
 *
 * Pure: the callers read the files (config/stackFiles.ts).
 */
import { stackConfigSchema } from "./schema";
import { CONFIG_NAMESPACE } from "./validate";
import { closest } from "../rules/suggest";
import type { Refusal } from "../rules/verdict";

/** Every key a stack may set under `promotion:` (config/schema.ts, the README's Config reference). */
export const PROMOTION_KEYS: readonly string[] = Object.keys(stackConfigSchema.shape);

/** The one key of the `github` namespace the program reads (config/index.ts). */
const GITHUB_KEYS: readonly string[] = ["token"];

/** The engine's own namespace (`pulumi:tags`, `pulumi:disable-default-providers`, ...). */
const ENGINE_NAMESPACE = "pulumi";

/**
 * Keys of a provider's namespace that the program's providers never read (they are explicit
 * providers, configured from `promotion:*`), and the key that does what was meant.
 */
const READ_ELSEWHERE: Record<string, string> = {
  "kubernetes:kubeconfig": "promotion:kubeconfig",
  "kubernetes:context": "promotion:kubeContext",
  "kubernetes:namespace": "promotion:namespace",
  "kubernetes:renderYamlToDirectory": "promotion:renderDir",
  "github:owner": "promotion:governance.repository.owner",
};

/** Why a key of a provider's namespace is not read, by namespace. */
const PROVIDER_IGNORES: Record<string, string> = {
  kubernetes:
    "the program's Kubernetes providers are explicit and take their settings from promotion:kubeconfig, promotion:kubeContext and promotion:renderDir, so no kubernetes:* key is read",
  github:
    "the program reads only github:token; its GitHub provider is explicit and takes the owner from promotion:governance",
};

/** What a stack file's config may hold, completing "accepted: ...". */
export const ACCEPTED_CONFIG_KEYS = `${CONFIG_NAMESPACE}:<key> with a key of the Config reference (${PROMOTION_KEYS.join(", ")}), github:token, or ${ENGINE_NAMESPACE}:<a setting of the engine's own>`;

/** The top-level keys of a stack file the engine reads (its ProjectStack). */
export const STACK_FILE_KEYS: readonly string[] = [
  "config",
  "encryptionsalt",
  "encryptedkey",
  "secretsprovider",
  "environment",
];

/** One config key as the engine names it (`namespace:key`), its value, and where it is written. */
export interface ConfigKey {
  key: string;
  value: unknown;
  /** "Pulumi.prod.yaml line 43", when the key is found in a file. */
  where?: string;
}

function splitKey(key: string): { namespace: string; name: string } {
  const at = key.indexOf(":");
  return at === -1
    ? { namespace: CONFIG_NAMESPACE, name: key }
    : { namespace: key.slice(0, at), name: key.slice(at + 1) };
}

/** Whether the program (or the engine) reads `key`; `promotion:*` keys are the schema's to check. */
function isRead(key: string): boolean {
  const { namespace, name } = splitKey(key);
  if (namespace === CONFIG_NAMESPACE || namespace === ENGINE_NAMESPACE) return true;
  return namespace === "github" && GITHUB_KEYS.includes(name);
}

/** The key that `key` probably meant, or undefined. */
export function meantKey(key: string): string | undefined {
  if (READ_ELSEWHERE[key]) return READ_ELSEWHERE[key];
  const { namespace, name } = splitKey(key);
  const promotionKey = (): string | undefined => {
    const match = closest(name, PROMOTION_KEYS);
    return match && `${CONFIG_NAMESPACE}:${match}`;
  };
  const known = closest(namespace, [CONFIG_NAMESPACE, "github", ENGINE_NAMESPACE, "kubernetes"]);
  if (known === ENGINE_NAMESPACE) return `${ENGINE_NAMESPACE}:${name}`;
  if (known === "github") {
    const match = closest(name, GITHUB_KEYS);
    if (match) return `github:${match}`;
  }
  // A provider's key that one of ours replaces, else the key itself may be one of ours.
  return (known && READ_ELSEWHERE[`${known}:${name}`]) ?? promotionKey();
}

/**
 * Refusals of the config keys that nothing reads, each naming the key, its value, what it
 * probably meant, where it is written and what is accepted.
 */
export function configKeyProblems(stack: string, keys: readonly ConfigKey[]): Refusal[] {
  const problems: Refusal[] = [];
  for (const { key, value, where } of keys) {
    if (isRead(key)) continue;
    const { namespace } = splitKey(key);
    const meant = meantKey(key);
    const why =
      PROVIDER_IGNORES[namespace] ??
      `nothing reads the namespace "${namespace}", so the engine would drop the value without a word`;
    problems.push({
      stack,
      key,
      value,
      accepted: `no key the program reads${meant ? ` (did you mean ${meant}?)` : ""}; ${where ? `${where}: ` : ""}${why}; one of ${ACCEPTED_CONFIG_KEYS}`,
    });
  }
  return problems;
}

/** Refusals of a stack file's top-level keys the engine does not read (`confg:` for `config:`). */
export function stackFileKeyProblems(
  stack: string,
  keys: ReadonlyArray<{ key: string; value: unknown; where: string }>,
): Refusal[] {
  return keys
    .filter(({ key }) => !STACK_FILE_KEYS.includes(key))
    .map(({ key, value, where }) => {
      const meant = closest(key, STACK_FILE_KEYS);
      return {
        stack,
        key,
        value,
        accepted: `no key the engine reads at the top of a stack file${meant ? ` (did you mean ${meant}?)` : ""}; ${where}: the engine would ignore it and every setting under it; one of ${STACK_FILE_KEYS.join(", ")}`,
      };
    });
}
