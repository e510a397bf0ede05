/**
 * Drift: a declared object edited by hand in the cluster. The Kubernetes provider does not put a
 * hand edit back by itself (pulumi-kubernetes#2404: `up --refresh` sees it, the next apply does
 * not send it), so the program compares what it declares with what is live and, when they differ,
 * marks the object with an annotation whose new value makes the engine apply the whole object.
 */

/** Annotation on an Application put back after a hand edit: what differed, and when. */
export const DRIFT_ANNOTATION = "promotion.gitops/drift-corrected";

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Empty lists and maps, which the API server may leave out, equal an absent field. */
const isEmpty = (value: unknown): boolean =>
  value === undefined ||
  (Array.isArray(value) && value.length === 0) ||
  (isObject(value) && Object.keys(value).length === 0);

/**
 * The paths (`spec.source.kustomize.images`) at which `live` differs from what `desired` declares.
 * Fields `desired` does not set belong to the server and are ignored; a list that differs in any
 * item is reported as the list's path.
 */
export function driftedPaths(desired: unknown, live: unknown, at = ""): string[] {
  if (isObject(desired)) {
    if (!isObject(live)) return isEmpty(desired) && isEmpty(live) ? [] : [at];
    return Object.keys(desired)
      .sort()
      .flatMap((key) => driftedPaths(desired[key], live[key], at ? `${at}.${key}` : key));
  }
  if (isEmpty(desired) && isEmpty(live)) return [];
  if (Array.isArray(desired)) {
    // A list drifts as a whole; its items are compared like objects (key order and fields only
    // the server sets do not count).
    const same =
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((item, i) => driftedPaths(item, live[i], "item").length === 0);
    return same ? [] : [at];
  }
  return desired === live ? [] : [at];
}

/**
 * The drift annotation's value for this run: new (paths and time) when the live object drifted,
 * else the value it already carries, so that a run without drift changes nothing.
 */
export function driftAnnotationValue(
  paths: readonly string[],
  current: string | undefined,
  now: string,
): string | undefined {
  return paths.length > 0 ? `${paths.join(", ")} at ${now}` : current;
}
