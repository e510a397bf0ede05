/**
 * The lineage gate, run before the environment declares anything: it fetches what the gate decides
 * on (the upstream stack's and this stack's previous outputs, the upstream's stack file, the
 * upstream's live Argo CD Application) through adapters/, and lets the pure rules of rules/gate.ts
 * and rules/record.ts decide. A refusal ends the program with a RunError, so `pulumi preview` and
 * `pulumi up` fail without touching a resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { runError } from "../config/runError";
import { currentActor } from "../adapters/actor";
import { ApplicationReader } from "../adapters/argocdApplication";
import { FluxObjectReader } from "../adapters/fluxObject";
import { readStackEngine } from "../config/engineUpstream";
import { fluxKindOf, fluxObjectNameFor } from "../manifests/flux";
import { decideFluxUpstreamHealth } from "../rules/fluxHealth";
import { StackOutputs } from "../adapters/stackOutputs";
import {
  evidenceGitHubAccess,
  loadUpstreamConfig,
  loadUpstreamPins,
  loadUpstreamTarget,
  projectDirectory,
} from "../config";
import { checkAppRules } from "./rules";
import type { AppConfig, EnvironmentConfig, GateConfig } from "../model/environment";
import { applicationName, applicationNameFor } from "../manifests/argocd";
import {
  decideGate,
  decideUpstreamHealth,
  digestEvidenceNeeded,
  type GateInput,
  type RegistryDigest,
  type HealthOutcome,
  type UpstreamApplication,
  type UpstreamTags,
} from "../rules/gate";
import { imageReference } from "../rules/imageTag";
import {
  nextRecords,
  parseAllRecords,
  recordAnnotations,
  type PromotionRecord,
} from "../rules/record";
import { isObject } from "../rules/values";
import { allow, RefusedError, type Refusal } from "../rules/verdict";
import { RegistryClient } from "../adapters/registry";

/** The registry's digest of the app's tag, or why the registry could not say. */
async function registryDigest(app: AppConfig): Promise<RegistryDigest> {
  try {
    return { digest: (await new RegistryClient().resolve(app.image, app.tag)).digest };
  } catch (error) {
    return { unreadable: (error as Error).message };
  }
}

/** What the environment declares from the gate's decisions. */
export interface Lineage {
  /** Per app, its records after this run, newest first (the `promotionRecords` output). */
  records: Record<string, PromotionRecord[]>;
  /** Per app, the annotations of its newest record, for its Argo CD Application. */
  annotations: Record<string, Record<string, string>>;
}

/** One field (tag, image, applicationName) of each app, from a stack's `apps` output. */
function fieldOf(apps: unknown, field: "tag" | "image" | "digest" | "applicationName") {
  if (!isObject(apps)) return undefined;
  const values: Record<string, string> = {};
  for (const [app, summary] of Object.entries(apps)) {
    const value = isObject(summary) ? summary[field] : undefined;
    if (typeof value === "string") values[app] = value;
  }
  return values;
}

/**
 * How the upstream's live Applications are read, or why they are not: the gate turns the check
 * off, this stack renders manifests, or the upstream's cluster cannot be reached from here.
 */
type UpstreamReader =
  | ApplicationReader
  | FluxObjectReader
  /** Nothing to read: the gate turns the checks off, or this stack deploys to no cluster. */
  | { skip: string }
  /** The upstream's live state cannot be read from here: the gate refuses (fail closed). */
  | { why: string };

