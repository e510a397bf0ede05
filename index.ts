// Entry point: read and validate this stack's config, run the checks that must pass before
// anything is declared (across stack files, GitHub access, the promotion gate), then declare the
// environment. The main function is async so that the checks, which read other stacks' outputs,
// can refuse before any resource exists; its result is the stack's outputs.
import { StackOutputs } from "./adapters/stackOutputs";
import { githubToken, loadEnvironmentConfig } from "./config";
import { loadFluxDependencies } from "./config/engineUpstream";
import { preflightAcrossStacks } from "./preflight/crossStack";
import { decideGitHubAccess } from "./preflight/governance";
import { driftAnnotations } from "./preflight/drift";
import { checkPromotions } from "./preflight/lineage";
import { Environment } from "./components/environment";
import { Governance } from "./components/governance";

export = async () => {
  const config = loadEnvironmentConfig();
  // Two stacks may not claim one namespace on a cluster nor one GitHub object; returns what this
  // stack declares on GitHub.
  const governancePlan = preflightAcrossStacks(config);
  // This stack's previous outputs: what it runs and its records, whether it managed GitHub.
  const own = new StackOutputs(config.stack);
  const githubGovernance = governancePlan
    ? await decideGitHubAccess(config.stack, governancePlan, githubToken(), own)
    : undefined;
  // The promotion gate (docs/promotion.md): refuses, before anything is declared, a tag the
  // upstream does not run; returns the promotion records to export and annotate.
  const lineage = await checkPromotions(config, own);
  // Cluster mode: an Application edited by hand is marked so that this run puts it back.
  const drift = await driftAnnotations(config, own, lineage.annotations);
  const environment = new Environment(config.environment, {
    config,
    appAnnotations: Object.fromEntries(
      config.apps.map((app) => [
        app.name,
        { ...lineage.annotations[app.name], ...drift[app.name] },
      ]),
    ),
    fluxDependsOn: loadFluxDependencies(config),
  });
  const governanceComponent = githubGovernance
    ? new Governance(`${config.environment}-governance`, githubGovernance)
    : undefined;

  return {
    environmentName: environment.environment,
    upstream: config.upstream ?? "",
    namespaces: environment.namespaces,
    apps: environment.apps,
    renderedTo: config.kubernetes.mode === "render" ? config.kubernetes.directory : "",
    /** Per app, how its tags got here, newest first (docs/promotion.md). */
    promotionRecords: lineage.records,
    /** GitHub governance of this environment (docs/governance.md); absent without the key. */
    ...(governanceComponent ? { governance: governanceComponent.summary } : {}),
  };
};
