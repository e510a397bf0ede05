// ESLint flat config: typescript-eslint's type-aware rules plus Pulumi's Output rules.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

// The layers, lowest first (README "Architecture"): each folder may import only from the folders
// listed for it, so dependencies run one way and a new capability lands in an obvious place.
const LAYERS = {
  model: [],
  rules: ["model"],
  manifests: ["model", "rules"],
  config: ["model", "rules"],
  adapters: ["model", "rules", "manifests"],
  preflight: ["model", "rules", "manifests", "config", "adapters"],
  components: ["model", "rules", "manifests"],
  // adapters/: the dashboard's live Argo CD read (cli/dashboard/live.ts uses kubeApi.ts), the OCI
  // registry client (adapters/registry.ts) that promote and discover ask, the evidence sources.
  cli: ["model", "rules", "manifests", "config", "adapters"],
  // Beside cli/: the logic CI workflows call (npm run ci); it may use every layer below, and
  // nothing imports it.
  ci: ["model", "rules", "manifests", "config", "adapters", "preflight", "components"],
  // The CrossGuard policy pack (docs/policy.md) reuses the pure rules, nothing of the program.
  policy: ["model", "rules"],
};
const FOLDERS = [...Object.keys(LAYERS), "tests", "bench", "harness", "index"];
const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => {
  const forbidden = FOLDERS.filter((f) => f !== folder && !allowed.includes(f));
  return {
    files: [`${folder}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: forbidden.flatMap((f) => [
                `../${f}`,
                `../${f}/**`,
                `../../${f}`,
                `../../${f}/**`,
              ]),
              message: `${folder}/ may import only from ${allowed.join(", ") || "nothing of ours"} (eslint.config.mjs LAYERS).`,
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "rendered/**",
      "site/**",
      ".scratch/**",
      ".pulumi-state/**",
      ".build/**",
      "toolchain/**",
      "**/*.js",
      "**/*.mjs",
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { pulumi },
    rules: {
      "pulumi/no-output-in-template-literal": "error",
      "pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  {
    files: ["tests/**/*.ts", "bench/**/*.ts", "harness/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  ...layerRules,
  {
    // The pack's tests run the real program (harness/) on the frozen fixtures (tests/fixtures).
    files: ["policy/tests/**/*.ts"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // bench measures the program; it does not borrow the tests' helpers.
    files: ["bench/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["../tests", "../tests/**"], message: "bench/ may not import from tests/." },
          ],
        },
      ],
    },
  },
);
