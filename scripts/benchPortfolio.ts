/**
 * `npm run bench:portfolio`: proving time of the portfolio-margin account update
 * (circuits/main/account_update_portfolio.circom) against the plain one (account_update), interleaved,
 * in one warm prover process: witness and Groth16 times, median of --runs (default 5) after one warm-up,
 * with the machine's load average (1 minute, sampled after each run) beside them: the figures are only
 * comparable at a similar load.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { planUpdate } from "../prover/src/account.js";
import { artifactPaths } from "../prover/src/artifacts.js";
import { WAD } from "../prover/src/constants.js";
import { initNoteCrypto } from "../prover/src/keeperNote/index.js";
import { generateKeeperKey } from "../prover/src/keeper/index.js";
import { upWeightOf, weightOf } from "../prover/src/oracle/index.js";
import { initPoseidon } from "../prover/src/poseidon.js";
import { planPortfolioUpdate, SCENARIOS } from "../prover/src/portfolio.js";
import { Prover } from "../prover/src/prover.js";

const HELP = `Usage: npm run bench:portfolio [-- --runs N]

Proves the plain and the portfolio-margin account update in turn, N times each after a warm-up (default 5),
and prints the median witness, Groth16 and total proving times, and the load average (1 minute) while it
ran. Needs the build's keys (npm run build runs first).

Exit status: 0 done, 1 on a failure, 2 on a usage error.`;
let args: { values: { runs: string; help?: boolean } };
try {
  args = parseArgs({ options: { runs: { type: "string", default: "5" }, help: { type: "boolean", short: "h" } } });
} catch (e) {
  console.error(`bench:portfolio: ${(e as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (args.values.help) {
  console.log(HELP);
  process.exit(0);
}
const RUNS = Number(args.values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`bench:portfolio: --runs must be a positive integer\n\n${HELP}`);
  process.exit(2);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const h = await initPoseidon();
const k = { crypto: await initNoteCrypto(), keeper: { keeperId: 1n, key: (await generateKeeperKey()).publicKey }, nonce: 7n };
const down = new Array<bigint>(16).fill(0n);
const up = new Array<bigint>(16).fill(0n);
([[10n ** 8n, WAD / 100n, 6], [3_000n * 10n ** 8n, WAD / 8n, 18], [60_000n * 10n ** 8n, WAD / 10n, 8]] as [bigint, bigint, number][]).forEach(([p, hc, d], i) => {
  down[i] = weightOf(p, hc, d);
  up[i] = upWeightOf(p, hc, d);
});
const opening = { owner: 0xabcn, amounts: [5_000n * 10n ** 6n, 2n * 10n ** 18n, 10n ** 7n, ...new Array<bigint>(13).fill(0n)], blinding: 5n };
const delta = { index: 0, amount: -(10n ** 6n) };
const floors = new Array<bigint>(SCENARIOS).fill(1_000n * 10n ** 6n); // $1,000 in every scenario
const circuits = {
  account_update: () => planUpdate(h, opening, delta, 10n ** 33n, down, k).input,
  account_update_portfolio: () => planPortfolioUpdate(h, opening, delta, { down, up }, floors, k).input,
};
const prover = new Prover();
const times: Record<string, { witness: number[]; prove: number[]; total: number[] }> = {};
const load: number[] = [];
const cold: Record<string, number> = {};
try {
  for (let r = 0; r <= RUNS; r++) {
    for (const [name, input] of Object.entries(circuits)) {
      const out = await prover.prove(artifactPaths().circuit(name), input());
      if (r === 0) {
        cold[name] = out.witnessMs + out.proveMs; // warm-up: the zkey read and the curve built once here
        continue;
      }
      const t = (times[name] ??= { witness: [], prove: [], total: [] });
      t.witness.push(out.witnessMs);
      t.prove.push(out.proveMs);
      t.total.push(out.witnessMs + out.proveMs);
    }
    if (r > 0) load.push(loadavg()[0]!);
  }
} finally {
  await prover.close();
}
console.log(`proof time, median of ${RUNS} (warm prover, interleaved):`);
for (const [name, t] of Object.entries(times)) {
  console.log(`  ${name.padEnd(26)} proving ${median(t.total).toFixed(0)} ms (witness ${median(t.witness).toFixed(0)} ms, Groth16 ${median(t.prove).toFixed(0)} ms); first proof of the process ${cold[name]!.toFixed(0)} ms`);
}
console.log(`load average (1 min) during the runs: median ${median(load).toFixed(2)}, ${Math.min(...load).toFixed(2)} to ${Math.max(...load).toFixed(2)}, on ${availableParallelism()} cores`);
