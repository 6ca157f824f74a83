/**
 * `npm run bench`: constraints and proving time per circuit (median of several in-process
 * proofs), and the gas of every gated action, of `poke()` and of the verifier itself, on an
 * in-process Hardhat network. Prints a table and JSON (also written to build/bench.json).
 *
 *   npm run bench -- --runs 9 --json
 */
import { network } from "hardhat";
import type { Signer } from "ethers";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { planUpdate } from "../prover/src/index.js";
import { NO_DELTA } from "../prover/src/index.js";
import { packProof } from "../prover/src/index.js";
import { initPoseidon } from "../prover/src/index.js";
import { initNoteCrypto } from "../prover/src/index.js";
import type { ActionReport } from "../prover/src/index.js";
import { ACCOUNT_UPDATE_ARTIFACTS, createWorld, elapse, fund, INSOLVENCY_ARTIFACTS, nextEpoch, seedPool, traderFor } from "./lib/world.js";
import { planLiquidation, readLiquidationRules, readSeizureMarket, submitLiquidation } from "../prover/src/index.js";
import { DEV_LEASE } from "../prover/src/index.js";
import { readKeyMetadata } from "./lib/metadata.js";
import { paths } from "./lib/paths.js";
import { table, median } from "./lib/format.js";
import { contractSizes, EIP170_LIMIT, SIZE_BUDGET } from "./lib/contractSizes.js";

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "7" }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
});
if (args.help) {
  console.log(`Usage: npm run bench [-- --runs N] [-- --json]

Measures, on this machine: each circuit's constraints and the median proving time over N
proofs in the prover process (after one warm-up proof per circuit, not counted: witness + proof
as the prover reports them, and the round trip, the wall time of the whole prove call), and the gas of deposit, withdraw, open, grow, reduce,
close, renewLease, liquidate, forceClose, settle, poke() and of the Groth16 verifier alone, and
each contract's runtime code size against the EIP-170 limit. --json prints only JSON.`);
  process.exit(0);
}
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);
const log = (s: string): void => {
  if (!args.json) console.error(s);
};


/** The median of bigints, compared as numbers (Array.prototype.sort() alone compares them as strings). */
function medianBigint(xs: readonly bigint[]): bigint {
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2n;
}

/** Gas the EVM charges for calldata (EIP-2028): 4 per zero byte, 16 per non-zero byte. */
function calldataGas(data: string): number {
  let gas = 0;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4 : 16;
  return gas;
}

