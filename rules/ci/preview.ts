/**
 * What one stack's `pulumi preview --json` says, read for a pull request: which Argo CD
 * Applications change and how (their image tag, and the promotion record the program writes into
 * their `promotion.gitops/*` annotations), whether the program refused (the gate's or another
 * refusal, from the diagnostics), everything else that would change, warnings, policy results.
 * Pure: the engine's printed text in, a StackPreview out.
 */
import { isObject, type Loose } from "../values";
import { findRefusal, type FoundRefusal } from "./refusal";
import { NO_POLICIES, mandatory, policyReport, type PolicyReport } from "./policy";

/** The type token of the Argo CD Application custom resource in the Kubernetes provider. */
export const APPLICATION_TYPE = "kubernetes:argoproj.io/v1alpha1:Application";
const STACK_TYPE = "pulumi:pulumi:Stack";
/** The label naming the app, and the annotations of the promotion record (rules/record.ts). */
const APP_LABEL = "app.kubernetes.io/name";
const ENVIRONMENT_LABEL = "promotion.gitops/environment";
const RECORD_PREFIX = "promotion.gitops/";
const IMAGE_ANNOTATION = "promotion.gitops/image";

/** Operations that change nothing. */
const NO_CHANGE = new Set(["same", "read"]);
/** The halves of a replacement, shown once as its `replace` step. */
const REPLACEMENT_HALVES = new Set(["create-replacement", "delete-replaced"]);

export interface DigestStep {
  op: string;
  urn: string;
  type: string;
  name: string;
  oldInputs?: Loose;
  newInputs?: Loose;
  /** Property paths that differ (`spec.source.kustomize.images[0]`), when the engine said. */
  diffPaths: string[];
}

export interface Diagnostic {
  severity: string;
  /** Without the `error: ` / `warning: ` prefix the engine adds. */
  message: string;
}

/** The parts of the preview JSON (pulumi's PreviewDigest) this reads. */
export interface Digest {
  steps: DigestStep[];
  diagnostics: Diagnostic[];
  /** Per operation, how many resources (`same` included), as pulumi counts them. */
  changeSummary: Record<string, number>;
}

/** The last `::` part of a URN: the resource's name. */
export function urnName(urn: string): string {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts.slice(3).join("::") : urn;
}

/** The resource's type from its URN: the last `$` part of the third `::` part. */
function urnType(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? qualified;
}

function stateOf(value: unknown): { type?: string; inputs?: Loose } {
  if (!isObject(value)) return {};
  return {
    type: typeof value.type === "string" ? value.type : undefined,
    inputs: isObject(value.inputs) ? value.inputs : undefined,
  };
}

function parseStep(value: unknown): DigestStep | undefined {
  if (!isObject(value) || typeof value.op !== "string" || typeof value.urn !== "string")
    return undefined;
  const before = stateOf(value.oldState);
  const after = stateOf(value.newState);
  const detailed = isObject(value.detailedDiff) ? Object.keys(value.detailedDiff) : [];
  const reasons = Array.isArray(value.diffReasons)
    ? value.diffReasons.filter((r): r is string => typeof r === "string")
    : [];
  return {
    op: value.op,
    urn: value.urn,
    type: after.type ?? before.type ?? urnType(value.urn),
    name: urnName(value.urn),
    oldInputs: before.inputs,
    newInputs: after.inputs,
    diffPaths: detailed.length > 0 ? detailed.sort() : reasons.sort(),
  };
}

function parseDiagnostic(value: unknown): Diagnostic | undefined {
  if (!isObject(value) || typeof value.message !== "string") return undefined;
  const severity = typeof value.severity === "string" ? value.severity : "info";
  const prefix = `${severity}: `;
  const message = value.message.startsWith(prefix)
    ? value.message.slice(prefix.length)
    : value.message;
  return { severity, message: message.replace(/\s+$/, "") };
}

