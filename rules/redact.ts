/**
 * Secret config values never appear in a refusal. The engine hands the program every `secure:`
 * value of the stack file decrypted, and a refusal quotes the value it refuses (rules/verdict.ts
 * formatRefusal), so a refused secret would be printed in the preview's log and the pull request's
 * comment. Redacting the text at the end catches every place a value is quoted (the value, the
 * reason, what is accepted) whoever wrote the message. Pure: values in, text out.
 */

/** What a secret value is shown as (the CLI shows a `secure:` value it cannot decrypt alike). */
export const SECRET_SHOWN = "[secret]";

/**
 * Secrets shorter than this are not searched for: replacing every "1" or "on" in a message would
 * make it unreadable, and a value that short is no credential worth hiding.
 */
export const MIN_SECRET_LENGTH = 4;

/** A structured config value arrives as JSON text; anything else is a plain string. */
export function decodeConfigValue(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

function leaves(at: string, value: unknown, into: Map<string, string>): void {
  if (typeof value === "string") into.set(at, value);
  else if (typeof value === "number" || typeof value === "boolean") into.set(at, String(value));
  else if (Array.isArray(value)) value.forEach((item, i) => leaves(`${at}[${i}]`, item, into));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) leaves(`${at}.${key}`, item, into);
  }
}

/**
 * The secret texts of a config map as the engine hands it over: for each secret key, the whole
 * value when it is secure whole, else the leaves at the stack file's `secure:` paths
 * (`promotion:apps.dex.env.API_TOKEN`). Without those paths (undefined), every leaf of a secret
 * key counts: the engine names only the key, and hiding too much is the safe side.
 */
export function secretValues(
  values: Readonly<Record<string, string>>,
  secretKeys: Iterable<string>,
  securePaths?: ReadonlySet<string>,
): string[] {
  const found = new Set<string>();
  for (const key of secretKeys) {
    const text = values[key];
    if (text === undefined) continue;
    const all = new Map<string, string>();
    leaves(key, decodeConfigValue(text), all);
    const inside = [...(securePaths ?? [])].filter(
      (p) => p.startsWith(`${key}.`) || p.startsWith(`${key}[`),
    );
    if (securePaths?.has(key) || inside.length === 0) {
      // Secure whole, or no telling which leaves are: all of it.
      found.add(text);
      for (const leaf of all.values()) found.add(leaf);
      continue;
    }
    for (const path of inside) {
      for (const [at, leaf] of all) {
        if (at === path || at.startsWith(`${path}.`) || at.startsWith(`${path}[`)) found.add(leaf);
      }
    }
  }
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** The forms a text takes in a message: as is, and inside JSON quotes (formatRefusal's). */
function forms(secret: string): string[] {
  const quoted = JSON.stringify(secret).slice(1, -1);
  return quoted === secret ? [secret] : [secret, quoted];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `text` with every secret replaced by [secret], also inside JSON quotes, and also where a long
 * value was cut (formatRefusal shows 77 characters and `...`): the start of a secret before the
 * `...` is replaced too, down to MIN_SECRET_LENGTH characters.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a secret that contains another is replaced whole.
  const all = [...new Set(secrets.flatMap(forms))]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of all) out = out.split(secret).join(SECRET_SHOWN);
  for (const secret of all) {
    for (let cut = secret.length - 1; cut >= MIN_SECRET_LENGTH; cut--) {
      const start = new RegExp(`${escapeRegExp(secret.slice(0, cut))}\\.\\.\\.`, "g");
      out = out.replace(start, `${SECRET_SHOWN}...`);
    }
  }
  return out;
}

/**
 * The paths of the `secure:` values of a stack file's `config:` map (parsed YAML), keys qualified
 * with the project's name as the engine qualifies them: `promotion:apps.dex.env.API_TOKEN`.
 */
export function securePathsOfConfig(config: unknown, project?: string): Set<string> {
  const paths = new Set<string>();
  if (config === null || typeof config !== "object" || Array.isArray(config)) return paths;
  const walk = (at: string, value: unknown): void => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(`${at}[${i}]`, item));
    else if (value !== null && typeof value === "object") {
      const entries = Object.entries(value);
      if (entries.length === 1 && entries[0][0] === "secure") paths.add(at);
      else for (const [key, item] of entries) walk(`${at}.${key}`, item);
    }
  };
  for (const [key, value] of Object.entries(config)) {
    walk(key.includes(":") || !project ? key : `${project}:${key}`, value);
  }
  return paths;
}
