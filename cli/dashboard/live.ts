/**
 * Each Application's live Argo CD state, read with the tolerant GET of adapters/kubeApi.ts from
 * the cluster an environment's stack file names (promotion:kubeconfig / kubeContext). Never
 * fails: an environment that renders manifests, a cluster that does not answer, a kubeconfig
 * that cannot be used or a missing Application is an answer saying why the state is unknown.
 */
import { kubeGet, type KubeGet } from "../../adapters/kubeApi";
import { applicationName } from "../../manifests/argocd";
import type { KubernetesTarget } from "../../model/environment";
import type { UpstreamApplication } from "../../rules/gate";
import type { StackState } from "../plan/state";
import { liveKey } from "./model";

type ClusterTarget = Extract<KubernetesTarget, { mode: "cluster" }>;

/** The GET used; adapters/kubeApi.ts's kubeGet unless a test gives another. */
export type KubeGetter = (target: ClusterTarget, apiPath: string) => Promise<KubeGet>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** `spec.source.kustomize.images`: what the Application's spec asks for now. */
function desiredImages(spec: unknown): string[] | undefined {
  const source = isObject(spec) && isObject(spec.source) ? spec.source : undefined;
  const kustomize = source && isObject(source.kustomize) ? source.kustomize : undefined;
  const images = kustomize?.images;
  return Array.isArray(images)
    ? images.filter((i): i is string => typeof i === "string")
    : undefined;
}

async function readOne(
  get: KubeGetter,
  target: ClusterTarget,
  namespace: string,
  name: string,
): Promise<UpstreamApplication> {
  const path = `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(namespace)}/applications/${encodeURIComponent(name)}`;
  let answer: KubeGet;
  try {
    answer = await get(target, path);
  } catch (error) {
    answer = { unreadable: error instanceof Error ? error.message : String(error) };
  }
  if ("unreadable" in answer) return { readable: false, why: answer.unreadable };
  if (!answer.found) {
    return { readable: false, why: `no Application ${name} in namespace ${namespace}` };
  }
  const status = answer.object.status;
  const desired = desiredImages(answer.object.spec);
  return {
    readable: true,
    name,
    ...(isObject(status) ? { status } : {}),
    ...(desired ? { desiredImages: desired } : {}),
  };
}

/** Per `<env>/<app>`, the live Application or why it is unknown; reads run side by side. */
export async function readLive(
  states: StackState[],
  get: KubeGetter = kubeGet,
): Promise<Map<string, UpstreamApplication>> {
  const reads: Array<Promise<[string, UpstreamApplication]>> = [];
  for (const { config } of states) {
    const target = config.kubernetes;
    for (const app of config.apps) {
      const key = liveKey(config.environment, app.name);
      if (target.mode === "render") {
        const why = `${config.environment} renders manifests (no promotion:kubeconfig or kubeContext), so there is no cluster to read`;
        reads.push(Promise.resolve([key, { readable: false, why }]));
        continue;
      }
      const name = applicationName(config, app);
      reads.push(readOne(get, target, config.argocdNamespace, name).then((live) => [key, live]));
    }
  }
  return new Map(await Promise.all(reads));
}
