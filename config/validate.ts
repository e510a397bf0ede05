/**
 * Pure validation of a stack's raw `promotion:*` config into typed values. It collects every
 * problem before failing, so a user fixes a stack file in one pass.
 */
import { z } from "zod";
import { RefusedError, type Refusal } from "../rules/verdict";
import { stackConfigSchema, type RawStackConfig } from "./schema";
import { isObject, strings, type Loose } from "../rules/values";
import type { AppConfig, EnvironmentConfig } from "../model/environment";
import { checkImageTag } from "../rules/imageTag";
import { repoMatches } from "../rules/sourceRepos";
import { closest } from "../rules/suggest";
import { gateKeyProblems, toGateConfig } from "./gate";
import { parseDuration } from "../rules/gate";
import type { ChainLink } from "../rules/chain";
import { defaultsFor, expandApps, writtenAt } from "../rules/appDefaults";
import { engineKeyProblems, toEngineConfig } from "./engine";
import { helmKeyProblems, toHelmChart } from "./helm";
import { governanceKeyProblems, toGovernanceConfig } from "./governance";
import {
  rulesKeyProblems,
  toEvidenceSources,
  toPromotionRules,
  toVerification,
} from "./promotionRules";

export const CONFIG_NAMESPACE = "promotion";

/** A stack's config has problems: every one of them, each naming its key, value and what is accepted. */
export class StackConfigError extends RefusedError {
  constructor(stack: string, problems: readonly Refusal[]) {
    super(stack, "config", problems);
    this.name = "StackConfigError";
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  let key = `${CONFIG_NAMESPACE}:${String(path[0] ?? "")}`;
  for (const part of path.slice(1)) {
    key += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  }
  return key;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** The keys the schema accepts at a path of the raw config (record keys and indexes pass through). */
function keysAt(path: readonly PropertyKey[]): string[] {
  const unwrap = (schema: z.ZodType): z.ZodType =>
    schema instanceof z.ZodOptional ? unwrap(schema.unwrap() as z.ZodType) : schema;
  let schema = unwrap(stackConfigSchema);
  for (const part of path) {
    if (schema instanceof z.ZodRecord) schema = unwrap(schema.valueType as z.ZodType);
    else if (schema instanceof z.ZodArray) schema = unwrap(schema.element as z.ZodType);
    else if (schema instanceof z.ZodObject) {
      const next = (schema.shape as Record<string, z.ZodType | undefined>)[String(part)];
      if (!next) return [];
      schema = unwrap(next);
    } else return [];
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/**
 * "(did you mean promotion:apps.dex.replicas?)" for a mistyped key: the closest key at its own
 * level, else (for a top-level key) the closest per-app key, which lives under each app.
 */
function suggestKey(raw: unknown, path: readonly PropertyKey[], unknownKey: string): string {
  const sameLevel = closest(unknownKey, keysAt(path));
  if (sameLevel !== undefined) return ` (did you mean ${keyPath([...path, sameLevel])}?)`;
  if (path.length > 0) return "";
  const appKey = closest(unknownKey, keysAt(["apps", "app"]));
  if (appKey === undefined) return "";
  const apps = isObject((raw as Loose).apps) ? Object.keys((raw as Loose).apps as Loose) : [];
  const app = apps.length === 1 ? apps[0] : "<app>";
  return ` (did you mean ${keyPath(["apps", app, appKey])}? app settings go under each app)`;
}

/** The key and value a problem at `path` of the checked config names: where the user wrote it. */
type Locate = (path: readonly PropertyKey[]) => { key: string; value: unknown };

function problemsFromZod(
  stack: string,
  raw: unknown,
  error: z.ZodError,
  locate: Locate,
): Refusal[] {
  const problems: Refusal[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const unknownKey of issue.keys) {
        const path = [...issue.path, unknownKey];
        problems.push({
          stack,
          ...locate(path),
          accepted: `no such key${suggestKey(raw, issue.path, String(unknownKey))}; ${issue.message}`,
        });
      }
    } else if (issue.code === "invalid_key") {
      problems.push({
        stack,
        key: locate(issue.path).key,
        value: issue.path[issue.path.length - 1],
        accepted: `as a key: ${issue.issues[0]?.message ?? issue.message}`,
      });
    } else {
      problems.push({ stack, ...locate(issue.path), accepted: issue.message });
    }
  }
  return problems;
}

/**
 * A bypass or rules override names the tag it was written for; one left in the file after the tag
 * moved on (a stale hotfix bypass, an override for an earlier build) must not cover the new tag.
 */
function staleExceptionProblems(
  app: string,
  raw: Record<string, unknown>,
): { path: PropertyKey[]; accepted: string }[] {
  const problems: { path: PropertyKey[]; accepted: string }[] = [];
  const tag = raw.tag;
  if (typeof tag !== "string") return problems;
  for (const [key, what] of [
    ["bypass", "bypass block"],
    ["overrideRules", "override of the promotion rules"],
  ] as const) {
    const exception = raw[key];
    if (!isObject(exception) || typeof exception.tag !== "string") continue;
    if (exception.tag !== tag) {
      problems.push({
        path: ["apps", app, key, "tag"],
        accepted: `${tag}, the tag it covers: this ${what} was written for ${exception.tag}, not for ${tag}; remove promotion:apps.${app}.${key} (the next promotion's edit does), or write a new one for ${tag} with its own reason`,
      });
    }
  }
  return problems;
}

/**
 * A password in a URL's userinfo (`https://admin:s3cret@host`), wherever the URL sits; a user alone
 * (`ssh://git@github.com/...`) is no credential. The password runs to the authority's last `@`.
 */
const URL_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#]+@/g;

/** `text` with the password of every URL in it shown as [secret]. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, "$1[secret]@");
}

/** A value with every string in it redacted as redactUrlPasswords does. */
function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactUrlPasswords(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)]));
  }
  return value;
}

