/**
 * The stack's configuration as the engine hands it to a policy pack: it sends the decrypted config
 * and the list of secret keys in its ConfigureStack call, and the language host starts the pack
 * with them in PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS (docs/policy.md). The pack reads them
 * here, itself: the stack file is the truth an edit of the program cannot change.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { securePathsOfConfig } from "../rules/redact";
import { strings } from "./props";

export interface StackConfig {
  /** The stack being previewed or updated, when the host said. */
  stack?: string;
  /** Every config key (`promotion:syncMode`), as the engine sent it: objects as JSON text. */
  values: Readonly<Record<string, string>>;
  /** Keys whose value is a secret (`pulumi config set --secret`), or holds one (`--path`). */
  secretKeys: ReadonlySet<string>;
  /**
   * Where the stack file holds `secure:` values, as paths in the form the secrets policy reports
   * (`github:token`, `promotion:apps.dex.env.DB_PASSWORD`, `app:list[1]`); undefined when the stack
   * file could not be read. The engine sends a key holding one secure leaf decrypted whole and
   * names only the key, so without these paths the pack cannot tell that key's plain values from
   * its secret ones.
   */
  securePaths?: ReadonlySet<string>;
  /**
   * The promotion chain as the project's stack files declare it (each stack's
   * `promotion:upstream`), read next to the stack file; undefined when the pack did not get it.
   * It tells whether this stack is the last environment (automated-sync policy).
   */
  chain?: readonly ChainLink[];
}

/** One stack file's place in the chain: its stack (= environment) and the one it promotes from. */
export interface ChainLink {
  environment: string;
  upstream?: string;
}

/**
 * The environment variable naming the stack file the engine reads (`npm run stack` sets it to the
 * copy it hands `--config-file`): the engine passes its own environment on to the pack.
 */
export const STACK_FILE_VARIABLE = "PROMOTION_STACK_CONFIG_FILE";

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
  const file = env[STACK_FILE_VARIABLE];
  let securePaths: Set<string> | undefined;
  if (file) {
    try {
      securePaths = securePathsOfStackFile(
        fs.readFileSync(file, "utf8"),
        env.PULUMI_NODEJS_PROJECT || env.PULUMI_PROJECT,
      );
    } catch {
      // Unreadable: the secrets policy says it cannot tell plain values from secret ones.
      securePaths = undefined;
    }
  }
  const stack = env.PULUMI_NODEJS_STACK || undefined;
  const cleaned = Object.fromEntries(Object.entries(values).map(([k, v]) => [cleanKey(k), v]));
  let chain: ChainLink[] | undefined;
  const projectDir = file ? projectDirOf(file) : undefined;
  if (projectDir && stack) {
    try {
      chain = chainOfProject(projectDir, stack, cleaned["promotion:upstream"]);
    } catch {
      chain = undefined; // unreadable: the last environment cannot be told (policy/argocd.ts)
    }
  }
  return {
    stack,
    values: cleaned,
    secretKeys: new Set(secretKeys.map(cleanKey)),
    ...(securePaths ? { securePaths } : {}),
    ...(chain ? { chain } : {}),
  };
}

/**
 * The project directory of a stack file: the nearest directory up from it holding Pulumi.yaml
 * (`npm run stack` hands the engine a copy under <project>/.pulumi-state/stack-config/).
 */
export function projectDirOf(stackFile: string): string | undefined {
  let dir = path.dirname(path.resolve(stackFile));
  for (let up = 0; up < 4; up++) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

const STACK_FILE = /^Pulumi\.([^.]+)\.yaml$/;

/**
 * The chain the project's stack files declare, read by the pack itself: every Pulumi.<stack>.yaml's
 * `promotion:upstream`, except the running stack's, whose upstream is what the engine sent.
 */
export function chainOfProject(
  projectDir: string,
  stack: string,
  ownUpstream: string | undefined,
): ChainLink[] {
  const links: ChainLink[] = [];
  for (const file of fs.readdirSync(projectDir).sort()) {
    const other = STACK_FILE.exec(file)?.[1];
    if (other === undefined || other === stack) continue;
    const parsed = parseYaml(fs.readFileSync(path.join(projectDir, file), "utf8")) as {
      config?: Record<string, unknown>;
    } | null;
    const upstream = parsed?.config?.["promotion:upstream"];
    links.push({
      environment: other,
      ...(typeof upstream === "string" && upstream !== "" ? { upstream } : {}),
    });
  }
  links.push({ environment: stack, ...(ownUpstream ? { upstream: ownUpstream } : {}) });
  return links;
}

/** Whether `environment` is the chain's last: no stack file names it as its upstream. */
export function isLastEnvironment(chain: readonly ChainLink[], environment: string): boolean {
  return !chain.some((link) => link.upstream === environment);
}

/**
 * The paths of a stack file's `secure:` values (a map whose only key is `secure`, as the engine
 * writes them), config keys qualified with the project's name as the engine qualifies them.
 * Pure: the text in, the paths out.
 */
export function securePathsOfStackFile(text: string, project?: string): Set<string> {
  const file = parseYaml(text) as { config?: unknown } | null;
  return new Set([...securePathsOfConfig(file?.config, project)].map(cleanKey));
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
  /** `promotion:automatedSyncReason`: the reviewed opt-in for automated sync of the last environment. */
  automatedSyncReason?: string;
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
    ...(v["promotion:automatedSyncReason"]?.trim()
      ? { automatedSyncReason: v["promotion:automatedSyncReason"].trim() }
      : {}),
    namespaces: [
      ...(v["promotion:namespace"] ? [v["promotion:namespace"]] : []),
      ...strings(extra),
    ],
    clusterServer: v["promotion:clusterServer"] ?? DEFAULT_CLUSTER_SERVER,
  };
}
