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
import { atBonusFactor, auctionFactor, chooseSeizures, closeOutPnl, planLiquidation, readLiquidationRules, readSeizureMarket, seizurePayment, submitLiquidation } from "../prover/src/index.js";
import { DEV_LEASE } from "../prover/src/index.js";
import { readKeyMetadata } from "./lib/metadata.js";
import { paths } from "./lib/paths.js";
import { table, median } from "./lib/format.js";
import { breakdown, calldataGas, deploymentLabels, type GasBreakdown } from "./lib/gasBreakdown.js";
import { contractSizes, EIP170_LIMIT, SIZE_BUDGET } from "./lib/contractSizes.js";
import { benchOptions } from "./lib/optionsBench.js";

const { values: args } = (() => {
  try {
    return parseArgs({
      options: { runs: { type: "string", default: "7" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (e) {
    console.error(`bench: ${(e as Error).message} (see --help)`);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(`Usage: npm run bench [-- --runs N] [-- --json]

Measures, on this machine: each circuit's constraints and the median proving time over N
proofs in the prover process (after one warm-up proof per circuit, not counted: witness + proof
as the prover reports them, and the round trip, the wall time of the whole prove call), and the gas of deposit, withdraw, open, grow, reduce,
close, renewLease, liquidatePartial (a keeper's first and a later one), liquidate (full close), forceClose, settle, poke() and of the
Groth16 verifier alone, each contract's runtime code size against the EIP-170 limit, the bonus
a trader pays on a simulated crash under the Dutch auction against today's fixed bonus (full close),
and on an options engine the Greeks of an example position and the gas of its trades and of marketQuote.
--json prints only JSON.`);
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

  // --- Liquidation: insolvency proofs, partial and full liquidation, the Dutch auction ------------
  log("measuring the insolvency proof, a partial and a full liquidation, and the auction's bonus...");
  const [, , , victim, keeperSigner, lapsed, broke, victimLater] = (await ethers.getSigners()) as unknown as Signer[];
  const insolvencyMeta = readKeyMetadata("insolvency");
  // victim: 5,000 USDC and 1 WETH, long 10 ETH (a partial close restores it after a 1/6 fall);
  // broke: 3,000 USDC and 1 WETH, long 10 ETH (only a full close is allowed after the same fall).
  const openVictim = async (who: Signer, usdcAmount: bigint) => {
    await fund(w, who, new Map([[0, usdcAmount], [1, e18]]));
    const v = await traderFor(w, who);
    await v.deposit(0, usdcAmount);
    await v.deposit(1, e18);
    await v.trade(0, 10n * e18);
    return v;
  };
  const v2 = await openVictim(victim!, 5_000n * 10n ** 6n);
  // victimLater: the same account as victim, liquidated by the same keeper after it (its credit slot is used).
  const v2Later = await openVictim(victimLater!, 5_000n * 10n ** 6n);
  const v4 = await openVictim(broke!, 3_000n * 10n ** 6n);
  await fund(w, lapsed!, new Map([[0, 20_000n * 10n ** 6n]]));
  const v3 = await traderFor(w, lapsed!);
  await v3.deposit(0, 20_000n * 10n ** 6n);
  await v3.trade(0, 2n * e18);
  await nextEpoch(w, new Map([[1, (w.prices[1]! * 5n) / 6n]])); // ETH -16.7%
  const usdc = w.d.tokens[0]!.connect(keeperSigner!) as typeof w.d.tokens[0];
  await (await usdc.mint(await keeperSigner!.getAddress(), 100_000n * 10n ** 6n)).wait();
  await (await usdc.approve(await w.d.engine.getAddress(), 100_000n * 10n ** 6n)).wait();
  await (await (w.d.tokens[1]!.connect(keeperSigner!) as typeof w.d.tokens[0]).mint(await keeperSigner!.getAddress(), e18)).wait();
  await (await w.d.tokens[0]!.mint(await w.d.engine.insuranceFund(), 100_000n * 10n ** 6n)).wait();
  const market = await readSeizureMarket(w.d.oracle, 0);
  const view = await v2.view();
  const rules = await readLiquidationRules(w.d.engine);
  const liquidator = await keeperSigner!.getAddress();
  const plan = planLiquidation(h, { opening: v2.opening, view, market, liquidator, quoteDecimals: 6, rules, bonusBps: rules.auctionStartBps });
  if (plan.mode !== "partial") throw new Error(`the bench's partial victim planned a ${plan.mode} liquidation`);
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

  // The Dutch auction on this crash (a simulation on the engine's formulas, no chain): a liquidator
  // whose cost is gas (the measured partial liquidation's, at 20 gwei and the crashed ETH price) plus
  // 0.5% of the seized value for the price risk acts at the first factor that covers it; against
  // today's rule, a full close at the oracle's fixed bound.
  const bonusPaid = (p: { seizures: { index: number; amount: bigint }[]; payment: bigint }): bigint => {
    // The seized assets at the oracle price, in settlement units, less what the liquidator paid.
    const unit = market.settlement.price * 10n ** BigInt(22 - market.settlement.decimals);
    const value = p.seizures.reduce((t, x) => t + x.amount * market.quotes[x.index]!.price * 10n ** BigInt(22 - market.quotes[x.index]!.decimals), 0n);
    return value / unit - p.payment;
  };
  const seizedValue = (p: { seizures: { index: number; amount: bigint }[] }): bigint =>
    bonusPaid({ seizures: p.seizures, payment: 0n });
  const liq = await submitLiquidation({ engine: w.d.engine, liquidator: keeperSigner!, prover: w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await victim!.getAddress(), epoch: view.epoch, plan });
  // A keeper's later partial liquidation: its WETH credit slot is already used (a storage update, not a new slot).
  const viewLater = await v2Later.view();
  const planLater = planLiquidation(h, { opening: v2Later.opening, view: viewLater, market, liquidator, quoteDecimals: 6, rules, bonusBps: rules.auctionStartBps });
  if (planLater.mode !== "partial") throw new Error(`the bench's later partial victim planned a ${planLater.mode} liquidation`);
  const liqLater = await submitLiquidation({ engine: w.d.engine, liquidator: keeperSigner!, prover: w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await victimLater!.getAddress(), epoch: viewLater.epoch, plan: planLater });
  const gasUsd = (Number(liq.receipt.gasUsed) * 20e-9 * Number(w.prices[1]!)) / 1e8;
  const costOf = (p: { seizures: { index: number; amount: bigint }[] }): number => gasUsd + (0.005 * Number(seizedValue(p))) / 1e6;
  let auction: { factor: number; seconds: number; bonus: bigint } | undefined;
  for (let t = 0n; t <= rules.auctionDuration && auction === undefined; t += 10n) {
    const factor = auctionFactor(rules, 0n, t);
    const p = planLiquidation(h, { opening: v2.opening, view, market, liquidator, quoteDecimals: 6, rules, bonusBps: factor });
    if (Number(bonusPaid(p)) / 1e6 >= costOf(p)) auction = { factor, seconds: Number(t), bonus: bonusPaid(p) };
  }
  const fixedPartial = planLiquidation(h, { opening: v2.opening, view, market, liquidator, quoteDecimals: 6, rules, bonusBps: 10_000 });
  const fixedFull = chooseSeizures(v2.opening.amounts, atBonusFactor(market, 10_000), -closeOutPnl(view, 6));
  const fixedFullPayment = seizurePayment(fixedFull.map((x) => ({ amount: x.amount, quote: market.quotes[x.index]! })), market.settlement);
  const auctionSim = {
    crash: "ETH -16.7% in one sample; 5,000 USDC + 1 WETH against a long of 10 ETH",
    liquidatorCostUsd: Number(costOf(fixedPartial).toFixed(2)),
    auction: auction === undefined ? null : { factorBps: auction.factor, secondsAfterFlag: auction.seconds, bonusPaidUsd: Number(auction.bonus) / 1e6 },
    fixedBoundPartialBonusPaidUsd: Number(bonusPaid(fixedPartial)) / 1e6,
    todayFixedBoundFullCloseBonusPaidUsd: Number(bonusPaid({ seizures: fixedFull, payment: fixedFullPayment })) / 1e6,
  };

  // The full close of the account that cannot be restored.
  const viewFull = await v4.view();
  const planFull = planLiquidation(h, { opening: v4.opening, view: viewFull, market, liquidator, quoteDecimals: 6, rules, bonusBps: rules.auctionStartBps });
  if (planFull.mode !== "full") throw new Error(`the bench's full victim planned a ${planFull.mode} liquidation`);
  const liqFull = await submitLiquidation({ engine: w.d.engine, liquidator: keeperSigner!, prover: w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await broke!.getAddress(), epoch: viewFull.epoch, plan: planFull });
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

  // --- Where each action's gas goes (opcode traces, scripts/lib/gasBreakdown.ts) ---------------
  const labels = await deploymentLabels(w.d);
  const traced: [string, { gasUsed: bigint; hash: string }][] = [
    ...actions.map(([k, r]): [string, { gasUsed: bigint; hash: string }] => [k, { gasUsed: r.gasUsed, hash: r.txHash }]),
    [`liquidatePartial (insolvency proof, ${plan.closeBps} bps closed, 1 asset seized and the settlement slot moved; the keeper's first credit in the slot)`, liq.receipt],
    [`liquidatePartial (the same, a later liquidation by that keeper: its credit slot already used)`, liqLater.receipt],
    [`liquidate (full close, insolvency proof, ${planFull.seizures.length} asset(s) seized)`, liqFull.receipt],
    ["forceClose (expired lease)", fc!],
    ["settle (pay the force-close debt)", { gasUsed: settled.gasUsed, hash: settled.txHash }],
  ];
  const breakdowns: [string, GasBreakdown][] = [];
  for (const [k, r] of traced) breakdowns.push([k, await breakdown(ethers.provider, r.hash, labels)]);

  // --- Options: an options engine beside the perp one (scripts/lib/optionsBench.ts) -------------
  const options = await benchOptions(ethers, w.prover);

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
    gas: Object.fromEntries(traced.map(([k, r]) => [k, Number(r.gasUsed)])) as Record<string, number>,
    gasBreakdown: Object.fromEntries(breakdowns.map(([k, b]) => [k, Object.fromEntries(b)])),
    poke: { assets: w.d.assets.length, markets: w.d.markets.length, sourcesPerAsset: w.d.feeds[0]!.length, medianGas: Number(medianBigint(pokeGas)) },
    contractSizes: sizes,
    dutchAuction: auctionSim,
    options,
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
    const parts = [...new Set(breakdowns.flatMap(([, b]) => [...b.keys()]))];
    console.log("\nGas breakdown (measured from each transaction's opcode trace, scripts/lib/gasBreakdown.ts; the parts sum to the total)");
    console.log(table(["action", "total", ...parts], breakdowns.map(([k, b]) => [k, result.gas[k]!.toLocaleString("en-US"), ...parts.map((p) => (b.get(p) ?? 0).toLocaleString("en-US"))])));
    const a = result.dutchAuction;
    console.log(`\nDutch auction on a simulated crash (${a.crash}; a liquidator acts once the bonus covers its cost of $${a.liquidatorCostUsd}: gas at 20 gwei plus 0.5% of the seized value)`);
    console.log(table(["rule", "bonus paid by the trader"], [
      ["today: full close at the oracle's fixed bonus", `$${a.todayFixedBoundFullCloseBonusPaidUsd.toFixed(2)}`],
      ["partial close at the oracle's fixed bonus", `$${a.fixedBoundPartialBonusPaidUsd.toFixed(2)}`],
      [a.auction === null ? "partial close, Dutch auction: no factor covers the cost" : `partial close, Dutch auction (factor ${a.auction.factorBps} bps, ${a.auction.secondsAfterFlag} s after the flag)`, a.auction === null ? "-" : `$${a.auction.bonusPaidUsd.toFixed(2)}`],
    ]));
    console.log("\nOptions engine (2 ETH calls at 3,000 and 1 short ETH put at 2,800, 30 days; position Greeks: size x per-unit Greeks)");
    console.log(table(["series", "size", "mark", "Greeks"], options.positions.map((p) => [p.series, p.size, p.mark, p.greeks])));
    console.log(table(["action", "gas"], Object.entries(options.gas).map(([k, g]) => [k, g.toLocaleString("en-US")])));
    console.log(`\nRuntime code size (EIP-170 limit ${EIP170_LIMIT.toLocaleString("en-US")} bytes; budget: at least 30% headroom, at most ${SIZE_BUDGET.toLocaleString("en-US")})`);
    console.log(table(["contract", "bytes", "headroom", "read from"], sizes.map((c) => [c.contract, c.bytes.toLocaleString("en-US"), `${c.headroomPct.toFixed(1)}%`, c.source])));
    console.log("\nJSON");
  }
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(`${paths.build}/bench.json`, JSON.stringify(result, null, 2));
} finally {
  await w.prover.close();
}
