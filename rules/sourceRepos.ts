/** Which repositories an Argo CD AppProject admits through its `sourceRepos` entries. */

/**
 * Whether an AppProject sourceRepos entry admits a repository URL: Argo CD accepts exact URLs and
 * globs ("*" within a path segment, "**" across segments, "*" alone for any repository).
 */
export function repoMatches(pattern: string, repoURL: string): boolean {
  if (pattern === "*" || pattern === repoURL) return true;
  if (!pattern.includes("*")) return false;
  const regex = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${regex}$`).test(repoURL);
}
