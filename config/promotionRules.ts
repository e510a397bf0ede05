/**
 * `promotion:rules` and `promotion:evidence` (docs/rules.md): what a promotion INTO this
 * environment must show (seed 002's table: CI checks, coverage, security findings, SLO, error
 * budget, critical alerts, canary metrics, approvals), and where this environment's own evidence is
 * read from (its Prometheus, the reports CI publishes per image). Percentages are 0-100.
 */
import { z } from "zod";
import { ACCEPTED_APPROVER, parseApprover } from "../rules/approvers";
import { ACCEPTED_DURATION, parseDuration } from "../rules/gate";
import { strictObject } from "./zodShapes";
import type { EvidenceSources, PromotionRules, Verification } from "../model/environment";

const percent = (what: string) =>
  z
    .number({ error: `${what}: a percentage from 0 to 100, such as 99.5` })
    .min(0, `${what}: a percentage from 0 to 100, such as 99.5`)
    .max(100, `${what}: a percentage from 0 to 100, such as 99.5`);

const count = (what: string) =>
  z
    .number({ error: `${what}: a whole number of findings, 0 or more` })
    .int(`${what}: a whole number of findings, 0 or more`)
    .min(0, `${what}: a whole number of findings, 0 or more`);

const duration = z
  .string({ error: ACCEPTED_DURATION })
  .refine((text) => (parseDuration(text) ?? 0) > 0, { error: `${ACCEPTED_DURATION}, not 0` });

/** A CI check name as GitHub shows it (a check run's name or a commit status's context). */
const checkName = z
  .string({ error: "a CI check name such as unit-tests" })
  .regex(/^\S(.*\S)?$/, "a CI check name such as unit-tests (no leading or trailing spaces)");

export const rulesSchema = strictObject(
  {
    /** CI checks that must have succeeded on the commit the image was built from. */
    checks: z
      .array(checkName, { error: "a list of CI check names such as [unit-tests, e2e]" })
      .optional(),
    /** Minimum line coverage of that commit, in percent. */
    coverage: percent("minimum line coverage").optional(),
    /** Most security findings allowed in the image's scan, by severity. */
    security: strictObject(
      { maxHigh: count("maxHigh"), maxCritical: count("maxCritical") },
      "the security limits",
    ).optional(),
    /** The SLO the upstream must meet over `window` while running the image. */
    slo: strictObject(
      {
        availability: percent("minimum availability"),
        errorRate: percent("maximum error rate"),
        window: duration,
      },
      "the SLO",
    ).optional(),
    /** The most of the upstream's error budget (for `slo.availability` over 30 days) consumed. */
    errorBudget: percent("maximum error budget consumed").optional(),
    /** No critical alert may be firing for the upstream. */
    noCriticalAlerts: z.boolean({ error: "true or false" }).optional(),
    /** The upstream's canary: its traffic share, how long it ran, its success rate. */
    canary: strictObject(
      {
        traffic: percent("minimum canary traffic share"),
        duration,
        successRate: percent("minimum canary success rate"),
      },
      "the canary rule",
    ).optional(),
    /** Teams or users that must approve the promotion pull request (enforced by governance). */
    approvals: z
      .array(
        z.string({ error: ACCEPTED_APPROVER }).refine((a) => parseApprover(a) !== undefined, {
          error: ACCEPTED_APPROVER,
        }),
        { error: `a list of approvers: ${ACCEPTED_APPROVER}` },
      )
      .optional(),
  },
  "the promotion rules",
);

/** PromQL with {namespace}, {app} and {window} filled in for each app (docs/rules.md). */
const promql = z.string({ error: "a PromQL query" }).min(1, "a non-empty PromQL query");

export const evidenceSchema = strictObject(
  {
    /** This environment's Prometheus (its HTTP API base URL). */
    prometheus: z
      .string({ error: "an http(s) URL such as http://prometheus.monitoring:9090" })
      .regex(/^https?:\/\/\S+$/, "an http(s) URL such as http://prometheus.monitoring:9090")
      .optional(),
    /** Where CI publishes each image's reports: a folder of the repository or an http(s) URL, with {app} and {tag}. */
    reports: z
      .string({ error: 'a path or URL with {app} and {tag}, such as "evidence/{app}/{tag}"' })
      .regex(/\{tag\}/, 'a path or URL with {app} and {tag}, such as "evidence/{app}/{tag}"')
      .optional(),
    /** Queries that replace the defaults (docs/rules.md lists them). */
    queries: strictObject(
      {
        availability: promql.optional(),
        errorRate: promql.optional(),
        canaryTraffic: promql.optional(),
        canarySuccessRate: promql.optional(),
      },
      "the queries",
    ).optional(),
  },
  "the evidence sources",
);

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Rules that relate `promotion:rules` to other keys: upstream measurements need an upstream, and
 * required approvals are enforced by governance, so they must be among its approvers; and
 * verification's error budget is of its SLO's availability target.
 */
