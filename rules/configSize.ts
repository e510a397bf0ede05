/**
 * How big a stack's config is as the engine hands it to the program, against what Linux lets one
 * environment variable hold. The Node.js language host passes the whole config as JSON in one
 * variable, `PULUMI_CONFIG=<json>`; Linux refuses to start a process with a variable longer than
 * MAX_ARG_STRLEN (32 pages: 131072 bytes, its terminating NUL included), and the engine then
 * fails with `fork/exec .../node: argument list too long` before the program can say anything.
 * Pure: the caller reads the config map.
 */

/** The variable the language host writes the config into. */
export const ENGINE_CONFIG_VARIABLE = "PULUMI_CONFIG";
/** MAX_ARG_STRLEN less the NUL: the longest `PULUMI_CONFIG=<json>` a process can be given. */
export const ENGINE_CONFIG_LIMIT = 131072 - 1;
/** Above this share of the limit, a run warns that the stack is getting close. */
export const ENGINE_CONFIG_WARN_SHARE = 0.8;

/**
 * Bytes of `PULUMI_CONFIG=<json>` for a config map (`namespace:key` to its string), the way the
 * language host writes it: keys as `namespace:config:key`, Go's JSON encoding (which also escapes
 * <, > and & as \u003c... : 5 more bytes each).
 */
export function engineConfigBytes(config: Record<string, string>): number {
  const hostForm: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const colon = key.indexOf(":");
    hostForm[colon < 0 ? key : `${key.slice(0, colon)}:config:${key.slice(colon + 1)}`] = value;
  }
  const json = JSON.stringify(hostForm);
  const htmlEscapes = json.match(/[<>&\u2028\u2029]/g)?.length ?? 0;
  return (
    Buffer.byteLength(`${ENGINE_CONFIG_VARIABLE}=`) + Buffer.byteLength(json) + 5 * htmlEscapes
  );
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** What to do about a config that is too big (or nearly so). */
export const CONFIG_SIZE_ADVICE =
  "move what the apps share into promotion:appDefaults so each app names only what differs " +
  "(README: compact stack files), shorten long values, or split the apps over more stacks";

/**
 * Why the engine cannot start the program with this config (undefined when it fits): the size,
 * the limit and what to do.
 */
export function configTooBig(stack: string, bytes: number): string | undefined {
  if (bytes <= ENGINE_CONFIG_LIMIT) return undefined;
  return (
    `stack "${stack}": its config is ${bytes} bytes (${kb(bytes)}) as the engine passes it to the ` +
    `program (one environment variable, ${ENGINE_CONFIG_VARIABLE}), over Linux's limit of ` +
    `${ENGINE_CONFIG_LIMIT} bytes for one variable (MAX_ARG_STRLEN), so the engine would fail ` +
    `with "argument list too long"; ${CONFIG_SIZE_ADVICE}`
  );
}

/** A warning when the config is within reach of the limit (undefined otherwise). */
export function configNearLimit(stack: string, bytes: number): string | undefined {
  if (bytes > ENGINE_CONFIG_LIMIT || bytes <= ENGINE_CONFIG_LIMIT * ENGINE_CONFIG_WARN_SHARE) {
    return undefined;
  }
  const share = Math.round((bytes / ENGINE_CONFIG_LIMIT) * 100);
  return (
    `stack "${stack}": its config is ${bytes} bytes (${kb(bytes)}), ${share}% of the ` +
    `${ENGINE_CONFIG_LIMIT} bytes the engine can pass to the program (${ENGINE_CONFIG_VARIABLE}, ` +
    `MAX_ARG_STRLEN); past it the engine fails with "argument list too long": ${CONFIG_SIZE_ADVICE}`
  );
}
