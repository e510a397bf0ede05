// Entry point: read and validate this stack's config, then declare its environment.
import { loadEnvironmentConfig } from "./config";
import { Environment } from "./components/environment";

const config = loadEnvironmentConfig();
const environment = new Environment(config.environment, { config });

export const environmentName = environment.environment;
export const upstream = config.upstream ?? "";
export const namespaces = environment.namespaces;
export const apps = environment.apps;
export const renderedTo = config.kubernetes.mode === "render" ? config.kubernetes.directory : "";
