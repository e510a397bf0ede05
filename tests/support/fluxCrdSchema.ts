/**
 * Validates objects against Flux's own CRD schemas (the served version of each kind), fetched at
 * pinned controller releases by scripts/flux-crds.sh; like crdSchema.ts for Argo CD, an unknown
 * field is an error (the API server would prune it: a setting that never takes effect).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ValidateFunction } from "ajv";
import { parse } from "yaml";
import { PROJECT_DIR } from "../../harness/program";
import { compileCrdSchema } from "./crdSchema";

/** Each Flux kind the program declares: its CRD file. */
export const FLUX_CRD_FILES: Record<string, string> = {
  GitRepository: "source.toolkit.fluxcd.io_gitrepositories.yaml",
  HelmRepository: "source.toolkit.fluxcd.io_helmrepositories.yaml",
  OCIRepository: "source.toolkit.fluxcd.io_ocirepositories.yaml",
  Kustomization: "kustomize.toolkit.fluxcd.io_kustomizations.yaml",
  HelmRelease: "helm.toolkit.fluxcd.io_helmreleases.yaml",
  Provider: "notification.toolkit.fluxcd.io_providers.yaml",
  Alert: "notification.toolkit.fluxcd.io_alerts.yaml",
};

let crdDir: string | undefined;
/** The directory holding Flux's CRD files (fetched once per user by scripts/flux-crds.sh). */
export function fluxCrdDirectory(): string {
  crdDir ??= execFileSync(path.join(PROJECT_DIR, "scripts", "flux-crds.sh"), { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  return crdDir;
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(kind: string, version: string): ValidateFunction | string {
  const key = `${kind}/${version}`;
  let validator = validators.get(key);
  if (!validator) {
    const crd = parse(fs.readFileSync(path.join(fluxCrdDirectory(), FLUX_CRD_FILES[kind]), "utf8"));
    const served = crd.spec.versions.find(
      (v: { name: string; served: boolean }) => v.name === version && v.served,
    );
    if (!served) {
      const names = crd.spec.versions
        .filter((v: { served: boolean }) => v.served)
        .map((v: { name: string }) => v.name);
      return `${kind} ${version} is not served by the CRD (served: ${names.join(", ")})`;
    }
    validator = compileCrdSchema(served.schema.openAPIV3Schema);
    validators.set(key, validator);
  }
  return validator;
}

/** Schema errors of a Flux object, as "path: message" lines; empty when it is valid. */
export function fluxCrdErrors(object: { apiVersion?: string; kind?: string }): string[] {
  const kind = String(object.kind);
  if (!(kind in FLUX_CRD_FILES)) return [`kind ${kind} is not a Flux kind this program declares`];
  const version = String(object.apiVersion).split("/")[1];
  const validate = validatorFor(kind, version);
  if (typeof validate === "string") return [validate];
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra =
      e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : "";
    return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
  });
}