/** A refusal that quotes no URL's password (in its value, what it accepts or why). */
function redactRefusal(refusal: Refusal): Refusal {
  return {
    ...refusal,
    value: redactValue(refusal.value),
    accepted: redactUrlPasswords(refusal.accepted),
    ...(refusal.reason !== undefined ? { reason: redactUrlPasswords(refusal.reason) } : {}),
  };
}

/**
 * Every string of the config that holds a URL with a password, by path. A stack file is reviewed,
 * committed and printed in previews, so a credential never belongs in it: clusterServer,
 * sourceRepos, repoURLs, chart repositories, Prometheus, smoke endpoints and env values alike.
 */
function urlPasswordProblems(
  value: unknown,
  path: PropertyKey[] = [],
): { path: PropertyKey[]; accepted: string }[] {
  if (typeof value === "string") {
    URL_PASSWORD.lastIndex = 0;
    return URL_PASSWORD.test(value)
      ? [
          {
            path,
            accepted:
              "a URL without a password in it (https://host/..., or a user alone as in ssh://git@host/...): give the credential to Argo CD or the cluster as a Kubernetes Secret, or set the value with `pulumi config set --secret`",
          },
        ]
      : [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, i) => urlPasswordProblems(item, [...path, i]));
  if (isObject(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      urlPasswordProblems(item, [...path, key]),
    );
  }
  return [];
}

/**
 * Upper bounds of the duration keys other modules' schemas define (config/promotionRules.ts,
 * config/engine.ts), in seconds: a typo such as 99999999999h must not pass as a wait of centuries.
 * promotion:gate.soakTime and promotion:syncWindows[].duration are bounded in config/schema.ts.
 */
export const DURATION_BOUNDS: readonly {
  path: string[];
  seconds: number;
  shown: string;
  why: string;
}[] = [
  {
    path: ["rules", "slo", "window"],
    seconds: 30 * 86400,
    shown: "30d",
    why: "an SLO is measured over at most a month",
  },
  {
    path: ["rules", "canary", "duration"],
    seconds: 30 * 86400,
    shown: "30d",
    why: "as long as the longest soak time",
  },
  {
    path: ["verification", "timeout"],
    seconds: 86400,
    shown: "24h",
    why: "promote verify waits in one job",
  },
  {
    path: ["verification", "watch"],
    seconds: 86400,
    shown: "24h",
    why: "promote verify watches in one job",
  },
  {
    path: ["verification", "slo", "window"],
    seconds: 30 * 86400,
    shown: "30d",
    why: "an SLO is measured over at most a month",
  },
  {
    path: ["flux", "interval"],
    seconds: 86400,
    shown: "24h",
    why: "Flux would leave drift alone for longer",
  },
  {
    path: ["flux", "timeout"],
    seconds: 86400,
    shown: "24h",
    why: "a reconciliation that takes longer has failed",
  },
  {
    path: ["flux", "sourceInterval"],
    seconds: 86400,
    shown: "24h",
    why: "Flux would not see new commits for longer",
  },
];

