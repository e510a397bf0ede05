/**
 * The stack's configuration as the engine hands it to a policy pack: it sends the decrypted config
 * and the list of secret keys in its ConfigureStack call, and the language host starts the pack
 * with them in PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS (docs/policy.md). The pack reads them
 * here, itself: the stack file is the truth an edit of the program cannot change.
 */
import { strings } from "./props";

export interface StackConfig {
  /** The stack being previewed or updated, when the host said. */
  stack?: string;
  /** Every config key (`promotion:syncMode`), as the engine sent it: objects as JSON text. */
  values: Readonly<Record<string, string>>;
  /** Keys whose value is a secret (`pulumi config set --secret`). */
  secretKeys: ReadonlySet<string>;
}

/** Pulumi.yaml's defaults, for keys a stack file may leave out. */
const DEFAULT_SYNC_MODE = "manual";
const DEFAULT_CLUSTER_SERVER = "https://kubernetes.default.svc";

/**
 * The configuration the language host passed on, or undefined when it passed none (a host that
 * does not forward ConfigureStack, or a run outside an update such as `pulumi policy publish`).
 */
export function stackConfigFromEnvironment(env: NodeJS.ProcessEnv): StackConfig | undefined {
  const raw = env.PULUMI_CONFIG;
  if (raw === undefined || raw === "") return undefined;
  const values = JSON.parse(raw) as Record<string, string>;
  const secretKeys = env.PULUMI_CONFIG_SECRET_KEYS
    ? (JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS) as string[])
    : [];
  return {
    stack: env.PULUMI_NODEJS_STACK || undefined,
    values: Object.fromEntries(Object.entries(values).map(([k, v]) => [cleanKey(k), v])),
    secretKeys: new Set(secretKeys.map(cleanKey)),
  };
}

/** `promotion:config:syncMode` (the old key form some hosts still send) is `promotion:syncMode`. */
function cleanKey(key: string): string {
  return key.replace(/^([^:]+):config:/, "$1:");
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** What the pack needs to know of the environment the stack declares. */
export interface EnvironmentView {
  environment?: string;
  syncMode: string;
  /** `promotion:namespace` then `promotion:extraNamespaces`. */
  namespaces: string[];
  clusterServer: string;
}

export function environmentView(config: StackConfig): EnvironmentView {
  const v = config.values;
  const extra = parseJson<unknown>(v["promotion:extraNamespaces"], []);
  return {
    environment: v["promotion:environment"],
    syncMode: v["promotion:syncMode"] ?? DEFAULT_SYNC_MODE,
    namespaces: [
      ...(v["promotion:namespace"] ? [v["promotion:namespace"]] : []),
      ...strings(extra),
    ],
    clusterServer: v["promotion:clusterServer"] ?? DEFAULT_CLUSTER_SERVER,
  };
}
