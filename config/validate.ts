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

const RESERVED_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/**
 * Rules that relate several keys. They read the raw values defensively, so they still run (and
 * report) when other keys are malformed.
 */
function crossKeyProblems(stack: string, raw: Loose, locate: Locate): Refusal[] {
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
 * problems found across the stack files (the promotion chain, config/chain.ts).
 */
export function validateStackConfig(
  stack: string,
  raw: Record<string, unknown>,
  acrossStacks: readonly Refusal[] = [],
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
    ...crossKeyProblems(stack, checked, locate),
    ...acrossStacks,
  ].filter((problem) => {
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
