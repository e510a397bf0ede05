/**
 * Policy results of a preview. `pulumi preview --json` (3.248) leaves policy events out of its JSON
 * ("we don't handle policy events in JSON serialization", pkg/backend/display/json.go), so they are
 * read from the engine's event log (`--event-log`, one JSON engine event per line: the stream the
 * Automation API reads too): `policyEvent` for each violation, `policyAnalyzeSummaryEvent` and
 * `policyAnalyzeStackSummaryEvent` for the policies that passed and failed, `policyLoadEvent` when a
 * pack loaded. No such event means no policy pack ran, which is what this project has until packs are
 * wired; the comment says so.
 */
import { isObject, strings } from "../values";

export interface PolicyViolation {
  pack: string;
  policy: string;
  /** `mandatory` fails the preview; `advisory` only warns; `remediate` changed the resource. */
  level: string;
  message: string;
  /** The resource's name (from its URN); undefined for a stack policy. */
  resource?: string;
}

export interface PolicyReport {
  /** Whether any policy pack ran. */
  ran: boolean;
  /** `name@version` of each pack that reported. */
  packs: string[];
  /** Policies that passed on every resource they checked, per pack. */
  passed: number;
  violations: PolicyViolation[];
}

export const NO_POLICIES: PolicyReport = { ran: false, packs: [], passed: 0, violations: [] };

/** Pulumi's colour directives (`<{%reset%}>`) and ANSI escapes, which the log keeps. */
const COLOURS = /<\{%[^%]*%\}>|\u001b\[[0-9;]*m/g;

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function resourceName(urn: string): string | undefined {
  if (!urn) return undefined;
  const parts = urn.split("::");
  return parts.length >= 4 ? parts.slice(3).join("::") : urn;
}

const packName = (event: Record<string, unknown>): string => {
  const name = text(event.policyPackName) || "(unnamed pack)";
  const version = text(event.policyPackVersionTag) || text(event.policyPackVersion);
  return version ? `${name}@${version}` : name;
};

/** The policy results in an event log's text (JSON lines); lines that are not events are skipped. */
export function policyReport(eventLog: string | undefined): PolicyReport {
  if (!eventLog) return NO_POLICIES;
  let ran = false;
  const packs = new Set<string>();
  const passed = new Map<string, Set<string>>();
  const failed = new Map<string, Set<string>>();
  const violations: PolicyViolation[] = [];
  const note = (into: Map<string, Set<string>>, pack: string, names: string[]) => {
    const set = into.get(pack) ?? new Set<string>();
    for (const name of names) set.add(name);
    into.set(pack, set);
  };
  for (const line of eventLog.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(event)) continue;
    if (isObject(event.policyLoadEvent)) ran = true;
    const violation = event.policyEvent;
    if (isObject(violation)) {
      ran = true;
      const pack = packName(violation);
      packs.add(pack);
      violations.push({
        pack,
        policy: text(violation.policyName),
        level: text(violation.enforcementLevel) || "advisory",
        message: text(violation.message).replace(COLOURS, "").trim(),
        resource: resourceName(text(violation.resourceUrn)),
      });
    }
    for (const key of ["policyAnalyzeSummaryEvent", "policyAnalyzeStackSummaryEvent"]) {
      const summary = event[key];
      if (!isObject(summary)) continue;
      ran = true;
      const pack = packName(summary);
      packs.add(pack);
      note(passed, pack, strings(summary.passed));
      note(failed, pack, strings(summary.failed));
    }
  }
  let passedCount = 0;
  for (const [pack, names] of passed) {
    const failures = failed.get(pack) ?? new Set<string>();
    passedCount += [...names].filter((name) => !failures.has(name)).length;
  }
  return { ran, packs: [...packs].sort(), passed: passedCount, violations };
}

/** Violations that fail the preview. */
export const mandatory = (report: PolicyReport): PolicyViolation[] =>
  report.violations.filter((v) => v.level === "mandatory");
