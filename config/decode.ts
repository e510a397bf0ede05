import { CONFIG_NAMESPACE } from "./validate";

/**
 * The engine hands every config value over as a string; structured values (maps and lists in the
 * stack file) arrive as JSON. Scalars stay strings so that `promotion:upstream: "1"` is not
 * silently read as a number. Keys of other namespaces are not the program's settings and are left
 * out here; config/namespaces.ts refuses the ones nothing reads (`promotoin:apps`), so that none is
 * dropped without a word.
 */
export function decodeConfigValues(all: Record<string, string>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    const trimmed = text.trimStart();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        raw[key] = JSON.parse(text);
        continue;
      } catch {
        // not JSON after all: keep the text, and let validation say what the key accepts
      }
    }
    raw[key] = text;
  }
  return raw;
}
