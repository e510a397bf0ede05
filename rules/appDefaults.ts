/**
 * `promotion:appDefaults`: the settings an environment's apps share, written once per stack file,
 * so that each app under `promotion:apps` names only what differs (at least its tag). Pure: it
 * expands raw values (before validation) and says where an expanded value came from, so a problem
 * is reported at the key the user wrote.
 *
 * Merging: an app's own key wins over the default; `source` and `env` merge key by key (an app may
 * set only `source.path`); every other key (`resources` included) is taken whole; an app's
 * `key: null` drops that default. In the defaults' strings, `{app}` stands for the app's name and `{environment}` for the environment's.
 */
import { isObject, type Loose } from "./values";

export const APP_PLACEHOLDERS = ["{app}", "{environment}"] as const;

/** Keys whose maps merge key by key; the others are replaced whole. */
const MERGED_KEYS = new Set(["source", "env"]);

function substitute(value: unknown, app: string, environment: string): unknown {
  if (typeof value === "string") {
    return value.split("{app}").join(app).split("{environment}").join(environment);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, app, environment));
  if (isObject(value)) {
    const result: Loose = {};
    for (const [key, v] of Object.entries(value)) result[key] = substitute(v, app, environment);
    return result;
  }
  return value;
}

/** The defaults as they apply to one app: placeholders replaced. */
export function defaultsFor(defaults: Loose, app: string, environment: string): Loose {
  return substitute(defaults, app, environment) as Loose;
}

/** One app's settings with the defaults under them; a value that is no map is left as it is. */
export function expandApp(app: unknown, defaults: Loose): unknown {
  if (!isObject(app)) return app;
  const result: Loose = { ...defaults, ...app };
  for (const key of MERGED_KEYS) {
    if (isObject(defaults[key]) && isObject(app[key])) {
      result[key] = { ...defaults[key], ...app[key] };
    }
  }
  // `key: null` in an app drops that default (an app without resources, say).
  for (const [key, value] of Object.entries(app)) {
    if (value === null && key in defaults) delete result[key];
  }
  return result;
}

/**
 * The raw config with every app expanded over `appDefaults` (unchanged without that key, or when
 * it or `apps` is not a map: validation reports those). `environment` fills `{environment}`.
 */
export function expandApps(raw: Loose): Loose {
  const defaults = raw.appDefaults;
  if (!isObject(defaults) || !isObject(raw.apps)) return raw;
  const environment = typeof raw.environment === "string" ? raw.environment : "";
  const apps: Loose = {};
  for (const [name, app] of Object.entries(raw.apps)) {
    apps[name] = expandApp(app, defaultsFor(defaults, name, environment));
  }
  return { ...raw, apps };
}

/**
 * Where the value at `path` of the expanded config was written: under `appDefaults` when the app
 * did not set it itself, else `path` as it is.
 */
export function writtenAt(raw: Loose, path: readonly PropertyKey[]): PropertyKey[] {
  if (path[0] !== "apps" || path.length < 3 || !isObject(raw.appDefaults)) return [...path];
  const app = isObject(raw.apps) ? raw.apps[String(path[1])] : undefined;
  if (!isObject(app)) return [...path];
  const key = String(path[2]);
  const own = app[key];
  const fromDefaults =
    own === undefined ||
    (MERGED_KEYS.has(key) && path.length > 3 && isObject(own) && !(String(path[3]) in own));
  return fromDefaults && key in raw.appDefaults ? ["appDefaults", ...path.slice(2)] : [...path];
}