export function rulesKeyProblems(raw: Loose): { path: PropertyKey[]; accepted: string }[] {
  const problems: { path: PropertyKey[]; accepted: string }[] = [];
  const rules = isObject(raw.rules) ? raw.rules : {};
  if (raw.upstream === "" || raw.upstream === undefined) {
    for (const key of ["slo", "errorBudget", "noCriticalAlerts", "canary"]) {
      if (rules[key] !== undefined) {
        problems.push({
          path: ["rules", key],
          accepted:
            "not set on the first environment: it is measured in the upstream, and this environment has none",
        });
      }
    }
  }
  if (Array.isArray(rules.approvals)) {
    const governance = isObject(raw.governance) ? raw.governance : undefined;
    const approvers = Array.isArray(governance?.approvers)
      ? (governance.approvers as unknown[])
      : [];
    rules.approvals.forEach((approver, index) => {
      if (typeof approver === "string" && !approvers.includes(approver)) {
        problems.push({
          path: ["rules", "approvals", index],
          accepted: governance
            ? `one of promotion:governance.approvers (${approvers.join(", ")}): required approvals are enforced by CODEOWNERS and the GitHub environment's reviewers`
            : "approvers of promotion:governance, which this stack does not set: required approvals are enforced by governance",
        });
      }
    });
  }
  const verification = raw.verification;
  if (isObject(verification) && verification.errorBudget !== undefined && !verification.slo) {
    problems.push({
      path: ["verification", "errorBudget"],
      accepted:
        "set together with promotion:verification.slo: the budget is what its availability target leaves",
    });
  }
  return problems;
}

type RulesInput = z.infer<typeof rulesSchema>;
type EvidenceInput = z.infer<typeof evidenceSchema>;

export function toPromotionRules(rules: RulesInput): PromotionRules {
  return {
    checks: rules.checks ?? [],
    coverage: rules.coverage,
    security: rules.security,
    slo: rules.slo && { ...rules.slo, windowSeconds: parseDuration(rules.slo.window) ?? 0 },
    errorBudget: rules.errorBudget,
    noCriticalAlerts: rules.noCriticalAlerts ?? false,
    canary: rules.canary && {
      ...rules.canary,
      durationSeconds: parseDuration(rules.canary.duration) ?? 0,
    },
    approvals: rules.approvals ?? [],
  };
}

export const DEFAULT_REPORTS = "evidence/{app}/{tag}";

export function toEvidenceSources(evidence: EvidenceInput | undefined): EvidenceSources {
  return {
    prometheus: evidence?.prometheus,
    reports: evidence?.reports ?? DEFAULT_REPORTS,
    queries: evidence?.queries ?? {},
  };
}

/** `promotion:verification` (docs/rules.md#verification): what `promote verify` waits for after an up. */
export const verificationSchema = strictObject(
  {
    /** How long the Applications may take to be Synced and Healthy on the new images. */
    timeout: duration.optional(),
    /** Health endpoints that must answer 2xx once the Applications are Healthy. */
    smoke: z
      .array(
        z
          .string({ error: "an http(s) URL of a health endpoint" })
          .regex(/^https?:\/\/\S+$/, "an http(s) URL of a health endpoint"),
        { error: "a list of http(s) URLs of health endpoints" },
      )
      .optional(),
    /** How long to watch this environment's SLO after that (0: not watched). */
    watch: z
      .union([z.literal(0), z.literal("0"), duration], { error: `${ACCEPTED_DURATION}` })
      .optional(),
    /** The SLO watched, on this environment's Prometheus (promotion:evidence.prometheus). */
    slo: strictObject(
      {
        availability: percent("minimum availability"),
        errorRate: percent("maximum error rate"),
        /** The window each measurement covers (default: the watch itself). */
        window: duration.optional(),
      },
      "the SLO watched",
    ).optional(),
    /** The most of the 30-day error budget (of slo.availability) consumed while watching. */
    errorBudget: percent("maximum error budget consumed").optional(),
    /** How an automatic rollback lands: a pull request, or a commit pushed straight to the branch. */
    rollback: z.enum(["pr", "push"], { error: "pr or push" }).optional(),
  },
  "the verification",
);

export function toVerification(
  input: z.infer<typeof verificationSchema> | undefined,
): Verification {
  return {
    timeout: input?.timeout ?? "10m",
    timeoutSeconds: parseDuration(input?.timeout ?? "10m") ?? 600,
    smoke: input?.smoke ?? [],
    watch: String(input?.watch ?? "0"),
    watchSeconds: parseDuration(input?.watch ?? 0) ?? 0,
    slo: input?.slo && {
      availability: input.slo.availability,
      errorRate: input.slo.errorRate,
      window: input.slo.window ?? String(input?.watch ?? "0"),
    },
    errorBudget: input?.errorBudget,
    rollback: input?.rollback ?? "pr",
  };
}
