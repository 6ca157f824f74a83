/**
 * `npm run bench:options`: the options part of `npm run bench` alone (scripts/lib/optionsBench.ts): on an
 * in-process Hardhat network, an options engine beside the perp one, an example position's Greeks, the gas
 * of its trades (real proofs) and of marketQuote.
 *
 *   npm run bench:options -- --json
 */
import { network } from "hardhat";
import { parseArgs } from "node:util";
import { Prover } from "../prover/src/prover.js";
import { table } from "./lib/format.js";
import { benchOptions } from "./lib/optionsBench.js";

const { values: args } = (() => {
  try {
    return parseArgs({ options: { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } } });
  } catch (e) {
    console.error(`bench:options: ${(e as Error).message} (see --help)`);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(`Usage: npm run bench:options [-- --json]

Deploys the development world and an options engine beside it on an in-process network, then buys
2 ETH calls (strike 3,000) and sells 1 ETH put (strike 2,800), both 30 days, with real proofs. Prints
each position's mark and Greeks (delta, gamma, vega), the gas of the trades and of marketQuote.
--json prints only JSON.`);
  process.exit(0);
}

const { ethers } = await network.create();
const prover = new Prover();
try {
  const r = await benchOptions(ethers, prover);
  if (!args.json) {
    console.log(table(["series", "size", "mark", "Greeks"], r.positions.map((p) => [p.series, p.size, p.mark, p.greeks])));
    console.log(table(["action", "gas"], Object.entries(r.gas).map(([k, g]) => [k, g.toLocaleString("en-US")])));
  }
  console.log(JSON.stringify(r, null, 2));
} finally {
  await prover.close();
}
