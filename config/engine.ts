/**
 * `promotion:engine` and `promotion:flux`: which GitOps engine applies an environment's apps, and
 * how Flux reconciles them. The stack files, chain, tag policy, gate, records and governance are
 * the same for both engines; only the objects declared for the apps differ (manifests/flux.ts).
 */
import { z } from "zod";
import { parseDuration } from "../rules/gate";
import { isObject, strings, type Loose } from "../rules/values";
import { ENGINES, type Engine, type FluxSettings } from "../model/engine";
import { strictObject } from "./zodShapes";

export const engineSchema = z.enum(ENGINES, {
  error:
    "argocd (Argo CD Applications, the default) or flux (Flux Kustomizations and HelmReleases)",
});

/** A Flux duration (Go's time.ParseDuration subset Flux accepts: 30s, 1m, 1h30m), never 0. */
const fluxDuration = z
  .string({ error: "a duration such as 1m, 5m or 1h30m" })
  .refine(
    (value) => /^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/.test(value) && (parseDuration(value) ?? 0) > 0,
    {
      error: "a duration such as 30s, 1m, 5m or 1h30m (more than 0)",
    },
  );

const dnsLabel = z
  .string({ error: "a Kubernetes name" })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a Kubernetes name (lowercase letters, digits, '-')")
  .max(63, "a Kubernetes name of at most 63 characters");

export const fluxSchema = strictObject(
  {
    namespace: dnsLabel.optional(),
    interval: fluxDuration.optional(),
    timeout: fluxDuration.optional(),
    sourceInterval: fluxDuration.optional(),
    prune: z.boolean({ error: "true or false" }).optional(),
    wait: z.boolean({ error: "true or false" }).optional(),
    slackSecret: dnsLabel.optional(),
  },
  "the Flux settings",
);

export type FluxInput = z.infer<typeof fluxSchema>;

/**
 * Problems relating `promotion:flux` to `promotion:engine` and the apps, as key path and what is
 * accepted: Flux settings only on Flux; Flux's own namespace is not one of the environment's; Flux
 * clones only https:// and ssh:// (git@host:path is ssh) repositories.
 */
export function engineKeyProblems(raw: Loose): { path: PropertyKey[]; accepted: string }[] {
  const engine = typeof raw.engine === "string" ? raw.engine : "argocd";
  const problems: { path: PropertyKey[]; accepted: string }[] = [];
  if (raw.flux !== undefined && engine !== "flux") {
    problems.push({
      path: ["flux"],
      accepted: `not set unless promotion:engine is flux (it is ${engine}): Flux settings apply to Flux only`,
    });
  }
  if (engine !== "flux") return problems;
  if (raw.syncMode === "manual") {
    problems.push({
      path: ["syncMode"],
      accepted:
        "automated on Flux: Flux reconciles continuously and has no manual sync; the reviewed pull request into the environment's stack file is the gate (Pulumi.yaml's default is manual, so say automated)",
    });
  }
  const own = [...strings([raw.namespace]), ...strings(raw.extraNamespaces)];
  if (
    isObject(raw.flux) &&
    typeof raw.flux.namespace === "string" &&
    own.includes(raw.flux.namespace)
  ) {
    problems.push({
      path: ["flux", "namespace"],
      accepted:
        "Flux's own namespace (flux-system), not one of the environment's: the apps may not manage the objects that deploy them",
    });
  }
  for (const [name, app] of Object.entries(isObject(raw.apps) ? raw.apps : {})) {
    const where = isObject(app) && isObject(app.helm) ? "helm" : "source";
    const section = isObject(app) ? app[where] : undefined;
    const repoURL = isObject(section) ? section.repoURL : undefined;
    if (typeof repoURL === "string" && repoURL.startsWith("git://")) {
      problems.push({
        path: ["apps", name, where, "repoURL"],
        accepted:
          "an https://, ssh:// or git@ URL on Flux: its source-controller does not clone git:// (Argo CD does)",
      });
    }
  }
  return problems;
}

/** The engine and Flux settings of a validated stack config, defaults applied. */
export function toEngineConfig(cfg: { engine?: Engine; flux?: FluxInput }): {
  engine: Engine;
  flux?: FluxSettings;
} {
  const engine = cfg.engine ?? "argocd";
  if (engine !== "flux") return { engine };
  const flux = cfg.flux ?? {};
  const interval = flux.interval ?? "10m";
  return {
    engine,
    flux: {
      namespace: flux.namespace ?? "flux-system",
      interval,
      timeout: flux.timeout ?? "5m",
      sourceInterval: flux.sourceInterval ?? interval,
      prune: flux.prune ?? true,
      wait: flux.wait ?? true,
      slackSecret: flux.slackSecret ?? "slack-webhook",
    },
  };
}
