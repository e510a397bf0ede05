/**
 * The report formats CI tools write, read into the numbers promotion rules compare: line coverage
 * from Cobertura XML (`<coverage line-rate="0.853">`, what coverage.py, JaCoCo converters, Istanbul's
 * cobertura reporter write) or lcov (`LF:`/`LH:` per file, Istanbul's and gcov's lcov.info), and
 * findings by severity from Trivy's JSON (`Results[].Vulnerabilities[].Severity`). Pure: text in,
 * number or the reason it cannot be read out.
 */

export type Parsed<T> = { value: T } | { unreadable: string };

/** Line coverage in percent from a Cobertura report. */
export function coberturaCoverage(xml: string): Parsed<number> {
  const root = /<coverage\b([^>]*)>/.exec(xml);
  if (!root) return { unreadable: "no <coverage> element: not a Cobertura report" };
  const rate = /\bline-rate\s*=\s*"([^"]*)"/.exec(root[1]);
  if (!rate) return { unreadable: "<coverage> has no line-rate attribute" };
  const value = Number(rate[1]);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    return { unreadable: `line-rate "${rate[1]}" is not a fraction from 0 to 1` };
  }
  return { value: Math.round(value * 10000) / 100 };
}

/** Line coverage in percent from an lcov tracefile: lines hit over lines found, all files. */
export function lcovCoverage(text: string): Parsed<number> {
  let found = 0;
  let hit = 0;
  let records = 0;
  for (const line of text.split(/\r?\n/)) {
    const lf = /^LF:(\d+)$/.exec(line);
    const lh = /^LH:(\d+)$/.exec(line);
    if (lf) found += Number(lf[1]);
    if (lh) hit += Number(lh[1]);
    if (line === "end_of_record") records += 1;
  }
  if (records === 0) return { unreadable: "no end_of_record: not an lcov tracefile" };
  if (found === 0) return { unreadable: "the tracefile counts no lines (LF:0 everywhere)" };
  return { value: Math.round((hit / found) * 10000) / 100 };
}

export interface SeverityCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
}

/** Findings by severity from `trivy image --format json` (schema version 2). */
export function trivyFindings(json: string): Parsed<SeverityCounts> {
  let report: unknown;
  try {
    report = JSON.parse(json);
  } catch (error) {
    return { unreadable: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (report === null || typeof report !== "object" || !("SchemaVersion" in report)) {
    return { unreadable: "no SchemaVersion: not a Trivy JSON report" };
  }
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  const results = (report as { Results?: unknown }).Results;
  if (results !== undefined && !Array.isArray(results))
    return { unreadable: "Results is not a list" };
  for (const result of (results ?? []) as { Vulnerabilities?: { Severity?: unknown }[] }[]) {
    for (const vulnerability of result.Vulnerabilities ?? []) {
      const severity =
        typeof vulnerability.Severity === "string"
          ? vulnerability.Severity.toLowerCase()
          : "unknown";
      if (severity in counts) counts[severity as keyof SeverityCounts] += 1;
      else counts.unknown += 1;
    }
  }
  return { value: counts };
}
