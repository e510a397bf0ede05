/**
 * The reports CI publishes for an image (docs/rules.md): under `promotion:evidence.reports` with
 * {app} and {tag} filled in, a folder of the repository or an http(s) URL, holding `coverage.xml`
 * (Cobertura) or `lcov.info`, and `trivy.json`. Missing or unreadable reports are unavailable,
 * naming the file and why.
 */
import * as fs from "fs";
import * as path from "path";
import type { Measured } from "../../rules/evidence/evaluate";
import {
  coberturaCoverage,
  lcovCoverage,
  trivyFindings,
  type Parsed,
  type SeverityCounts,
} from "../../rules/evidence/reports";

async function readReport(
  location: string,
  file: string,
  projectDir: string,
): Promise<{ text: string; where: string } | { missing: string; where: string }> {
  if (/^https?:\/\//.test(location)) {
    const where = `${location.replace(/\/+$/, "")}/${file}`;
    try {
      const response = await fetch(where, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) return { missing: `answered ${response.status}`, where };
      return { text: await response.text(), where };
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error
          ? error.cause.message
          : String(error);
      return { missing: `did not answer (${cause})`, where };
    }
  }
  const where = path.join(location, file);
  const full = path.resolve(projectDir, where);
  if (!fs.existsSync(full)) return { missing: "does not exist", where };
  return { text: fs.readFileSync(full, "utf8"), where };
}

function measured<T>(parsed: Parsed<T>, where: string): Measured<T> {
  return "value" in parsed
    ? { value: parsed.value, source: where }
    : { unavailable: parsed.unreadable, source: where };
}

export function reportLocation(template: string, app: string, tag: string): string {
  return template.replace(/\{app\}/g, app).replace(/\{tag\}/g, tag);
}

export async function readCoverage(
  location: string,
  projectDir: string,
): Promise<Measured<number>> {
  const cobertura = await readReport(location, "coverage.xml", projectDir);
  if ("text" in cobertura) return measured(coberturaCoverage(cobertura.text), cobertura.where);
  const lcov = await readReport(location, "lcov.info", projectDir);
  if ("text" in lcov) return measured(lcovCoverage(lcov.text), lcov.where);
  return {
    unavailable: `no coverage report: ${cobertura.where} ${cobertura.missing}, ${lcov.where} ${lcov.missing}`,
    source: location,
  };
}

export async function readFindings(
  location: string,
  projectDir: string,
): Promise<Measured<SeverityCounts>> {
  const trivy = await readReport(location, "trivy.json", projectDir);
  if ("text" in trivy) return measured(trivyFindings(trivy.text), trivy.where);
  return { unavailable: `no scan report: ${trivy.where} ${trivy.missing}`, source: location };
}
