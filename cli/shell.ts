/** Command lines as a user would type them, for the PR footer and the commands we suggest. */

/** One argument, quoted for a POSIX shell only when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, "\\$1")}"`;
}

/** `npm run promote -- <args>`, quoted. */
export function promoteCommandLine(args: string[]): string {
  return ["npm run promote --", ...args.map(shellQuote)].join(" ");
}
