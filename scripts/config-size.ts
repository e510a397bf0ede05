/**
 * `node boot/run.js scripts/config-size.ts <stack>` (scripts/stack.sh, before the engine): exits 1
 * with the size, the limit and what to do when the engine could not pass the stack's config to the
 * program (rules/configSize.ts); 0 when it fits. Run from the project directory.
 */
import { engineConfig } from "../config/stackFiles";
import { configTooBig, engineConfigBytes } from "../rules/configSize";

const stack = process.argv[2];
if (!stack) {
  process.stderr.write("usage: node boot/run.js scripts/config-size.ts <stack>\n");
  process.exit(2);
}
const tooBig = configTooBig(stack, engineConfigBytes(engineConfig(process.cwd(), stack)));
if (tooBig) {
  process.stderr.write(`stack.sh: ${tooBig}\n`);
  process.exit(1);
}
