/**
 * Reads an environment's live Argo CD Applications from its cluster through the Kubernetes
 * provider (a read, `CustomResource.get`, which changes nothing), when there is a cluster to read.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesTarget } from "../model/environment";
import { kubernetesProviderArgs } from "../manifests/kubernetesProvider";
import type { ApplicationManifest } from "../manifests/argocd";
import type { ApplicationStatus, UpstreamApplication } from "../rules/gate";

type ApplicationSpec = ApplicationManifest["spec"];

/** The value of an Output once known; undefined when a preview cannot know it. */
async function known<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  // `isKnown` is on every Output at run time, though not in its public type: without this check
  // an unknown value (possible in a preview) would never call the apply below.
  const isKnown = (output as unknown as { isKnown?: Promise<boolean> }).isKnown;
  if (isKnown !== undefined && !(await isKnown)) return undefined;
  return new Promise<T>((resolve) =>
    output.apply((value) => {
      resolve(value);
      return value;
    }),
  );
}

/** Reads Applications in one Argo CD namespace of one cluster. */
export class ApplicationReader {
  private readonly provider: k8s.Provider;

  /** `name` prefixes the provider and the reads, so they stay apart from declared resources. */
  constructor(
    private readonly name: string,
    target: Extract<KubernetesTarget, { mode: "cluster" }>,
    private readonly argocdNamespace: string,
  ) {
    // Declared on every run that may need it, so that a run without a promotion changes nothing.
    this.provider = new k8s.Provider(`${name}-kubernetes`, kubernetesProviderArgs(target));
  }

  /** The Application's live status, or why it cannot be known in this run. */
  async read(app: string, applicationName: string): Promise<UpstreamApplication> {
    // CustomResource.get declares only apiVersion and kind; naming `status` makes it an output.
    const application = new k8s.apiextensions.CustomResource(
      `${this.name}-${app}`,
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        spec: undefined,
        status: undefined,
      },
      { id: `${this.argocdNamespace}/${applicationName}`, provider: this.provider },
    );
    const read = application as unknown as {
      status: pulumi.Output<ApplicationStatus>;
      spec: pulumi.Output<ApplicationSpec | undefined>;
    };
    const [value, spec] = await Promise.all([known(read.status), known(read.spec)]);
    if (value === undefined && !(await known(application.id))) {
      return { readable: false, why: `${applicationName}'s status is unknown in this preview` };
    }
    const desired = spec?.source?.kustomize?.images?.filter(
      (i): i is string => typeof i === "string",
    );
    return {
      readable: true,
      name: applicationName,
      status: value ?? undefined,
      ...(desired ? { desiredImages: desired } : {}),
    };
  }
}