function upstreamReader(config: EnvironmentConfig): UpstreamReader {
  const gate = config.gate;
  const upstream = config.upstream ?? "";
  if (!gate || (!gate.requireHealthy && gate.soakSeconds === 0)) {
    return { skip: "promotion:gate turns health and soak time off" };
  }
  if (config.kubernetes.mode === "render") {
    // Render mode deploys nothing: the rendered files are the deliverable, and whoever applies
    // them applies the gate's records with them (docs/promotion.md).
    return {
      skip: `${config.environment} renders manifests to ${config.kubernetes.directory} (no kubeconfig or kubeContext), so there is no cluster to read ${upstream}'s live Application from`,
    };
  }
  const target = loadUpstreamTarget(config);
  if ("unreadable" in target) return { why: target.unreadable };
  if (target.kubernetes.mode === "render") {
    return {
      why: `${upstream} renders manifests (no cluster in its stack file), so its Application has no live status`,
    };
  }
  const upstreamEngine = readStackEngine(projectDirectory(), upstream);
  if (upstreamEngine?.engine === "flux") {
    return new FluxObjectReader(target.kubernetes, upstreamEngine.fluxNamespace);
  }
  return new ApplicationReader(
    `${config.environment}-upstream`,
    target.kubernetes,
    target.argocdNamespace,
  );
}

async function readUpstream(
  reader: ApplicationReader | { why: string },
  app: AppConfig,
  name: string,
): Promise<UpstreamApplication> {
  if (reader instanceof ApplicationReader) return reader.read(app.name, name);
  return { readable: false, why: reader.why };
}

/**
 * The upstream's live health and soak time for `app`: its Argo CD Application, or on Flux its
 * Kustomization or HelmRelease, by the name the upstream's outputs give.
 */
async function upstreamHealth(
  config: EnvironmentConfig,
  upstream: string,
  gate: GateConfig,
  app: AppConfig,
  reader: UpstreamReader,
  upstreamNames: Record<string, string>,
): Promise<HealthOutcome> {
  if ("skip" in reader) return allow({ checked: false, checks: `not checked: ${reader.skip}` });
  if (reader instanceof FluxObjectReader) {
    return decideFluxUpstreamHealth({
      environment: config.environment,
      app: app.name,
      upstream,
      tag: app.tag,
      image: app.image,
      ...(app.helm ? { helm: { tagPath: app.helm.tagPath, imagePath: app.helm.imagePath } } : {}),
      settings: gate,
      object: await reader.read(
        fluxKindOf(app),
        upstreamNames[app.name] ?? fluxObjectNameFor(app.name, upstream),
      ),
      now: new Date(),
    });
  }
  const name = upstreamNames[app.name] ?? applicationNameFor(app.name, upstream);
  return decideUpstreamHealth({
    environment: config.environment,
    app: app.name,
    upstream,
    tag: app.tag,
    imageRef: imageReference(app.image, app.tag, app.digest),
    settings: gate,
    application: await readUpstream(reader, app, name),
    now: new Date(),
    ...(app.helm ? { helmTagPath: app.helm.tagPath } : {}),
  });
}

/**
 * Checks every app's tag against the gate and returns the records and annotations to declare;
 * throws a RunError listing every refusal.
 */
