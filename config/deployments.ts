/**
 * `promotion:deployments`: how Pulumi Deployments runs this stack, for teams on Pulumi Cloud
 * (docs/deployments.md). Only what differs per team is configured; the rest (the source repository
 * and branch from `promotion:governance`, the path filters from what affects the stack) is derived
 * by rules/ci/deploymentSettings.ts, so the settings cannot drift from the program.
 */
import { z } from "zod";
import { strictObject } from "./zodShapes";

/** A Pulumi Cloud organization name, as the Pulumi Console shows it. */
const ORGANIZATION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** An environment variable name as a POSIX shell accepts it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envName = z
  .string({ error: "an environment variable name such as AWS_REGION" })
  .regex(ENV_NAME, "an environment variable name such as AWS_REGION (letters, digits, '_')");

const yesNo = z.union(
  [z.boolean(), z.enum(["true", "false"]).transform((text) => text === "true")],
  { error: "true or false" },
);

export const deploymentsSchema = strictObject(
  {
    /** The Pulumi Cloud organization that owns the stack. */
    organization: z
      .string({ error: "a Pulumi Cloud organization name such as data-literate" })
      .regex(ORGANIZATION, "a Pulumi Cloud organization name such as data-literate"),
    /** The folder of the repository holding Pulumi.yaml; "." (the root) unless set. */
    repoDir: z
      .string({ error: 'a folder of the repository such as "." or "infra/promotion"' })
      .regex(
        /^(\.|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)$/,
        'a relative folder of the repository such as "." or "infra/promotion", without ".." or a leading /',
      )
      .refine((dir) => !dir.split("/").includes(".."), {
        error: 'a relative folder of the repository such as "." or "infra/promotion", without ".."',
      })
      .optional(),
    /** Preview every pull request that changes what this stack declares (default true). */
    previewPullRequests: yesNo.optional(),
    /** Deploy every push to the stack's branch that changes what it declares (default true). */
    deployCommits: yesNo.optional(),
    /** Shell commands Deployments runs before the Pulumi operation. */
    preRunCommands: z
      .array(z.string({ error: "a shell command" }).min(1, "a non-empty shell command"), {
        error: "a list of shell commands",
      })
      .optional(),
    /** Plain environment variables for the operation (never secrets: see `secrets`). */
    environmentVariables: z
      .record(envName, z.string({ error: "a string value (quote numbers and booleans)" }), {
        error: "a map of environment variable names to strings",
      })
      .optional(),
    /**
     * Secret environment variables by reference: each name is read, when the settings are applied,
     * from the environment of the process applying them (a CI secret), and sent as a secret that
     * Pulumi Cloud encrypts. The value never appears in a file.
     */
    secrets: z.array(envName, { error: "a list of environment variable names" }).optional(),
  },
  "the Pulumi Deployments settings",
);

export type DeploymentsConfigInput = z.infer<typeof deploymentsSchema>;