/** Reads what `pulumi preview --json` printed; says why when it is not a preview digest. */
export function parseDigest(stdout: string): Digest | { unreadable: string } {
  if (stdout.trim() === "") return { unreadable: "the engine printed nothing on stdout" };
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    return {
      unreadable: `the engine's output is not JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  if (!isObject(json)) return { unreadable: "the engine's JSON is not an object" };
  const steps = Array.isArray(json.steps) ? json.steps : [];
  const diagnostics = Array.isArray(json.diagnostics) ? json.diagnostics : [];
  const summary = isObject(json.changeSummary) ? json.changeSummary : {};
  return {
    steps: steps.map(parseStep).filter((s): s is DigestStep => s !== undefined),
    diagnostics: diagnostics.map(parseDiagnostic).filter((d): d is Diagnostic => d !== undefined),
    changeSummary: Object.fromEntries(
      Object.entries(summary).filter((e): e is [string, number] => typeof e[1] === "number"),
    ),
  };
}

/** How a tag got into the environment, as the program annotates the Application. */
export interface RecordAnnotations {
  kind?: string;
  from?: string;
  reason?: string;
  checks?: string;
}

export interface ApplicationChange {
  /** The app (`app.kubernetes.io/name`), e.g. dex. */
  app: string;
  /** The Application's name, e.g. dex-stage. */
  application: string;
  op: string;
  /**
   * The image tag before (update, delete) and after (create, update): the tag the stack file pins
   * (from the Application's `promotion.gitops/image` annotation), also when the Application deploys
   * by digest; `@sha256:...` only for an app whose stack file pins a digest instead of a tag.
   */
  before?: string;
  after?: string;
  /** The digest pinned next to the tag (`sha256:...`), as the Application deploys it. */
  beforeDigest?: string;
  afterDigest?: string;
  /** The environment the Application belongs to (its `promotion.gitops/environment` label). */
  environment?: string;
  /** The image repository it deploys. */
  image?: string;
  /** The promotion record the Application will carry, when it is new or changed. */
  record?: RecordAnnotations;
  /** Other changed fields of the Application (replicas, patches, sync policy...). */
  otherFields: string[];
}

export interface ResourceChange {
  op: string;
  type: string;
  name: string;
}

export type Outcome = "changes" | "no-changes" | "refused" | "failed";

export interface StackPreview {
  stack: string;
  outcome: Outcome;
  exitCode: number;
  applications: ApplicationChange[];
  /** Everything else that changes, besides the stack itself. */
  others: ResourceChange[];
  /** Per operation that changes something, how many resources (pulumi's own count). */
  counts: Record<string, number>;
  unchanged: number;
  refusal?: FoundRefusal;
  /** Errors other than a refusal: error diagnostics, or why the preview did not run. */
  errors: string[];
  warnings: string[];
  policies: PolicyReport;
}

/** What the engine run printed. */
export interface EngineRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The `--event-log` file's text, when there is one. */
  events?: string;
}

const at = (value: unknown, ...keys: Array<string | number>): unknown =>
  keys.reduce<unknown>((v, key) => {
    if (typeof key === "number") return Array.isArray(v) ? v[key] : undefined;
    return isObject(v) ? v[key] : undefined;
  }, value);

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** `repo:tag` or `repo@sha256:...` split into the repository and the tag (`@sha256:...` kept). */
export function splitImage(reference: string): { image: string; tag: string } | undefined {
  const digest = reference.indexOf("@");
  if (digest > 0) return { image: reference.slice(0, digest), tag: reference.slice(digest) };
  const colon = reference.lastIndexOf(":");
  if (colon <= reference.lastIndexOf("/")) return undefined;
  return { image: reference.slice(0, colon), tag: reference.slice(colon + 1) };
}

interface DeployedImage {
  image: string;
  tag: string;
  digest?: string;
}

/**
 * The image an Application deploys. The `promotion.gitops/image` annotation names the tag the stack
 * file pins (manifests/argocd.ts writes it without the digest); the kustomize override is what
 * Argo CD deploys, `image@sha256:...` once a digest is pinned. Both are read, so that pinning a
 * digest shows the tag and the digest rather than a tag turning into a digest.
 */
function imageOf(inputs: Loose | undefined): DeployedImage | undefined {
  const text = (value: unknown) => {
    const reference = str(value);
    return reference === undefined ? undefined : splitImage(reference);
  };
  const deployed = text(at(inputs, "spec", "source", "kustomize", "images", 0));
  const annotated = text(at(inputs, "metadata", "annotations", IMAGE_ANNOTATION));
  const named = annotated ?? deployed;
  if (named === undefined) return undefined;
  const digest =
    deployed?.tag.startsWith("@") && deployed.tag !== named.tag ? deployed.tag.slice(1) : undefined;
  return { image: named.image, tag: named.tag, ...(digest ? { digest } : {}) };
}

function recordOf(inputs: Loose | undefined): RecordAnnotations | undefined {
  const annotations = at(inputs, "metadata", "annotations");
  if (!isObject(annotations)) return undefined;
  const get = (key: string) => str(annotations[`${RECORD_PREFIX}${key}`]);
  const record: RecordAnnotations = {
    kind: get("kind"),
    from: get("from"),
    reason: get("reason"),
    checks: get("checks"),
  };
  return Object.values(record).some((v) => v !== undefined) ? record : undefined;
}

/** Changed fields other than the image and the promotion record, which are shown on their own. */
function otherFields(step: DigestStep): string[] {
  if (step.op !== "update" && step.op !== "replace") return [];
  return step.diffPaths.filter(
    (p) =>
      !p.startsWith("spec.source.kustomize.images") &&
      !p.startsWith(`metadata.annotations["${RECORD_PREFIX}`) &&
      !p.startsWith(`metadata.annotations.${RECORD_PREFIX}`),
  );
}

function applicationChange(step: DigestStep): ApplicationChange {
  const inputs = step.newInputs ?? step.oldInputs;
  const before = imageOf(step.oldInputs);
  const after = step.op === "delete" ? undefined : imageOf(step.newInputs);
  const oldRecord = recordOf(step.oldInputs);
  const newRecord = step.op === "delete" ? undefined : recordOf(step.newInputs);
  const recordChanged =
    newRecord !== undefined &&
    (step.op === "create" ||
      before?.tag !== after?.tag ||
      before?.digest !== after?.digest ||
      newRecord.kind !== oldRecord?.kind ||
      newRecord.from !== oldRecord?.from);
  const name = str(at(inputs, "metadata", "name")) ?? step.name;
  const environment = str(at(inputs, "metadata", "labels", ENVIRONMENT_LABEL));
  return {
    app: str(at(inputs, "metadata", "labels", APP_LABEL)) ?? name,
    application: name,
    op: step.op,
    before: step.op === "create" ? undefined : before?.tag,
    after: after?.tag,
    ...(step.op !== "create" && before?.digest ? { beforeDigest: before.digest } : {}),
    ...(after?.digest ? { afterDigest: after.digest } : {}),
    ...(environment ? { environment } : {}),
    image: (after ?? before)?.image,
    ...(recordChanged ? { record: newRecord } : {}),
    otherFields: otherFields(step),
  };
}

/** The steps that change something, a replacement once. */
function changingSteps(steps: readonly DigestStep[]): DigestStep[] {
  const replaced = new Set(steps.filter((s) => s.op === "replace").map((s) => s.urn));
  const seen = new Set<string>();
  const result: DigestStep[] = [];
  for (const step of steps) {
    if (NO_CHANGE.has(step.op) || step.type === STACK_TYPE) continue;
    if (REPLACEMENT_HALVES.has(step.op) && replaced.has(step.urn)) continue;
    const key = `${step.op}\u0000${step.urn}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(step);
  }
  return result;
}

/** The last lines of a command's error output that say something (not the toolchain's log). */
export function lastLines(text: string, count = 12): string[] {
  const lines = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "" && !/^\[toolchain [0-9:]+\]/.test(l));
  return lines.slice(-count);
}

/** Reads one stack's preview run into what the comment and the check say. */
export function analyzePreview(stack: string, run: EngineRun): StackPreview {
  const policies = run.events === undefined ? NO_POLICIES : policyReport(run.events);
  const digest = parseDigest(run.stdout);
  if ("unreadable" in digest) {
    // The engine did not run (stack.sh refused, the toolchain failed) or died without its JSON.
    const refusal = findRefusal(run.stderr);
    const stderr = lastLines(run.stderr);
    return {
      stack,
      outcome: refusal ? "refused" : "failed",
      exitCode: run.exitCode,
      applications: [],
      others: [],
      counts: {},
      unchanged: 0,
      refusal,
      errors: refusal
        ? []
        : stderr.length > 0
          ? [stderr.join("\n")]
          : [`exit code ${run.exitCode}: ${digest.unreadable}`],
      warnings: [],
      policies,
    };
  }
  const errors = digest.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
  const refusal = errors.map(findRefusal).find((r) => r !== undefined);
  const otherErrors = errors.filter((e) => !refusal || !e.includes(refusal.headline));
  const steps = changingSteps(digest.steps);
  const counts = Object.fromEntries(
    Object.entries(digest.changeSummary).filter(([op, n]) => !NO_CHANGE.has(op) && n > 0),
  );
  const failed = run.exitCode !== 0 || errors.length > 0 || mandatory(policies).length > 0;
  const outcome: Outcome = refusal
    ? "refused"
    : failed
      ? "failed"
      : Object.keys(counts).length > 0 || steps.length > 0
        ? "changes"
        : "no-changes";
  if (outcome === "failed" && otherErrors.length === 0 && mandatory(policies).length === 0) {
    const stderr = lastLines(run.stderr);
    otherErrors.push(
      stderr.length > 0 ? stderr.join("\n") : `the engine exited with code ${run.exitCode}`,
    );
  }
  return {
    stack,
    outcome,
    exitCode: run.exitCode,
    applications: steps.filter((s) => s.type === APPLICATION_TYPE).map(applicationChange),
    others: steps
      .filter((s) => s.type !== APPLICATION_TYPE)
      .map((s) => ({ op: s.op, type: s.type, name: s.name })),
    counts,
    unchanged: digest.changeSummary.same ?? 0,
    refusal,
    errors: otherErrors,
    warnings: digest.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message),
    policies,
  };
}

/** A preview that could not run at all (the command failed before the engine). */
export function previewNotRun(stack: string, why: string): StackPreview {
  return {
    stack,
    outcome: "failed",
    exitCode: 1,
    applications: [],
    others: [],
    counts: {},
    unchanged: 0,
    errors: [why],
    warnings: [],
    policies: NO_POLICIES,
  };
}
