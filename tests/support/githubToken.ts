/** Runs the enclosing mocha suite without a GITHUB_TOKEN from the machine, restored after it. */
export function withoutGitHubToken(): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_TOKEN;
  });
  after(() => {
    if (saved !== undefined) process.env.GITHUB_TOKEN = saved;
  });
}
