/**
 * No credential in plain text in the stack's configuration: a stack file is reviewed, committed
 * and copied around, so a token belongs in it only encrypted (`pulumi config set --secret`).
 *
 * A stack policy, because the configuration belongs to no resource: it runs once per preview and
 * update, on the config the engine sends the pack (stackConfig.ts), secret values excluded.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { STACK_FILE_VARIABLE, type StackConfig } from "./stackConfig";
import { NO_STACK_CONFIG, formatViolation, type Violation } from "./violation";
import { decodeConfigValue } from "../rules/redact";

/** Credentials recognisable by their shape, wherever they sit in a value. */
const CREDENTIAL_SHAPES: Array<{ what: string; pattern: RegExp }> = [
  {
    what: "a GitHub token",
    pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/,
  },
  { what: "a GitLab token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { what: "an AWS access key ID", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "a Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/ },
  { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  {
    what: "a kubeconfig credential",
    pattern: /\b(client-key-data|client-certificate-data|token):\s*\S{16,}/,
  },
  {
    // `https://deploy:hunter2@git.example.com/...`: a password in a URL's userinfo. A user alone
    // (`ssh://git@github.com/...`) is not a credential.
    what: "a password in a URL",
    pattern: /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:]*:[^\s/?#@]+@/,
  },
  {
    what: "a JSON web token",
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  },
];

/** Words a credential's name ends with: `github:token`, `DB_PASSWORD`, `clientSecret`, `apiKey`. */
const CREDENTIAL_LAST_WORDS = new Set([
  "token",
  "password",
  "passwd",
  "secret",
  "credential",
  "credentials",
  "apikey",
]);
const CREDENTIAL_LAST_TWO_WORDS = new Set(["api key", "private key", "secret key", "access token"]);

/**
 * Keys whose value is the NAME of a Kubernetes Secret the cluster holds, not a secret: the program
 * refers to it (`secretRef`) and accepts only a DNS label there (config/engine.ts), so its name
 * ending in "Secret" says nothing. A credential's shape in it is still refused.
 */
const SECRET_NAME_PATHS = new Set(["promotion:flux.slackSecret"]);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Whether a key's name says its value is a credential (camelCase, snake_case or kebab-case). */
export function isCredentialName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
  const last = words[words.length - 1] ?? "";
  return (
    CREDENTIAL_LAST_WORDS.has(last) ||
    CREDENTIAL_LAST_TWO_WORDS.has(words.slice(-2).join(" ")) ||
    words[0] === "secret"
  );
}

interface Finding {
  /** Full path: the config key, then object keys and list indexes inside its value. */
  path: string;
  what: string;
}

/**
 * Every credential among a value's leaves; `secure(path)` says a leaf the stack file holds as a
 * `secure:` value, which is skipped (with all below it): it is encrypted in the file.
 */
function scan(
  path: string,
  name: string,
  value: unknown,
  found: Finding[],
  secure: (path: string) => boolean,
): void {
  if (secure(path)) return;
  if (typeof value === "string") {
    const shape = CREDENTIAL_SHAPES.find((s) => s.pattern.test(value));
    if (shape) found.push({ path, what: `it holds ${shape.what}` });
    else if (SECRET_NAME_PATHS.has(path) && DNS_LABEL.test(value)) return;
    else if (isCredentialName(name) && value.trim() !== "") {
      found.push({ path, what: `its name says it is a credential` });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => scan(`${path}[${i}]`, name, item, found, secure));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      scan(`${path}.${key}`, key, item, found, secure);
    }
  }
}

export function plaintextSecretViolations(config: StackConfig): Violation[] {
  const object = `stack ${JSON.stringify(config.stack ?? "(unknown)")}`;
  const violations: Violation[] = [];
  for (const key of Object.keys(config.values).sort()) {
    const value = decodeConfigValue(config.values[key]);
    let secure: (path: string) => boolean = () => false;
    if (config.secretKeys.has(key)) {
      // A key set whole with --secret has nothing in plain text. A key with one secure leaf
      // (`--secret --path`) arrives decrypted whole: its other leaves are plain text in the stack
      // file, and only the file says which leaves are which.
      const paths = [...(config.securePaths ?? [])].filter(
        (p) => p === key || p.startsWith(`${key}.`) || p.startsWith(`${key}[`),
      );
      if (paths.includes(key) || (typeof value === "string" && !config.securePaths)) continue;
      if (paths.length === 0) {
        violations.push({
          object,
          field: key,
          value: "(secret, not shown)",
          reason:
            "it holds secret values beside others, and which of its values are plain text in the " +
            `stack file cannot be told: the pack did not get the stack file (${STACK_FILE_VARIABLE})`,
          accepted: `a run through npm run stack, or ${STACK_FILE_VARIABLE} set to the stack file the engine reads`,
        });
        continue;
      }
      const under = new Set(paths);
      secure = (path) => under.has(path);
    }
    const found: Finding[] = [];
    scan(key, key.slice(key.indexOf(":") + 1), value, found, secure);
    for (const f of found) {
      violations.push({
        object,
        field: f.path,
        // Never the value itself: the message ends up in logs.
        value: "(plain text, not shown)",
        reason: `${f.what}, and it is stored in plain text in the stack file`,
        accepted:
          f.path === key
            ? `the value set as a secret: pulumi config set --secret ${key} ...` +
              (key === "github:token" ? " (or the GITHUB_TOKEN environment variable)" : "")
            : `the value set as a secret: pulumi config set --secret --path '${f.path}' ...`,
      });
    }
  }
  return violations;
}

export function secretPolicies(config: StackConfig | undefined): StackValidationPolicy[] {
  return [
    {
      name: "no-plaintext-secrets-in-config",
      description:
        "No stack config value that looks like a credential (by its shape or its name) is stored " +
        "in plain text; secrets are set with pulumi config set --secret.",
      enforcementLevel: "mandatory",
      validateStack: (_args, reportViolation) => {
        if (!config) {
          reportViolation(
            formatViolation({
              object: "stack",
              field: "config",
              value: undefined,
              reason: NO_STACK_CONFIG,
              accepted: "a run with the stack's configuration",
            }),
          );
          return;
        }
        for (const v of plaintextSecretViolations(config)) reportViolation(formatViolation(v));
      },
    },
  ];
}