function durationBoundProblems(raw: Loose): { path: PropertyKey[]; accepted: string }[] {
  const problems: { path: PropertyKey[]; accepted: string }[] = [];
  for (const bound of DURATION_BOUNDS) {
    const value = valueAt(raw, bound.path);
    const seconds = parseDuration(value);
    if (seconds !== undefined && seconds > bound.seconds) {
      problems.push({
        path: bound.path,
        accepted: `a duration of at most ${bound.shown}: ${bound.why}`,
      });
    }
  }
  return problems;
}

/**
 * The last environment of the chain (one no stack file names as its upstream) is where users are:
 * an automated sync there deploys every merge at once, so it needs a reviewed reason in the stack
 * file, `promotion:automatedSyncReason`. `links` is the chain as the stack files declare it; without
 * it (a caller that did not read the other stack files) the position is unknown and not checked.
 */
function automatedSyncProblems(
  raw: Loose,
  links: readonly ChainLink[] | undefined,
): { path: PropertyKey[]; accepted: string }[] {
  const reason = raw.automatedSyncReason;
  const hasReason = typeof reason === "string" && reason.trim() !== "";
  if (raw.syncMode !== "automated") {
    return reason === undefined
      ? []
      : [
          {
            path: ["automatedSyncReason"],
            accepted: `not set unless promotion:syncMode is automated (it is ${typeof raw.syncMode === "string" ? raw.syncMode : "manual"}): a reason left behind would pass a later switch to automated unreviewed`,
          },
        ];
  }
  if (hasReason || links === undefined || typeof raw.environment !== "string") return [];
  // A stack file that cannot be read may name this environment as its upstream: whether this is
  // the last environment is unknown then, and that file's own refusal says what to fix.
  if (links.some((link) => (link as { unreadable?: string }).unreadable !== undefined)) return [];
  // A chain of one: its only environment is the first, which takes CI's builds as they come.
  if (typeof raw.upstream !== "string" || raw.upstream === "") return [];
  const environment = raw.environment;
  const downstream = links
    .filter((link) => link.upstream === environment)
    .map((l) => l.environment);
  if (downstream.length > 0) return [];
  return [
    {
      path: ["syncMode"],
      accepted: `manual on ${environment}, the last environment of the chain (no stack file names it as its promotion:upstream): an automated sync there deploys every merge to users at once; to keep it automated, say why in promotion:automatedSyncReason: "<the reviewed reason>"`,
    },
  ];
}

const RESERVED_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/**
 * Rules that relate several keys. They read the raw values defensively, so they still run (and
 * report) when other keys are malformed.
 */
