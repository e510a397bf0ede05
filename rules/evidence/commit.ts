/**
 * The commit an image was built from, as the tag policy writes it: `sha-<hex>` and
 * `v<yyyymmdd>-<hex>` carry the commit; a release `vX.Y.Z` is the git tag of that name; a bare
 * digest names no commit. CI checks are read for this ref.
 */
import { checkImageTag } from "../imageTag";

export function buildRef(tag: string): { ref: string } | { none: string } {
  const parsed = checkImageTag(tag);
  if ("refused" in parsed) return { none: parsed.refused };
  switch (parsed.kind) {
    case "sha":
      return { ref: tag.slice("sha-".length) };
    case "dated-sha":
      return { ref: tag.slice(tag.indexOf("-") + 1) };
    case "semver":
      return { ref: tag };
    default:
      return { none: `${tag} is a digest: it names no commit, so its CI checks cannot be found` };
  }
}
