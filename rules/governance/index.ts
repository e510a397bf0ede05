/** GitHub governance as pure rules: what each stack declares and which set-ups are refused. */
export * from "./stackGovernance";
export * from "./branchProtection";
export * from "./githubEnvironment";
export * from "./claims";
export * from "./problems";
export * from "./fromBelow";
export * from "./plan";
export * from "./access";
export * from "./summary";
