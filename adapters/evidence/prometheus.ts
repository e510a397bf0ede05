/**
 * Prometheus's HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/): an instant
 * query (`GET /api/v1/query`) for one number, and the firing alerts (`GET /api/v1/alerts`). A query
 * that returns no sample, several series, or NaN is unavailable, with the query in the reason.
 */
import type { Measured } from "../../rules/evidence/evaluate";

const TIMEOUT_MS = 30_000;

async function getJson(
  url: string,
): Promise<{ ok: true; data: unknown } | { ok: false; why: string }> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { ok: false, why: `Prometheus did not answer (${cause})` };
  }
  const text = await response.text();
  let body: { status?: string; data?: unknown; error?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { ok: false, why: `Prometheus answered ${response.status} without JSON` };
  }
  if (body.status !== "success") {
    return {
      ok: false,
      why: `Prometheus answered ${response.status}: ${body.error ?? "no error given"}`,
    };
  }
  return { ok: true, data: body.data };
}

export async function queryNumber(base: string, query: string): Promise<Measured<number>> {
  const source = `Prometheus ${base}: ${query}`;
  const answer = await getJson(
    `${base.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`,
  );
  if (!answer.ok) return { unavailable: answer.why, source };
  const data = answer.data as { resultType?: string; result?: { value?: [number, string] }[] };
  if (data.resultType !== "vector" && data.resultType !== "scalar") {
    return {
      unavailable: `the query returned a ${String(data.resultType)}, not one number`,
      source,
    };
  }
  const samples =
    data.resultType === "scalar"
      ? [{ value: data.result as unknown as [number, string] }]
      : (data.result ?? []);
  if (samples.length !== 1) {
    return {
      unavailable:
        samples.length === 0
          ? "the query returned no sample (no traffic in the window?)"
          : `the query returned ${samples.length} series, not one`,
      source,
    };
  }
  const value = Number(samples[0].value?.[1]);
  if (!Number.isFinite(value))
    return { unavailable: `the query returned ${String(samples[0].value?.[1])}`, source };
  return { value, source };
}

/** Names of the firing alerts labelled severity="critical" that concern `namespace` (or all). */
export async function firingCriticalAlerts(
  base: string,
  namespace: string,
): Promise<Measured<string[]>> {
  const source = `Prometheus ${base}: firing critical alerts`;
  const answer = await getJson(`${base.replace(/\/+$/, "")}/api/v1/alerts`);
  if (!answer.ok) return { unavailable: answer.why, source };
  const alerts = ((answer.data as { alerts?: unknown[] }).alerts ?? []) as {
    labels?: Record<string, string>;
    state?: string;
  }[];
  const names = alerts
    .filter((a) => a.state === "firing" && a.labels?.severity === "critical")
    .filter((a) => a.labels?.namespace === undefined || a.labels.namespace === namespace)
    .map((a) => a.labels?.alertname ?? "(unnamed)");
  return { value: [...new Set(names)].sort(), source };
}