function crossKeyProblems(
  stack: string,
  raw: Loose,
  locate: Locate,
  links: readonly ChainLink[] | undefined,
): Refusal[] {
  const problems: Refusal[] = [];
  const add = (path: PropertyKey[], accepted: string) =>
    problems.push({ stack, ...locate(path), accepted });

  if (typeof raw.environment === "string" && raw.environment !== stack) {
    add(["environment"], `the stack name "${stack}": a stack declares exactly its own environment`);
  }
  if (typeof raw.upstream === "string" && raw.upstream !== "" && raw.upstream === raw.environment) {
    add(["upstream"], "another environment's name: an environment cannot promote from itself");
  }
  const autoPromote = raw.autoPromote === true || raw.autoPromote === "true";
  if (autoPromote && (raw.upstream === "" || raw.upstream === undefined)) {
    add(
      ["autoPromote"],
      "false on the first environment: it has no upstream to promote from (new builds reach it through the dev bump, docs/workflows.md)",
    );
  }
  const argocdNamespace = typeof raw.argocdNamespace === "string" ? raw.argocdNamespace : "argocd";
  const ownNamespaces = [
    ...(typeof raw.namespace === "string" ? [raw.namespace] : []),
    ...strings(raw.extraNamespaces),
  ];
  ownNamespaces.forEach((ns, index) => {
    const path = index === 0 ? ["namespace"] : ["extraNamespaces", index - 1];
    if (RESERVED_NAMESPACES.has(ns) || ns === argocdNamespace) {
      add(
        path,
        `a namespace of the environment's own, not ${[...RESERVED_NAMESPACES, argocdNamespace].join(", ")}`,
      );
    } else if (ownNamespaces.indexOf(ns) !== index) {
      add(path, "each namespace once");
    }
  });

  const sourceRepos = strings(raw.sourceRepos);
  if (isObject(raw.apps)) {
    for (const [name, app] of Object.entries(raw.apps)) {
      if (!isObject(app)) continue;
      for (const problem of staleExceptionProblems(name, app)) add(problem.path, problem.accepted);
      if (typeof app.namespace === "string" && !ownNamespaces.includes(app.namespace)) {
        add(
          ["apps", name, "namespace"],
          `one of this environment's namespaces (${ownNamespaces.join(", ")}); a destination outside the environment is refused`,
        );
      }
      const source = app.source;
      if (
        isObject(source) &&
        typeof source.repoURL === "string" &&
        Array.isArray(raw.sourceRepos) &&
        !sourceRepos.some((pattern) => repoMatches(pattern, source.repoURL as string))
      ) {
        add(
          ["apps", name, "source", "repoURL"],
          `one of promotion:sourceRepos (${sourceRepos.join(", ")}): the AppProject refuses other repositories`,
        );
      }
    }
  }

  if (Array.isArray(raw.roles)) {
    const seen = new Set<string>();
    raw.roles.forEach((role, index) => {
      if (isObject(role) && typeof role.name === "string") {
        if (seen.has(role.name)) add(["roles", index, "name"], "a role name used once");
        seen.add(role.name);
      }
    });
  }
  for (const problem of governanceKeyProblems(raw)) add(problem.path, problem.accepted);
  for (const problem of rulesKeyProblems(raw)) add(problem.path, problem.accepted);
  if (isObject(raw.deployments)) {
    if (!isObject(raw.governance)) {
      add(
        ["deployments"],
        "settings for a stack that also sets promotion:governance: Pulumi Deployments takes the repository and the branch from it",
      );
    }
    const plain = isObject(raw.deployments.environmentVariables)
      ? Object.keys(raw.deployments.environmentVariables)
      : [];
    strings(raw.deployments.secrets).forEach((name, index) => {
      if (plain.includes(name)) {
        add(
          ["deployments", "secrets", index],
          `a name that is not also in promotion:deployments.environmentVariables (${name} is): a variable is either plain or secret`,
        );
      }
    });
  }
  for (const problem of gateKeyProblems(raw)) add(problem.path, problem.accepted);
  for (const problem of engineKeyProblems(raw)) add(problem.path, problem.accepted);
  for (const problem of helmKeyProblems(raw)) add(problem.path, problem.accepted);
  for (const problem of urlPasswordProblems(raw)) add(problem.path, problem.accepted);
  for (const problem of durationBoundProblems(raw)) add(problem.path, problem.accepted);
  for (const problem of automatedSyncProblems(raw, links)) add(problem.path, problem.accepted);
  return problems;
}

function toApps(raw: RawStackConfig): AppConfig[] {
  return Object.entries(raw.apps)
    .map(([name, app]): AppConfig => {
      const checked = checkImageTag(app.tag);
      if ("refused" in checked) throw new Error(`unreachable: tag ${app.tag} passed the schema`);
      return {
        name,
        image: app.image,
        tag: app.tag,
        tagKind: checked.kind,
        ...(app.digest ? { digest: app.digest } : {}),
        source: app.source,
        ...(app.helm ? { helm: toHelmChart(name, app.helm) } : {}),
        replicas: app.replicas,
        logLevel: app.logLevel,
        resources: app.resources,
        env: app.env ?? {},
        namespace: app.namespace ?? raw.namespace,
        deployment: app.deployment ?? name,
        container: app.container ?? name,
        syncWave: app.syncWave ?? 0,
        ...(app.bypass ? { bypass: app.bypass } : {}),
        ...(app.overrideRules
          ? {
              overrideRules: {
                tag: app.overrideRules.tag,
                reason: app.overrideRules.reason.trim(),
              },
            }
          : {}),
      };
    })
    .sort((a, b) => a.syncWave - b.syncWave || a.name.localeCompare(b.name));
}

