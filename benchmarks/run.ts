// npm run bench -- <name> [options]: runs one benchmark (or all of them).
const BENCHMARKS: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  ledger: () => import('./ledger.js'),
  negotiation: () => import('./negotiation.js'),
  transforms: () => import('./transforms.js'),
  dataplane: () => import('./dataplane.js'),
  detect: () => import('./detect.js'),
  kanon: () => import('./kanon.js'),
  trajectory: () => import('./trajectory.js'),
  aggregate: () => import('./aggregate.js'),
  cluster: () => import('./cluster.js'),
};

const [name, ...args] = process.argv.slice(2);
if (!name || !(name in BENCHMARKS)) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [--quick]\n`);
  process.exit(2);
}
const mod = await BENCHMARKS[name]!();
await mod.run(args);
