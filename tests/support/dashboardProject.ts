/**
 * The dashboard's fixture: a temporary copy of the seed fixture (dev -> stage -> prod, dex) where
 * CI has committed a new build to dev, with deployed state and live Argo CD state injected, so
 * that each kind of cell and promotion shows: dev -> stage ready (dev deployed the new build),
 * stage -> prod blocked by the gate (stage's Application is Degraded), a rollback and a hotfix in
 * the history, and a reason written with HTML in it (it must show as text).
 */
import type { DeployedState, RecordReader } from "../../cli/deployed";
import type { CliIo } from "../../cli/io";
import { RecordsUnavailable } from "../../cli/deployed";
import { SEED } from "../fixtures";
import { tempProject, type TempProject } from "./gitRepo";

/** The build CI committed to dev's stack file (and dev deployed). */
export const NEW_BUILD = "sha-5eed0f00";

/** A reason as people type them: markup in it is text, never markup. */
export const HTML_REASON = `login <b>broken</b> & "invalid_grant" since 10:30 <script>alert(1)</script>`;

export const DEPLOYED: Record<string, DeployedState> = {
  dev: {
    tags: { dex: NEW_BUILD },
    records: {
      dex: [
        { tag: NEW_BUILD, from: "ci", at: "2026-01-28T10:30:00Z", by: "ci-bot", kind: "promotion" },
        {
          tag: SEED.tags.dev,
          from: "ci",
          at: "2026-01-20T08:00:00Z",
          by: "ci-bot",
          kind: "promotion",
        },
      ],
    },
  },
  stage: {
    tags: { dex: SEED.tags.stage },
    records: {
      dex: [
        {
          tag: SEED.tags.stage,
          from: "dev",
          at: "2026-01-27T15:20:00Z",
          by: "alice",
          kind: "promotion",
        },
        {
          tag: "v1.4.1",
          from: "stage",
          at: "2026-01-22T11:00:00Z",
          by: "dave",
          kind: "hotfix",
          reason: "CVE-2026-1234 in the token endpoint",
        },
      ],
    },
  },
  prod: {
    tags: { dex: SEED.tags.prod },
    records: {
      dex: [
        {
          tag: SEED.tags.prod,
          from: "prod",
          at: "2026-01-26T09:45:00Z",
          by: "carol",
          kind: "rollback",
          reason: HTML_REASON,
        },
        {
          tag: SEED.tags.stage,
          from: "stage",
          at: "2026-01-25T09:00:00Z",
          by: "bob",
          kind: "promotion",
        },
      ],
    },
  },
};

/** Every record above: what the history must list. */
export const RECORD_COUNT = 6;

export const records: RecordReader = (stack) => {
  const state = DEPLOYED[stack];
  if (!state) throw new RecordsUnavailable(`no deployed state for ${stack} in the fixture`);
  return state;
};

/** The Application status Argo CD reports, for a live cell. */
function application(env: string, sync: string, health: string, image: string) {
  return {
    readable: true as const,
    name: `dex-${env}`,
    status: {
      sync: { status: sync, comparedTo: { source: { kustomize: { images: [image] } } } },
      health: { status: health },
      summary: { images: [image] },
    },
    desiredImages: [image],
  } as unknown as Awaited<ReturnType<NonNullable<CliIo["readLive"]>>> extends Map<string, infer A>
    ? A
    : never;
}

/** Live state: dev Synced and Healthy, stage Synced but Degraded, prod's cluster unreachable. */
export const live: NonNullable<CliIo["readLive"]> = () =>
  Promise.resolve(
    new Map([
      [
        "dev/dex",
        application("dev", "Synced", "Healthy", `ghcr.io/data-literate/dex:${NEW_BUILD}`),
      ],
      [
        "stage/dex",
        application("stage", "Synced", "Degraded", `ghcr.io/data-literate/dex:${SEED.tags.stage}`),
      ],
      [
        "prod/dex",
        {
          readable: false as const,
          why: "GET /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/dex-prod: connect ECONNREFUSED 127.0.0.1:6443",
        },
      ],
    ]),
  );

/** The seed fixture in a fresh repository, with NEW_BUILD committed to dev. */
export function dashboardProject(): TempProject {
  const project = tempProject({ origin: false });
  project.commitTag("dev", "dex", NEW_BUILD);
  return project;
}
