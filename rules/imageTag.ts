/**
 * Image tag policy: an environment may only pin an image by a reference that can never point at
 * another build. Mutable tags (latest, main, stable...) would let a registry push change what an
 * environment runs without any edit of its stack file, which breaks "build once, promote the same
 * artifact".
 */

import type { ImageTagKind } from "../model/environment";

export type { ImageTagKind };

export interface ParsedImageTag {
  kind: ImageTagKind;
  /** The tag as written in the stack file. */
  tag: string;
}

/** What the policy accepts, for error messages. */
export const ACCEPTED_IMAGE_TAGS =
  "sha-<7-40 hex> (sha-abc12345), vMAJOR.MINOR.PATCH[-prerelease] (v1.2.3), " +
  "v<yyyymmdd>-<7-40 hex> (v20260128-abc1234) or a digest @sha256:<64 hex>";

const SHA_TAG = /^sha-[0-9a-f]{7,40}$/;
const SEMVER_TAG = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const DATED_SHA_TAG = /^v(\d{4})(\d{2})(\d{2})-[0-9a-f]{7,40}$/;
const DIGEST = /^@sha256:[0-9a-f]{64}$/;

/** Tags that registries and CI move from build to build. */
const MUTABLE_TAGS = new Set([
  "latest",
  "stable",
  "main",
  "master",
  "dev",
  "develop",
  "edge",
  "nightly",
  "head",
  "canary",
  "staging",
  "stage",
  "prod",
  "production",
  "release",
]);

function isRealDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/** Parses a tag, or returns the reason it is refused. */
export function checkImageTag(tag: string): ParsedImageTag | { refused: string } {
  if (tag.trim() === "") return { refused: "the tag is empty" };
  if (MUTABLE_TAGS.has(tag.toLowerCase())) {
    return { refused: `"${tag}" is a mutable tag that moves from build to build` };
  }
  if (SHA_TAG.test(tag)) return { kind: "sha", tag };
  if (SEMVER_TAG.test(tag)) return { kind: "semver", tag };
  const dated = DATED_SHA_TAG.exec(tag);
  if (dated) {
    if (!isRealDate(dated[1], dated[2], dated[3])) {
      return {
        refused: `"${tag}" carries ${dated[1]}-${dated[2]}-${dated[3]}, which is not a date`,
      };
    }
    return { kind: "dated-sha", tag };
  }
  if (DIGEST.test(tag)) return { kind: "digest", tag };
  if (tag.startsWith("sha256:")) {
    return { refused: `a digest must be written "@${tag}" so it cannot be mistaken for a tag` };
  }
  if (/^sha-/.test(tag)) {
    return { refused: `"${tag}" is not sha- followed by 7 to 40 lowercase hex digits` };
  }
  return { refused: `"${tag}" is not an immutable tag` };
}

export function isImmutableTag(tag: string): boolean {
  return !("refused" in checkImageTag(tag));
}

/**
 * The image reference Argo CD's kustomize `images` override receives: `image:tag`, or
 * `image@sha256:...` for a digest. With the registry's digest of the tag pinned next to it, the
 * digest: kustomize sets the image's `digest` field, so what runs is the artifact that was
 * reviewed, whatever the tag points at later.
 */
export function imageReference(image: string, tag: string, digest?: string): string {
  if (digest) return `${image}@${digest}`;
  return tag.startsWith("@") ? `${image}${tag}` : `${image}:${tag}`;
}
