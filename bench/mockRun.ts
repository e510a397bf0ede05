/**
 * One child process of the mock benchmark (bench/mocks.ts): `stack count repeats`. Runs the program
 * under Pulumi mocks once with the stack's own file (warm-up: module loading, JIT), then `repeats`
 * times with the stack scaled to `count` apps (compact form), and prints a JSON line: the median
 * wall time, the median CPU time (user + system: what the run itself cost, much less sensitive than
 * wall time to other work on a shared machine) and the process's peak resident memory.
 */
import { engineConfig, engineConfigOfText } from "../config/stackFiles";
import { PROJECT_DIR, runProgram } from "../harness/program";
import { median } from "./measure";
import { scaledStackFile } from "./scale";

async function main(): Promise<void> {
  const [stack, count, repeats] = [
    process.argv[2],
    Number(process.argv[3]),
    Number(process.argv[4] ?? 3),
  ];
  // Warnings of the program (no GitHub token) are the same in every run: keep the output clean.
  console.warn = () => {};
  await runProgram(stack, {}, engineConfig(PROJECT_DIR, stack));
  const config = engineConfigOfText(
    PROJECT_DIR,
    stack,
    scaledStackFile(PROJECT_DIR, stack, count).text,
  );
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const run = await runProgram(stack, {}, config);
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    if (i === 0)
      process.stderr.write(`  ${stack}: ${count} app(s), ${run.resources.length} resources\n`);
  }
  const peakMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ms: median(times), cpuMs: median(cpu), peakMb })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
