/**
 * Reads an upstream environment's Flux Kustomization or HelmRelease from its cluster with a plain
 * GET (adapters/kubeApi.ts): read-only, nothing added to the stack's state, and a missing object is
 * an answer the gate refuses with, rather than a failed run.
 */
import type { KubernetesTarget } from "../model/environment";
import type { FluxObject, UpstreamFluxObject } from "../rules/fluxHealth";
import { kubeGet } from "./kubeApi";

const PATHS = {
  Kustomization: "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/%s/kustomizations/%s",
  HelmRelease: "/apis/helm.toolkit.fluxcd.io/v2/namespaces/%s/helmreleases/%s",
} as const;

export class FluxObjectReader {
  constructor(
    private readonly target: Extract<KubernetesTarget, { mode: "cluster" }>,
    private readonly namespace: string,
  ) {}

  async read(kind: keyof typeof PATHS, name: string): Promise<UpstreamFluxObject> {
    const apiPath = PATHS[kind]
      .replace("%s", encodeURIComponent(this.namespace))
      .replace("%s", encodeURIComponent(name));
    const answer = await kubeGet(this.target, apiPath);
    if ("unreadable" in answer) return { readable: false, why: answer.unreadable };
    return {
      readable: true,
      kind,
      name,
      ...(answer.found ? { object: answer.object as FluxObject } : {}),
    };
  }
}
