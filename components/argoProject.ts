import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildAppProject, type ProjectEnvironment } from "../manifests/argocd";

export interface ArgoProjectArgs {
  /** The environment the AppProject confines. */
  env: ProjectEnvironment;
}

/**
 * The Argo CD AppProject that confines an environment: its repositories, its own namespaces on
 * its own cluster, no cluster-scoped kinds unless listed, who may sync, and when.
 */
export class ArgoProject extends pulumi.ComponentResource {
  public readonly projectName: pulumi.Output<string>;

  constructor(name: string, args: ArgoProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:index:ArgoProject", name, {}, opts);
    const manifest = buildAppProject(args.env);
    const project = new k8s.apiextensions.CustomResource(name, manifest, { parent: this });
    this.projectName = project.metadata.name;
    this.registerOutputs({ projectName: this.projectName });
  }
}
