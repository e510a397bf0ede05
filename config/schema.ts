/**
 * The shape of a stack's `promotion:*` config. Every message here completes the sentence
 * "accepted: ...", because config/validate.ts prints it after the key and the bad value.
 */
import { z } from "zod";
import { ACCEPTED_IMAGE_TAGS, checkImageTag } from "../rules/imageTag";
import { ACCEPTED_DURATION, parseDuration } from "../rules/gate";
import { ACCEPTED_DIGEST, DIGEST_PATTERN } from "../rules/registry";
import {
  BYPASS_KINDS,
  LOG_LEVELS,
  type ClusterResourceConfig,
  type LimitRangeConfig,
  type ResourceRequirements,
  type RoleConfig,
  type SyncWindowConfig,
} from "../model/environment";
import { deploymentsSchema } from "./deployments";
import { engineSchema, fluxSchema } from "./engine";
import { helmSchema } from "./helm";
import { governanceSchema } from "./governance";
import { evidenceSchema, rulesSchema, verificationSchema } from "./promotionRules";
import { signaturesSchema } from "./signatures";
import { strictObject } from "./zodShapes";
import {
  SYNC_WINDOW_MAX_MINUTES,
  formatWindowMinutes,
  maxWindowMinutes,
  windowMinutes,
} from "../rules/syncWindow";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const dnsLabel = (what: string) =>
  z
    .string({ error: `${what}: a string` })
    .max(63, `${what}: at most 63 characters`)
    .regex(
      DNS_LABEL,
      `${what}: lowercase letters, digits and '-', starting and ending alphanumeric`,
    );

const nonEmpty = (what: string) =>
  z.string({ error: `${what}: a string` }).min(1, `${what}: a non-empty string`);

const stringList = (what: string) => z.array(nonEmpty(what), { error: `a list of ${what}s` });

/** Kubernetes resource quantity (100m, 1Gi, 2); YAML numbers are accepted and kept as strings. */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const quantity = z
  .union([z.string(), z.number()], { error: "a Kubernetes quantity such as 100m, 128Mi or 2" })
  .transform((value) => String(value))
  .refine((value) => QUANTITY.test(value), {
    error: "a Kubernetes quantity such as 100m, 128Mi or 2",
  });

const computeResources = strictObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
});

const resourceRequirements = strictObject({
  requests: computeResources.optional(),
  limits: computeResources.optional(),
}) satisfies z.ZodType<ResourceRequirements>;

/** Image repository without tag or digest: the tag lives in its own key. */
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;

const imageTag = z.string({ error: ACCEPTED_IMAGE_TAGS }).superRefine((tag, ctx) => {
  const checked = checkImageTag(tag);
  if ("refused" in checked) {
    ctx.addIssue({ code: "custom", message: `${ACCEPTED_IMAGE_TAGS} (${checked.refused})` });
  }
});

const manifestSourceShape = {
  repoURL: nonEmpty("repoURL").regex(
    // git:// is Argo CD's unauthenticated read-only protocol: internal mirrors and the test bed.
    /^(https:\/\/|ssh:\/\/|git:\/\/|git@)\S+$/,
    "a git URL (https://..., ssh://..., git://... or git@...)",
  ),
  path: nonEmpty("path").refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), {
    error: "a path inside the repository (relative, without '..')",
  }),
  targetRevision: nonEmpty("targetRevision"),
};
const manifestSource = strictObject(manifestSourceShape);

const UNREADABLE_UPSTREAM =
  "a non-empty reason why a promotion may go ahead when the upstream's live state cannot be read (leave it out to refuse such a promotion)";
const AUTOMATED_SYNC_REASON =
  "a non-empty reason why the last environment of the chain syncs automatically (leave it out to keep syncMode: automated for earlier environments only)";
const OVERRIDE_REASON =
  "a non-empty reason: why this promotion goes ahead although its promotion rules fail";

const BYPASS_TAG =
  "the tag this bypass was written for (the app's tag): a bypass covers that one tag, so one left behind after the tag moved on lets nothing through";
const OVERRIDE_TAG =
  "the tag this override was written for (the app's tag): an override covers that one tag, so one left behind after the tag moved on lets nothing through";