/**
 * Validates the raw `promotion:*` values of one stack (keys without the namespace) and returns
 * the typed config, or throws a StackConfigError listing every problem, including `acrossStacks`:
 * problems found across the stack files (the promotion chain, config/chain.ts). `links`, the chain
 * as every stack file declares it (config/chain.ts readChainLinks), tells whether this stack is the
 * last environment, whose automated sync needs promotion:automatedSyncReason. No refusal quotes a
 * URL's password: it is shown as [secret].
 */
export function validateStackConfig(
  stack: string,
  raw: Record<string, unknown>,
  acrossStacks: readonly Refusal[] = [],
  links?: readonly ChainLink[],
): EnvironmentConfig {
  // Apps expanded over promotion:appDefaults; the defaults themselves are checked with their
  // placeholders filled in. A problem is named where the user wrote the value, once.
  const checked = { ...expandApps(raw) };
  if (isObject(raw.appDefaults)) {
    const environment = typeof raw.environment === "string" ? raw.environment : stack;
    checked.appDefaults = defaultsFor(raw.appDefaults, "app", environment);
  }
  const locate: Locate = (path) => {
    const written = writtenAt(raw, path);
    return {
      key: keyPath(written),
      value: written[0] === "appDefaults" ? valueAt(raw, written) : valueAt(checked, path),
    };
  };
  const parsed = stackConfigSchema.safeParse(checked);
  const seen = new Set<string>();
  const problems = [
    ...(parsed.success ? [] : problemsFromZod(stack, raw, parsed.error, locate)),
    ...crossKeyProblems(stack, checked, locate, links),
    ...acrossStacks,
  ]
    .map(redactRefusal)
    .filter((problem) => {
      const id = `${problem.stack}\0${problem.key}\0${problem.accepted}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(stack, problems);

  const cfg = parsed.data;
  const kubeconfig = cfg.kubeconfig || undefined;
  const context = cfg.kubeContext || undefined;
  return {
    stack,
    environment: cfg.environment,
    system: cfg.system,
    upstream: cfg.upstream || undefined,
    autoPromote: cfg.autoPromote === true,
    ...(cfg.signatures ? { signatures: cfg.signatures } : {}),
    gate: cfg.gate ? toGateConfig(cfg.gate) : undefined,
    namespace: cfg.namespace,
    namespaces: [cfg.namespace, ...(cfg.extraNamespaces ?? [])],
    syncMode: cfg.syncMode,
    ...toEngineConfig(cfg),
    slackChannel: cfg.slackChannel,
    argocdNamespace: cfg.argocdNamespace,
    clusterServer: cfg.clusterServer,
    sourceRepos: cfg.sourceRepos,
    kubernetes:
      kubeconfig || context
        ? { mode: "cluster", kubeconfig, context }
        : { mode: "render", directory: `${cfg.renderDir}/${stack}` },
    quota: cfg.quota ?? {},
    limitRange: cfg.limitRange,
    allowIngressFromNamespaces: cfg.network?.allowIngressFromNamespaces ?? [],
    roles: cfg.roles ?? [],
    syncWindows: cfg.syncWindows ?? [],
    clusterResources: cfg.clusterResources ?? [],
    apps: toApps(cfg),
    projectName: `${cfg.system}-${cfg.environment}`,
    governance: cfg.governance ? toGovernanceConfig(cfg.environment, cfg.governance) : undefined,
    rules: cfg.rules ? toPromotionRules(cfg.rules) : undefined,
    evidence: toEvidenceSources(cfg.evidence),
    verification: toVerification(cfg.verification),
    deployments: cfg.deployments
      ? {
          organization: cfg.deployments.organization,
          repoDir: cfg.deployments.repoDir ?? ".",
          previewPullRequests: cfg.deployments.previewPullRequests ?? true,
          deployCommits: cfg.deployments.deployCommits ?? true,
          preRunCommands: cfg.deployments.preRunCommands ?? [],
          environmentVariables: cfg.deployments.environmentVariables ?? {},
          secrets: cfg.deployments.secrets ?? [],
        }
      : undefined,
  };
}
