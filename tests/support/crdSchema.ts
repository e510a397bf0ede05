/**
 * Validates objects against Argo CD's own CRD schemas (openAPIV3Schema of v1alpha1), fetched at a
 * pinned release by scripts/argocd-crds.sh. Unlike Kubernetes, which silently prunes fields its
 * schema does not know, this treats an unknown field as an error: a pruned field is a setting
 * that never takes effect.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { PROJECT_DIR } from "../../harness/program";

type Schema = Record<string, unknown>;

/** Rewrites Kubernetes schema extensions into plain JSON Schema, closing every object. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const schema: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (!key.startsWith("x-kubernetes-")) schema[key] = toJsonSchema(value);
  }
  const source = node as Schema;
  if (source["x-kubernetes-int-or-string"] === true) {
    delete schema.type;
    schema.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  const preservesUnknown = source["x-kubernetes-preserve-unknown-fields"] === true;
  if (schema.properties && !preservesUnknown && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  return schema;
}

let crdDir: string | undefined;
function crdDirectory(): string {
  crdDir ??= execFileSync(path.join(PROJECT_DIR, "scripts", "argocd-crds.sh"), { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  return crdDir;
}

/**
 * A CRD version's openAPIV3Schema as a validator. metadata is typed by Kubernetes itself, not the
 * CRD (the models' validate() covers it), so it is only required to be an object.
 */
export function compileCrdSchema(openAPIV3Schema: unknown): ValidateFunction {
  const schema = toJsonSchema(openAPIV3Schema) as Schema;
  (schema.properties as Schema).metadata = { type: "object" };
  return new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false }).compile(
    schema,
  );
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(kind: "Application" | "AppProject"): ValidateFunction {
  let validator = validators.get(kind);
  if (!validator) {
    const file = kind === "Application" ? "application-crd.yaml" : "appproject-crd.yaml";
    const crd = parse(fs.readFileSync(path.join(crdDirectory(), file), "utf8"));
    const version = crd.spec.versions.find((v: { name: string }) => v.name === "v1alpha1");
    validator = compileCrdSchema(version.schema.openAPIV3Schema);
    validators.set(kind, validator);
  }
  return validator;
}

/** Schema errors of an Argo CD object, as "path: message" lines; empty when it is valid. */
export function argoCrdErrors(object: { kind?: string }): string[] {
  if (object.kind !== "Application" && object.kind !== "AppProject") {
    return [`kind ${String(object.kind)} is not an Argo CD Application or AppProject`];
  }
  const validate = validatorFor(object.kind);
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra =
      e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : "";
    return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
  });
}