/**
 * Written by `promote rollback`, `hotfix` or `initial`; removed by the next normal promotion. It
 * names its tag, checked against the app's tag in crossKeyProblems (config/validate.ts).
 */
const bypass = strictObject({
  kind: z.enum(BYPASS_KINDS, {
    error:
      "rollback (to a tag this environment ran before), hotfix (any immutable tag) or initial (the first deployment of an environment, of a tag its upstream does not run)",
  }),
  tag: z.string({ error: BYPASS_TAG }).min(1, BYPASS_TAG),
  reason: z
    .string({ error: "a non-empty reason: why the promotion gate is bypassed" })
    .refine((reason) => reason.trim() !== "", {
      error: "a non-empty reason: why the promotion gate is bypassed",
    }),
});

/** Written by `promote --override-rules`; removed by the next promotion. */
const overrideRules = strictObject(
  {
    tag: z.string({ error: OVERRIDE_TAG }).min(1, OVERRIDE_TAG),
    reason: z
      .string({ error: OVERRIDE_REASON })
      .refine((reason) => reason.trim() !== "", { error: OVERRIDE_REASON }),
  },
  "a map { tag: <the app's tag>, reason: <why> }",
);

/** What a promotion waits for in the upstream's live Argo CD Application (rules/gate.ts). */
/**
 * The longest soak time: 30 days. A longer wait is no gate but a freeze, and a typo (99999999999h)
 * would otherwise hold every promotion for ever without saying so.
 */
export const SOAK_TIME_MAX_SECONDS = 30 * 24 * 3600;
const SOAK_TIME_BOUND = "at most 30d (720h): a longer soak is a freeze, not a gate";

const gate = strictObject({
  soakTime: z
    .union([z.string(), z.number()], { error: ACCEPTED_DURATION })
    .refine((value) => parseDuration(value) !== undefined, { error: ACCEPTED_DURATION })
    .refine((value) => (parseDuration(value) ?? 0) <= SOAK_TIME_MAX_SECONDS, {
      error: `${ACCEPTED_DURATION}, ${SOAK_TIME_BOUND}`,
    }),
  requireHealthy: z.boolean({ error: "true or false" }),
  /** Accept a promotion whose upstream cannot be read, and why (rules/gate.ts). */
  unreadableUpstream: z
    .string({ error: UNREADABLE_UPSTREAM })
    .refine((reason) => reason.trim() !== "", { error: UNREADABLE_UPSTREAM })
    .optional(),
});