const e18 = 10n ** 18n;
const { ethers } = await network.create();
const [, lp, t] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer];
const w = await createWorld(ethers);
try {
  // --- Proving time -------------------------------------------------------------------------
  const meta = readKeyMetadata("account_update");
  log(`account_update: ${meta.constraints} constraints; proving ${runs} times after a warm-up...`);
  await seedPool(w, lp, 10_000_000n * 10n ** 6n);
  await fund(w, t, new Map([[0, 100_000n * 10n ** 6n], [1, 20n * e18], [2, 100_000_000n]]));
  const trader = await traderFor(w, t);
  const h = await initPoseidon();
  // Warm-up: this deposit is an account-update proof in the same prover process (loads the circuit and key; not counted).
  await trader.deposit(0, 100_000n * 10n ** 6n);
  const v = await trader.view();
  const crypto = await initNoteCrypto();
  const proveMs: number[] = [];
  const totalMs: number[] = [];
  let lastProof: { a: unknown; b: unknown; c: unknown; pub: bigint[] } | undefined;
  for (let i = 0; i < runs; i++) {
    const plan = planUpdate(h, trader.opening, NO_DELTA, 0n, v.initialWeights, {
      crypto,
      keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey },
      nonce: v.epoch,
    });
    const t0 = performance.now();
    const out = await w.prover.prove(ACCOUNT_UPDATE_ARTIFACTS, plan.input);
    totalMs.push(performance.now() - t0);
    proveMs.push(out.witnessMs + out.proveMs);
    const p = packProof(out.proof);
    lastProof = { a: p.a, b: p.b, c: p.c, pub: out.publicSignals.map(BigInt) };
    log(`  run ${i + 1}: ${(out.witnessMs + out.proveMs).toFixed(0)} ms (witness ${out.witnessMs.toFixed(0)} ms)`);
  }

  // --- Verifier alone -----------------------------------------------------------------------
  const verifyTxGas = await w.d.verifier.verifyProof!.estimateGas(lastProof!.a, lastProof!.b, lastProof!.c, lastProof!.pub);
  const verifyData = w.d.verifier.interface.encodeFunctionData("verifyProof", [lastProof!.a, lastProof!.b, lastProof!.c, lastProof!.pub]);
  const verifyExecution = Number(verifyTxGas) - 21_000 - calldataGas(verifyData);

  // --- Gated actions ------------------------------------------------------------------------
  log("measuring gas of each gated action with real proofs...");
  const actions: [string, ActionReport][] = [];
  actions.push(["deposit (first of a slot)", await trader.deposit(1, 20n * e18)]);
  actions.push(["deposit", await trader.deposit(2, 100_000_000n)]);
  actions.push(["open (first position ever in the market)", await trader.trade(0, 10n * e18)]);
  actions.push(["grow", await trader.trade(0, 5n * e18)]);
  actions.push(["open second market", await trader.trade(1, -(e18 / 4n))]);
  await nextEpoch(w, new Map([[1, 3_030_00000000n]]));
  actions.push(["renewLease", await trader.renewLease()]);
  actions.push(["reduce (realises PnL)", await trader.trade(0, -5n * e18)]);
  actions.push(["close", await trader.trade(0, -10n * e18)]);
  actions.push(["re-open (slot already used)", await trader.trade(0, 10n * e18)]);
  actions.push(["withdraw", await trader.withdraw(1, 5n * e18)]);

  // --- Liquidation: insolvency proofs and the liquidation transaction -------------------------
  log("measuring the insolvency proof and a liquidation...");
  const [, , , victim, keeperSigner, lapsed] = (await ethers.getSigners()) as unknown as Signer[];
  const insolvencyMeta = readKeyMetadata("insolvency");
  await fund(w, victim!, new Map([[0, 5_000n * 10n ** 6n], [1, e18]]));
  const v2 = await traderFor(w, victim!);
  await v2.deposit(0, 5_000n * 10n ** 6n);
  await v2.deposit(1, e18);
  await v2.trade(0, 10n * e18);
  await fund(w, lapsed!, new Map([[0, 20_000n * 10n ** 6n]]));
  const v3 = await traderFor(w, lapsed!);
  await v3.deposit(0, 20_000n * 10n ** 6n);
  await v3.trade(0, 2n * e18);
  await nextEpoch(w, new Map([[1, (w.prices[1]! * 80n) / 100n]])); // ETH -20%
  const usdc = w.d.tokens[0]!.connect(keeperSigner!) as typeof w.d.tokens[0];
  await (await usdc.mint(await keeperSigner!.getAddress(), 100_000n * 10n ** 6n)).wait();
  await (await usdc.approve(await w.d.engine.getAddress(), 100_000n * 10n ** 6n)).wait();
  await (await (w.d.tokens[1]!.connect(keeperSigner!) as typeof w.d.tokens[0]).mint(await keeperSigner!.getAddress(), e18)).wait();
  const market = await readSeizureMarket(w.d.oracle, 0);
  const view = await v2.view();
  const rules = await readLiquidationRules(w.d.engine);
  const plan = planLiquidation(h, { opening: v2.opening, view, market, liquidator: await keeperSigner!.getAddress(), quoteDecimals: 6, rules, bonusBps: rules.auctionStartBps });
  // Warm-up: the first insolvency proof loads its circuit and key into the prover process (not counted).
  await w.prover.prove(INSOLVENCY_ARTIFACTS, plan.input);
  const insolvencyMs: number[] = [];
  const insolvencyTotalMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await w.prover.prove(INSOLVENCY_ARTIFACTS, plan.input);
    insolvencyTotalMs.push(performance.now() - t0);
    insolvencyMs.push(out.witnessMs + out.proveMs);
  }
  const liq = await submitLiquidation({ engine: w.d.engine, liquidator: keeperSigner!, prover: w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await victim!.getAddress(), epoch: view.epoch, plan });
  await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace);
  await nextEpoch(w);
  const fc = await (await (w.d.engine.connect(keeperSigner!) as typeof w.d.engine).forceClose(await lapsed!.getAddress())).wait();
  const settled = await v3.settle();

  // --- poke ---------------------------------------------------------------------------------
  const pokeGas: bigint[] = [];
  for (let i = 0; i < 3; i++) {
    const before = BigInt(await w.d.oracle.currentEpoch());
    await nextEpoch(w, new Map([[1, 3_000_00000000n + BigInt(i) * 10_00000000n]]));
    const logs = await ethers.provider.getLogs({ address: await w.d.oracle.getAddress(), fromBlock: "latest", toBlock: "latest" });
    const receipt = await ethers.provider.getTransactionReceipt(logs[0]!.transactionHash);
    if (BigInt(await w.d.oracle.currentEpoch()) !== before + 1n) throw new Error("poke did not close an epoch");
    pokeGas.push(receipt!.gasUsed);
  }

  const sizes = await contractSizes(ethers.provider, w.d);
  const result = {
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
    circuits: [
      {
        circuit: "insolvency",
        constraints: insolvencyMeta.constraints,
        publicInputs: insolvencyMeta.nPublic,
        ptauPower: insolvencyMeta.ptau.power,
        runs,
        medianProveMs: Math.round(median(insolvencyMs)),
        medianRoundTripMs: Math.round(median(insolvencyTotalMs)),
        minProveMs: Math.round(Math.min(...insolvencyMs)),
      },
      {
        circuit: "account_update",
        constraints: meta.constraints,
        publicInputs: meta.nPublic,
        ptauPower: meta.ptau.power,
        runs,
        medianProveMs: Math.round(median(proveMs)),
        medianRoundTripMs: Math.round(median(totalMs)),
        minProveMs: Math.round(Math.min(...proveMs)),
      },
    ],
    verifier: { standaloneTxGas: Number(verifyTxGas), executionGas: verifyExecution },
    gas: {
      ...Object.fromEntries(actions.map(([k, r]) => [k, Number(r.gasUsed)])),
      "liquidate (insolvency proof, 2 assets seized)": Number(liq.receipt.gasUsed),
      "forceClose (expired lease)": Number(fc!.gasUsed),
      "settle (pay the force-close debt)": Number(settled.gasUsed),
    },
    poke: { assets: w.d.assets.length, markets: w.d.markets.length, sourcesPerAsset: w.d.feeds[0]!.length, medianGas: Number(medianBigint(pokeGas)) },
    contractSizes: sizes,
  };

  if (!args.json) {
    console.log("\nCircuits");
    console.log(table(["circuit", "constraints", "public inputs", "median prove (in-process)", "median round trip", "runs"], result.circuits.map((c) => [c.circuit, c.constraints.toLocaleString("en-US"), String(c.publicInputs), `${c.medianProveMs} ms`, `${c.medianRoundTripMs} ms`, String(c.runs)])));
    console.log("\nGas (transactions with real proofs; each includes the 21,000 base and calldata)");
    console.log(table(["action", "gas"], [
      ...Object.entries(result.gas).map(([k, g]) => [k, g.toLocaleString("en-US")]),
      ["verifyProof as a standalone transaction", result.verifier.standaloneTxGas.toLocaleString("en-US")],
      ["verifyProof execution (minus base and calldata)", result.verifier.executionGas.toLocaleString("en-US")],
      [`poke() (${result.poke.assets} assets x ${result.poke.sourcesPerAsset} sources, ${result.poke.markets} markets)`, result.poke.medianGas.toLocaleString("en-US")],
    ]));
    console.log(`\nRuntime code size (EIP-170 limit ${EIP170_LIMIT.toLocaleString("en-US")} bytes; budget: at least 30% headroom, at most ${SIZE_BUDGET.toLocaleString("en-US")})`);
    console.log(table(["contract", "bytes", "headroom", "read from"], sizes.map((c) => [c.contract, c.bytes.toLocaleString("en-US"), `${c.headroomPct.toFixed(1)}%`, c.source])));
    console.log("\nJSON");
  }
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(`${paths.build}/bench.json`, JSON.stringify(result, null, 2));
} finally {
  await w.prover.close();
}
