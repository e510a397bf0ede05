/**
 * Validates JSON against the schemas of Pulumi Cloud's published OpenAPI spec (the Deployments
 * part, tests/fixtures/pulumi-cloud-api/deployments.openapi.json), for the tests of our requests
 * and for the loopback stand-in, which answers 400 to what the spec does not allow.
 *
 * Two readings of the spec, both stricter or more exact than a plain OpenAPI validator:
 * - objects refuse keys the spec does not name (the spec leaves additionalProperties open, and the
 *   service ignores unknown keys, so a misspelled field would otherwise pass silently);
 * - a SecretValue is also a plain string: that is how the service's Go type (apitype.SecretValue)
 *   marshals a value that is not secret, e.g. `"AWS_REGION": "us-west-2"`.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";

export const OPENAPI_FILE = path.resolve(
  __dirname,
  "..",
  "tests",
  "fixtures",
  "pulumi-cloud-api",
  "deployments.openapi.json",
);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** allOf of object schemas as one object schema (so unknown keys can be refused). */
function flattenAllOf(schema: Json, schemas: Json): Json {
  if (!Array.isArray(schema.allOf)) return schema;
  const properties: Json = {};
  const required: string[] = [];
  for (const part of schema.allOf as Json[]) {
    const resolved =
      typeof part.$ref === "string"
        ? (schemas[part.$ref.split("/").pop() as string] as Json)
        : part;
    const flat = flattenAllOf(resolved, schemas);
    Object.assign(properties, flat.properties ?? {});
    required.push(...((flat.required as string[] | undefined) ?? []));
  }
  return { type: "object", properties, ...(required.length ? { required } : {}) };
}

function strictCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strictCopy);
  if (!isObject(value)) return value;
  const copy: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith("x-")) continue; // vendor extensions: documentation only
    copy[key] = strictCopy(v);
  }
  if (isObject(copy.properties) && copy.additionalProperties === undefined) {
    copy.additionalProperties = false;
  }
  return copy;
}

let compiled: Ajv | undefined;

function ajv(): Ajv {
  if (compiled) return compiled;
  const spec = JSON.parse(fs.readFileSync(OPENAPI_FILE, "utf8")) as {
    components: { schemas: Json };
  };
  const source = spec.components.schemas;
  const schemas: Json = {};
  for (const [name, schema] of Object.entries(source)) {
    schemas[name] = strictCopy(flattenAllOf(schema as Json, source));
  }
  schemas.SecretValue = { anyOf: [{ type: "string" }, schemas.SecretValue] };
  compiled = new Ajv({ allErrors: true, strict: false });
  compiled.addFormat("byte", true);
  compiled.addFormat("int64", true);
  compiled.addFormat("date-time", true);
  compiled.addSchema({ $id: "pulumi-cloud", components: { schemas } });
  return compiled;
}

function validator(name: string): ValidateFunction {
  const found = ajv().getSchema(`pulumi-cloud#/components/schemas/${name}`);
  if (!found) throw new Error(`${name} is not a schema of ${OPENAPI_FILE}`);
  return found;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath || "(the body)";
    const extra =
      isObject(e.params) && "additionalProperty" in e.params
        ? ` (${String(e.params.additionalProperty)})`
        : "";
    return `${where} ${e.message ?? "is invalid"}${extra}`;
  });
}

/** What is wrong with `value` as the named schema of the spec; empty when it is valid. */
export function schemaProblems(name: string, value: unknown): string[] {
  const validate = validator(name);
  return validate(value) ? [] : describe(validate.errors);
}