/** Every key of one app except its tag and bypass: what promotion:appDefaults may also set. */
const sharedAppShape = {
  image: z
    .string({ error: "an image repository such as ghcr.io/org/name" })
    .regex(IMAGE, "an image repository such as ghcr.io/org/name, without tag or digest"),
  source: manifestSource.optional(),
  replicas: z
    .number({ error: "a whole number from 0 to 1000" })
    .int("a whole number from 0 to 1000")
    .min(0, "a whole number from 0 to 1000")
    .max(1000, "a whole number from 0 to 1000"),
  logLevel: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(", ")}` }).optional(),
  resources: resourceRequirements.optional(),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names"),
      z.string({ error: "a string value" }),
      { error: "a map of environment variable names to string values" },
    )
    .optional(),
  namespace: dnsLabel("namespace").optional(),
  deployment: dnsLabel("deployment name").optional(),
  container: dnsLabel("container name").optional(),
  syncWave: z
    .number({ error: "a whole number (Argo CD sync wave)" })
    .int("a whole number (Argo CD sync wave)")
    .optional(),
};

const app = strictObject({
  ...sharedAppShape,
  tag: imageTag,
  /** The registry's manifest digest of the tag, pinned next to it (docs/registry.md). */
  digest: z.string({ error: ACCEPTED_DIGEST }).regex(DIGEST_PATTERN, ACCEPTED_DIGEST).optional(),
  /** The chart this environment installs, for a Helm-chart app (config/helm.ts). */
  helm: helmSchema.optional(),
  /** An escape hatch from the promotion gate for this tag (rules/gate.ts). */
  bypass: bypass.optional(),
  /** Promote although promotion rules fail, for which tag and why (preflight/rules.ts). */
  overrideRules: overrideRules.optional(),
});

/**
 * `promotion:appDefaults` (rules/appDefaults.ts): what the apps share, checked with `{app}` and
 * `{environment}` filled in; each app's own keys win. Tags and bypasses are per app only.
 */
const appDefaults = strictObject(
  {
    ...Object.fromEntries(
      Object.entries(sharedAppShape).map(([key, schema]) => [key, schema.optional()]),
    ),
    source: strictObject(
      Object.fromEntries(
        Object.entries(manifestSourceShape).map(([key, schema]) => [key, schema.optional()]),
      ),
    ).optional(),
  },
  "the settings the apps share (image, source, replicas, ...): a map",
);

const role = strictObject({
  name: dnsLabel("role name"),
  description: z.string({ error: "a string" }).optional(),
  groups: z
    .array(nonEmpty("group"), { error: "a list of SSO group names" })
    .min(1, "at least one group"),
  canSync: z.boolean({ error: "true or false" }),
}) satisfies z.ZodType<RoleConfig>;

const SYNC_WINDOW_BOUND = `at most ${formatWindowMinutes(SYNC_WINDOW_MAX_MINUTES)} (31 days, a month's freeze) and shorter than the longest time between two starts of its schedule`;

// Numbers, ranges, steps and lists, plus the month and day names cron accepts (MON, JAN).
const CRON_FIELD = /^[0-9A-Za-z*,/\-?]+$/;
const syncWindow = strictObject({
  kind: z.enum(["allow", "deny"], { error: "allow or deny" }),
  schedule: z.string({ error: "a cron schedule with 5 fields" }).refine(
    (s) =>
      s.trim().split(/\s+/).length === 5 &&
      s
        .trim()
        .split(/\s+/)
        .every((f) => CRON_FIELD.test(f)),
    {
      error: 'a cron schedule with 5 fields, such as "0 9 * * 1-5"',
    },
  ),
  duration: z
    .string({ error: "a duration such as 1h or 30m" })
    .regex(/^([0-9]+h)?([0-9]+m)?$/, "a duration such as 1h, 30m or 1h30m")
    .min(2, "a duration such as 1h, 30m or 1h30m")
    .refine((text) => (windowMinutes(text) ?? 1) > 0, {
      error: "a duration such as 1h, 30m or 1h30m, more than 0",
    })
    .refine((text) => (windowMinutes(text) ?? 0) <= SYNC_WINDOW_MAX_MINUTES, {
      error: `a duration such as 1h, 30m or 1h30m, ${SYNC_WINDOW_BOUND}`,
    }),
  timeZone: nonEmpty("timeZone").optional(),
  manualSync: z.boolean({ error: "true or false" }).optional(),
  applications: z
    .array(nonEmpty("application"), { error: "a list of application names or globs" })
    .optional(),
})
  // An allow window at least as long as the longest time between two starts of its schedule never
  // closes (rules/syncWindow.ts): the change window it stands for is silently gone. A deny window
  // that never closes is a freeze, said on purpose (its own bound still holds).
  .superRefine((window, ctx) => {
    if (window.kind !== "allow") return;
    const longest = maxWindowMinutes(window.schedule);
    const minutes = windowMinutes(window.duration);
    if (longest === undefined || minutes === undefined || minutes <= longest) return;
    if (minutes > SYNC_WINDOW_MAX_MINUTES) return; // the duration's own bound says so
    ctx.addIssue({
      code: "custom",
      path: ["duration"],
      message: `a duration of at most ${formatWindowMinutes(longest)}: shorter than the longest time between two starts of "${window.schedule}" (${formatWindowMinutes(longest + 1)}), else the window never closes`,
    });
  }) satisfies z.ZodType<SyncWindowConfig>;

const clusterResource = strictObject({
  group: z.string({ error: 'an API group ("" for core)' }),
  kind: nonEmpty("kind"),
}) satisfies z.ZodType<ClusterResourceConfig>;

const QUOTA_KEY =
  /^(requests\.|limits\.)?(cpu|memory|storage|ephemeral-storage)$|^(pods|services|secrets|configmaps|persistentvolumeclaims|replicationcontrollers|resourcequotas|services\.loadbalancers|services\.nodeports|count\/[a-z0-9.]+)$/;

const limitRange = strictObject({
  defaultRequest: computeResources.optional(),
  default: computeResources.optional(),
  max: computeResources.optional(),
  min: computeResources.optional(),
}) satisfies z.ZodType<LimitRangeConfig>;

const network = strictObject({
  allowIngressFromNamespaces: z
    .array(dnsLabel("namespace"), { error: "a list of namespace names" })
    .optional(),
});

// The typed model (model/environment.ts) is written by hand so that the layers below config/ need
// no zod; each `satisfies` above fails to compile when the schema's output stops fitting it.

/** Every key a stack may set under `promotion:`. */
export const stackConfigSchema = strictObject({
  environment: dnsLabel("environment name"),
  system: dnsLabel("system name"),
  upstream: z.union([z.literal(""), dnsLabel("environment name")], {
    error: 'an environment name, or "" for the first environment',
  }),
  namespace: dnsLabel("namespace"),
  extraNamespaces: z
    .array(dnsLabel("namespace"), { error: "a list of namespace names" })
    .optional(),
  syncMode: z.enum(["automated", "manual"], { error: "automated or manual" }),
  /**
   * Why the last environment of the chain may sync automatically: the reviewed opt-in without
   * which config/validate.ts refuses syncMode: automated there.
   */
  automatedSyncReason: z
    .string({ error: AUTOMATED_SYNC_REASON })
    .refine((reason) => reason.trim() !== "", { error: AUTOMATED_SYNC_REASON })
    .optional(),
  engine: engineSchema.optional(),
  flux: fluxSchema.optional(),
  slackChannel: z
    .string({ error: "a Slack channel such as #team-deploys" })
    .regex(/^#?[a-z0-9][a-z0-9._-]{0,79}$/, "a Slack channel such as #team-deploys"),
  argocdNamespace: dnsLabel("namespace"),
  clusterServer: z
    .string({ error: "an https:// URL of the cluster's API server" })
    .regex(/^https:\/\/\S+$/, "an https:// URL of the cluster's API server"),
  sourceRepos: stringList("repository URL").min(1, "at least one repository URL"),
  kubeconfig: z.string({ error: 'a path to a kubeconfig, its content, or ""' }),
  kubeContext: z.string({ error: 'a kubeconfig context name, or ""' }),
  renderDir: nonEmpty("renderDir"),
  quota: z
    .record(
      z
        .string()
        .regex(
          QUOTA_KEY,
          "ResourceQuota resource names such as requests.cpu, limits.memory or pods",
        ),
      quantity,
      {
        error: "a map of ResourceQuota resource names to quantities",
      },
    )
    .optional(),
  limitRange: limitRange.optional(),
  network: network.optional(),
  roles: z.array(role, { error: "a list of roles" }).optional(),
  syncWindows: z.array(syncWindow, { error: "a list of sync windows" }).optional(),
  clusterResources: z.array(clusterResource, { error: "a list of {group, kind}" }).optional(),
  /** What every app has unless it says otherwise (rules/appDefaults.ts). */
  appDefaults: appDefaults.optional(),
  apps: z
    .record(dnsLabel("application name"), app, {
      error: "a map of application name to application",
    })
    .refine((apps) => Object.keys(apps).length > 0, { error: "at least one application" }),
  /** What promotions into this environment wait for upstream; required with an upstream. */
  gate: gate.optional(),
  /**
   * Whether the scheduled workflow (scripts/auto-promote.ts) may promote into this environment by
   * itself when the gate allows; off unless the environment's own file says true. The engine hands
   * a top-level scalar to the program as text, so `true` arrives as "true".
   */
  autoPromote: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((text) => text === "true")], {
      error: "true or false",
    })
    .optional(),
  /** Cosign signatures every image pinned here must carry (config/signatures.ts). */
  signatures: signaturesSchema.optional(),
  /** GitHub governance of promotions into this environment (config/governance.ts). */
  governance: governanceSchema.optional(),
  /** How Pulumi Deployments runs this stack (config/deployments.ts). */
  deployments: deploymentsSchema.optional(),
  /** What a promotion into this environment must show (config/promotionRules.ts). */
  rules: rulesSchema.optional(),
  /** Where this environment's own evidence is read from (config/promotionRules.ts). */
  evidence: evidenceSchema.optional(),
  /** What `promote verify` checks after an up (config/promotionRules.ts). */
  verification: verificationSchema.optional(),
});

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type GateConfigInput = z.infer<typeof gate>;
