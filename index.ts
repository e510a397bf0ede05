// Entry point: read and validate this stack's config, check every pinned tag against the promotion
// gate, then declare its environment. The main function is async so that the gate, which reads
// other stacks' outputs, can refuse before any resource is declared; its result is the outputs.
import { loadEnvironmentConfig, projectDirectory } from "./config";
import { loadGovernance } from "./config/governanceStacks";
import { Environment } from "./components/environment";
import { Governance } from "./components/governance";
import { checkPromotions } from "./components/lineage";

export = async () => {
  const config = loadEnvironmentConfig();
  // Reads the sibling stack files and refuses, before anything is declared, a set-up where two
  // stacks would declare the same GitHub object; decides how this run may reach GitHub.
  const githubGovernance = await loadGovernance(config, projectDirectory());
  // The promotion gate (docs/promotion.md): refuses, before anything is declared, a tag the
  // upstream does not run; returns the promotion records to export and annotate.
  const lineage = await checkPromotions(config);
  const environment = new Environment(config.environment, {
    config,
    appAnnotations: lineage.annotations,
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