export async function checkPromotions(
  config: EnvironmentConfig,
  own: StackOutputs,
): Promise<Lineage> {
  const env = config.environment;
  const upstream = config.upstream ? new StackOutputs(config.upstream) : undefined;

  // The upstream's records say which digest it ran each tag as, and how long it has run a tag
  // (the canary rule).
  const [ownApps, ownRecords, upstreamApps, upstreamRecords] = await Promise.all([
    own.get("apps"),
    own.get("promotionRecords"),
    upstream ? upstream.get("apps") : Promise.resolve(undefined),
    upstream ? upstream.get("promotionRecords") : Promise.resolve(undefined),
  ]);
  const ownTags = fieldOf(ownApps, "tag");
  const ownImages = fieldOf(ownApps, "image");
  const ownDigests = fieldOf(ownApps, "digest");
  const history = parseAllRecords(ownRecords);
  /** No outputs at all: this stack was never deployed, every tag is its first deployment. */
  const neverDeployed = ownTags === undefined && ownRecords === undefined;
  const upstreamTags: UpstreamTags = fieldOf(upstreamApps, "tag") ?? "no record";
  const upstreamImages = fieldOf(upstreamApps, "image");
  const upstreamDigests = fieldOf(upstreamApps, "digest");
  const upstreamNames = fieldOf(upstreamApps, "applicationName") ?? {};
  const upstreamPins = loadUpstreamPins(config);

  const reader = config.upstream ? upstreamReader(config) : undefined;
  const upstreamHistory = parseAllRecords(upstreamRecords);
  let upstreamConfig: ReturnType<typeof loadUpstreamConfig> | undefined;
  const at = new Date().toISOString();
  let actor: string | undefined;
  const by = () => (actor ??= currentActor(projectDirectory(), config.stack));

  const refusals: Refusal[] = [];
  const lineage: Lineage = { records: {}, annotations: {} };
  for (const app of config.apps) {
    const previous = history[app.name] ?? [];
    const gateInput: GateInput = {
      environment: env,
      app: app.name,
      tag: app.tag,
      image: app.image,
      digest: app.digest,
      upstream: config.upstream
        ? {
            environment: config.upstream,
            tags: upstreamTags,
            images: upstreamImages,
            digests: upstreamDigests,
            history: upstreamHistory[app.name] ?? [],
            pinned: upstreamPins,
          }
        : undefined,
      own: neverDeployed
        ? "no record"
        : {
            tag: ownTags?.[app.name],
            image: ownImages?.[app.name],
            digest: ownDigests?.[app.name],
            history: previous,
          },
      bypass: app.bypass,
    };
    // A digest no record vouches for is checked against the registry, failing closed.
    const decision = decideGate(
      digestEvidenceNeeded(gateInput)
        ? { ...gateInput, registry: await registryDigest(app) }
        : gateInput,
    );
    if (!decision.allowed) {
      refusals.push(...decision.refusals);
      continue;
    }
    const allowed = decision.value;

    let checks: string | undefined;
    if (allowed.checkUpstream && config.upstream && config.gate && reader) {
      const outcome = await upstreamHealth(
        config,
        config.upstream,
        config.gate,
        app,
        reader,
        upstreamNames,
      );
      if (!outcome.allowed) {
        refusals.push(...outcome.refusals);
        continue;
      }
      checks = outcome.value.checks;
      if (!outcome.value.checked) {
        void pulumi.log.warn(`${applicationName(config, app)}: upstream ${checks}`);
      }
    }
    let reason = allowed.reason;
    if (allowed.kind === "promotion" && config.rules) {
      const ruled = await checkAppRules({
        config,
        app,
        upstream: config.upstream ? (upstreamConfig ??= loadUpstreamConfig(config)) : undefined,
        upstreamRecords: upstreamHistory[app.name] ?? [],
        github: evidenceGitHubAccess(),
        projectDir: projectDirectory(),
        now: new Date(),
      });
      if (!ruled.allowed) {
        refusals.push(...ruled.refusals);
        continue;
      }
      checks = checks ? `${checks}; ${ruled.value.checks}` : ruled.value.checks;
      reason = ruled.value.reason ?? reason;
      if (ruled.value.warning) {
        void pulumi.log.warn(`${applicationName(config, app)}: ${ruled.value.warning}`);
      }
    }
    if (allowed.kind === "rollback" || allowed.kind === "hotfix") {
      void pulumi.log.warn(
        `${applicationName(config, app)} takes ${app.tag} as a ${allowed.kind}, bypassing the promotion gate: ${allowed.reason ?? ""}`,
      );
    }

    if (!app.digest) {
      void pulumi.log.warn(
        `${applicationName(config, app)} pins ${app.tag} without its digest, so what runs is whatever the tag points at when Argo CD syncs: run 'npm run promote -- pin-digests --env ${env}' (docs/registry.md)`,
      );
    }
    const records = nextRecords(previous, {
      environment: env,
      tag: app.tag,
      digest: app.digest,
      kind: allowed.kind,
      from: allowed.from,
      at,
      by: allowed.kind === "unchanged" && previous.length > 0 ? "" : by(),
      reason,
      checks,
    });
    lineage.records[app.name] = records;
    lineage.annotations[app.name] = recordAnnotations(records[0]);
  }

  if (refusals.length > 0) {
    throw runError(new RefusedError(config.stack, "gate", refusals).message);
  }
  return lineage;
}
