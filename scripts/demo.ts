/**
 * `npm run demo`: Plimsoll end to end on an in-process Hardhat network with development keys.
 *
 * 1. Trader: deploys the governance-free oracle, the margin engine, its perp market, the keeper
 *    registry and the generated verifiers; feeds prices; a trader with a private basket of USDC
 *    (6 decimals), WETH (18) and WBTC (8) deposits, opens a long and a short at initial margin, and
 *    renews the lease at maintenance margin after a price move.
 *    A second trader funds its account through shielded notes (absorbed with slot and amount private),
 *    trades and emits a note; the demo prints what an observer rebuilds of each basket.
 *    Portfolio margin: a hedged trader (WETH behind a short ETH perp) in portfolio mode next to an
 *    unhedged one (USDC behind the same short), their floors, requirement and margin used; and an
 *    option position (2 ETH calls on an options engine) with its delta, gamma and vega.
 * 2. Keeper: a keeper daemon decrypts the openings sent to it, liquidates an account after a crash
 *    (its owner recomputes and withdraws the remainder), and force-closes a lapsed lease.
 * 3. Custodian: 1,000 synthetic clients proven in batches, published to the reserve registry and
 *    verified on-chain; the auditor's report and one client's inclusion check.
 * Every step is a real Groth16 proof verified on-chain; the demo prints proving times and gas.
 */
import { network } from "hardhat";
import type { EventLog, Signer } from "ethers";
import {
  accountCommitment,
  type ActionReport,
  DEV_LEASE,
  initPoseidon,
  KeeperDaemon,
  remainderOpening,
  type TokenContract,
} from "../prover/src/index.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runReservesDemo } from "./lib/reservesDemo.js";
import { runNotesDemo } from "./lib/notesDemo.js";
import { runOptionDemo, runPortfolioDemo } from "./lib/portfolioDemo.js";
import { createWorld, elapse, fund, INSOLVENCY_ARTIFACTS, nextEpoch, seedPool, traderFor, type World } from "./lib/world.js";
import { readKeyMetadata } from "./lib/metadata.js";
import { terminateCurves } from "./lib/snarkjs.js";
import { pct, price8, table, tokens, usd } from "./lib/format.js";

const demoArgs = process.argv.slice(2);
const unknownArg = demoArgs.find((a) => a !== "--help" && a !== "-h");
if (unknownArg !== undefined) {
  console.error(`demo: unknown option ${unknownArg} (it takes none but --help)`);
  process.exit(2);
}
if (demoArgs.length > 0) {
  console.log(`Usage: npm run demo

Runs everything on an in-process Hardhat network (no node to start, no RPC URL): the trader flow
(deposits, a long and a short, a price move, a lease renewal, shielded notes, a hedged portfolio-margin
account next to an unhedged one, an option position with its Greeks), the keeper flow (decryption,
liquidation after a crash, force-close of a lapsed lease) and a custodian's proof of reserves over
1,000 synthetic clients (set PLIMSOLL_DEMO_CLIENTS for fewer). About 10 minutes on 2 cores.
Uses the keys from 'npm run build' (development keys, not for production).`);
  process.exit(0);
}

const USDC = 0, WETH = 1, WBTC = 2;
/** Synthetic clients of the demo custodian (PLIMSOLL_DEMO_CLIENTS overrides, for a quicker look). */
const DEMO_CLIENTS = Number(process.env.PLIMSOLL_DEMO_CLIENTS ?? 1000);
const ETH_PERP = 0, BTC_PERP = 1;
const e18 = 10n ** 18n;

const step = (n: number, text: string): void => console.log(`\n[${n}] ${text}`);
const rows: string[][] = [];
const record = (label: string, r: ActionReport): void => {
  rows.push([label, `${Math.round(r.witnessMs + r.proveMs)} ms`, r.gasUsed.toLocaleString("en-US"), usd(r.requirement)]);
  console.log(`    proved in ${Math.round(r.witnessMs + r.proveMs)} ms (witness ${Math.round(r.witnessMs)} ms), verified on-chain, gas ${r.gasUsed.toLocaleString("en-US")}, requirement ${usd(r.requirement)}`);
};

async function main(): Promise<void> {
  const meta = readKeyMetadata("account_update");
  console.log("Plimsoll demo — in-process Hardhat network");
  console.log(`circuit account_update: ${meta.constraints.toLocaleString("en-US")} constraints; keys: ${meta.note}`);

  const { ethers } = await network.create();
  const [, lp, traderSigner] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer];

  step(1, "Deploy the oracle (no owner, immutable formula), the margin engine, the perp market and the verifier; close epoch 1");
  const w = await createWorld(ethers);
  try {
    const { d } = w;
    console.log(`    oracle ${await d.oracle.getAddress()}  engine ${await d.engine.getAddress()}  market ${await d.market.getAddress()}`);
    const haircutRows: string[][] = [];
    for (const a of d.assets) {
      const [hIM, hMM] = await d.oracle.haircuts(a.slot);
      haircutRows.push([a.symbol, String(a.decimals), price8(await d.oracle.price(a.slot)), pct(hIM), pct(hMM)]);
    }
    console.log(table(["asset", "decimals", "price", "initial haircut", "maintenance haircut"], haircutRows).replace(/^/gm, "    "));

    step(2, "A liquidity provider seeds the perp market's pool with 1,000,000 USDC");
    await seedPool(w, lp, 1_000_000n * 10n ** 6n);

    const basket = new Map([[USDC, 25_000n * 10n ** 6n], [WETH, 8n * e18], [WBTC, 30_000_000n]]);
    await fund(w, traderSigner, basket);
    const trader = await traderFor(w, traderSigner);
    console.log(`    trader ${trader.key.owner}; openings are kept in ${w.store.pathOf(trader.key)}`);

    step(3, "The trader deposits a private basket: each deposit is an account-update proof");
    for (const [slot, amount] of basket) {
      const a = d.assets[slot]!;
      console.log(`  deposit ${tokens(amount, a.decimals, a.symbol)}`);
      record(`deposit ${a.symbol}`, await trader.deposit(slot, amount));
    }

    step(4, "Open a long (20 ETH-PERP) and a short (0.5 BTC-PERP): proofs at initial margin");
    console.log("  long 20 ETH-PERP");
    record("open long ETH-PERP", await trader.trade(ETH_PERP, 20n * e18));
    console.log("  short 0.5 BTC-PERP");
    record("open short BTC-PERP", await trader.trade(BTC_PERP, -(e18 / 2n)));

    step(5, "ETH falls 4% and BTC rises 2%; the oracle closes a new epoch (permissionless poke)");
    const pokeEpoch = await nextEpoch(w, new Map([[WETH, 2_880_00000000n], [WBTC, 61_200_00000000n]]));
    console.log(`    epoch ${pokeEpoch}: ETH ${price8(await d.oracle.price(WETH))}, BTC ${price8(await d.oracle.price(WBTC))}`);
    const who = trader.key.owner;
    console.log(`    maintenance requirement now ${usd(await d.engine.requirementOf(who, false))} (margin plus unrealised loss, computed on-chain)`);

    step(6, "Renew the solvency lease with a maintenance proof at the new epoch");
    record("renew lease", await trader.renewLease());

    step(7, "What the chain holds, and what only the trader knows");
    const account = await d.engine.accountOf(who);
    console.log(`    on-chain account: commitment ${account.commitment}\n                      lease epoch ${account.leaseEpoch}, open markets bitmap ${account.openMarkets}`);
    console.log(`    on-chain positions: ETH-PERP ${(await d.engine.positionOf(who, ETH_PERP)).size}, BTC-PERP ${(await d.engine.positionOf(who, BTC_PERP)).size} (public by design)`);
    const o = trader.opening;
    const h = await initPoseidon();
    console.log(`    private opening: ${d.assets.map((a) => tokens(o.amounts[a.slot]!, a.decimals, a.symbol)).join(", ")}, blinding ${o.blinding.toString().slice(0, 12)}…`);
    console.log(`    Poseidon(basketHash, blinding, owner) == on-chain commitment: ${accountCommitment(h, o.amounts, o.blinding, o.owner) === account.commitment}`);
    console.log("    The deposits are public deltas (see 'Privacy model' in the README); the balances after them are not.");

    const signers = (await ethers.getSigners()) as unknown as Signer[];
    step(8, "Shielded collateral: a second trader funds its account through notes, trades and emits a note");
    await runNotesDemo(w, { trader: signers[7]!, shielder: signers[8]!, inserter: signers[9]!, plainTrader: who, plainOpening: trader.opening.amounts }, record);

    step(9, "Portfolio margin: a hedged trader (10 WETH behind a short of 10 ETH-PERP) next to an unhedged one (30,000 USDC behind the same short)");
    await runPortfolioDemo(w, { hedged: signers[10]!, unhedged: signers[11]! }, record);

    step(10, "An option position: an options engine beside the perp one, and a trader who buys 2 ETH calls");
    await runOptionDemo(w, { lp: signers[12]!, trader: signers[13]! }, record);

    await keeperAct(w, traderSigner, lp);

    const reserves = await runReservesDemo(w, { custodian: signers[5]!, submitter: signers[6]! }, { clients: DEMO_CLIENTS });
    rows.push([`reserves: ${reserves.clients} clients in ${reserves.batches} batch proofs`, `${Math.round(reserves.proveWallMs / 1000)} s`, `${reserves.batchGas.median.toLocaleString("en-US")} per batch`, "-"]);

    console.log("\nSummary");
    console.log(table(["action", "proving", "gas", "requirement"], rows));
  } finally {
    await w.prover.close();
  }
}

/**
 * Liquidation without disclosure: a keeper daemon decrypts the openings sent to it, liquidates an
 * insolvent account after a crash, and force-closes an account whose lease lapsed; the owners recompute
 * and spend what is left.
 */
async function keeperAct(w: World, alice: Signer, lp: Signer): Promise<void> {
  const { ethers, d } = w;
  const signers = (await ethers.getSigners()) as unknown as Signer[];
  const [bob, carol] = [signers[3]!, signers[4]!];
  const keeperSigner = w.keeper.operator;
  void lp;

  step(11, "Two more traders name the same keeper: Bob (5,000 USDC + 1 WETH, long 10 ETH) and Carol (3,000 USDC, long 1 ETH)");
  await fund(w, bob, new Map([[USDC, 5_000n * 10n ** 6n], [WETH, e18]]));
  await fund(w, carol, new Map([[USDC, 3_000n * 10n ** 6n]]));
  const bobT = await traderFor(w, bob);
  const carolT = await traderFor(w, carol);
  await bobT.deposit(USDC, 5_000n * 10n ** 6n);
  await bobT.deposit(WETH, e18);
  record("Bob opens long 10 ETH-PERP", await bobT.trade(ETH_PERP, 10n * e18));
  await carolT.deposit(USDC, 3_000n * 10n ** 6n);
  record("Carol opens long 1 ETH-PERP", await carolT.trade(ETH_PERP, e18));

  step(12, `The keeper daemon (keeper #${w.keeper.keeperId}) reads the chain and decrypts the openings addressed to it`);
  const usdc = d.tokens[USDC]!.connect(keeperSigner) as TokenContract;
  await (await usdc.mint(await keeperSigner.getAddress(), 50_000n * 10n ** 6n)).wait();
  const stateDir = mkdtempSync(join(tmpdir(), "plimsoll-keeper-"));
  const daemon = await KeeperDaemon.open({
    engine: await d.engine.getAddress(),
    keeperPrivateKey: w.keeper.key.privateKey,
    keeperId: w.keeper.keeperId,
    signer: keeperSigner,
    prover: w.prover,
    artifacts: INSOLVENCY_ARTIFACTS,
    stateDir,
    fromBlock: 0,
  });
  const first = await daemon.tick();
  console.log(`    decrypted ${first.notes.decrypted} notes; state and decision log in ${stateDir}`);
  for (const [account, a] of daemon.snapshot.accounts) {
    const name = (await Promise.all([alice, bob, carol].map((x) => x.getAddress()))).indexOf(ethers.getAddress(account));
    if (a.opening !== null) console.log(`    keeper knows ${["Alice", "Bob", "Carol"][name] ?? account}: ${d.assets.map((x) => tokens(a.opening!.amounts[x.slot]!, x.decimals, x.symbol)).join(", ")}`);
  }

  step(13, "ETH crashes 17% to $2,400: a new epoch and a new price regime (every lease lapses)");
  await nextEpoch(w, new Map([[WETH, 2_400_00000000n]]));
  const tick = await daemon.tick();
  for (const dcs of tick.decisions) console.log(`    keeper: ${dcs.account.slice(0, 10)}… ${dcs.decision}`);
  for (const l of tick.liquidations) {
    console.log(`    keeper liquidated ${l.account.slice(0, 10)}…: insolvency proof ${Math.round(l.proveMs)} ms, gas ${l.gasUsed.toLocaleString("en-US")}, paid ${tokens(l.payment, 6, "USDC")} for ${l.seizures.map((x) => tokens(x.amount, d.assets[x.index]!.decimals, d.assets[x.index]!.symbol)).join(" + ")} (loss ${tokens(l.loss, 6, "USDC")})`);
    rows.push(["keeper liquidates Bob", `${Math.round(l.proveMs)} ms`, l.gasUsed.toLocaleString("en-US"), "-"]);
  }

  step(14, "Bob recomputes his remainder from his old opening and the public seizure, with no message from anyone, and withdraws it");
  const ev = (await d.engine.queryFilter(d.engine.filters.Liquidated!(await bob.getAddress()))).at(-1) as EventLog | undefined;
  if (ev !== undefined) {
    const seized = [{ index: Number(ev.args.indexA), amount: BigInt(ev.args.amountA) }, { index: Number(ev.args.indexB), amount: BigInt(ev.args.amountB) }].filter((x) => x.amount > 0n);
    const hash = await initPoseidon();
    const remainder = remainderOpening(hash, bobT.opening, seized);
    // Hash the recomputed opening and compare it with what the chain holds before saying it matches.
    const recomputed = accountCommitment(hash, remainder.amounts, remainder.blinding, remainder.owner);
    const onChain = BigInt(await d.engine.commitmentOf(await bob.getAddress()));
    const logged = BigInt(ev.args.remainderCommitment);
    if (recomputed !== onChain || recomputed !== logged) {
      throw new Error(`Bob's recomputed remainder commitment ${recomputed} differs from the chain's ${onChain} (Liquidated logged ${logged})`);
    }
    w.store.save(bobT.key, remainder, recomputed);
    const bobAfter = await traderFor(w, bob);
    console.log(`    remainder: ${d.assets.map((x) => tokens(remainder.amounts[x.slot]!, x.decimals, x.symbol)).join(", ")} (its commitment, hashed here, matches the chain's: ${recomputed.toString().slice(0, 12)}…)`);
    const weth = remainder.amounts[WETH]!;
    if (weth > 0n) record("Bob withdraws his remainder", await bobAfter.withdraw(WETH, weth));
  }

  step(15, "Alice renews her lapsed lease at the new regime; Carol does not");
  record("Alice renews after the regime change", await (await traderFor(w, alice)).renewLease());

  step(16, "The grace period passes: the keeper force-closes Carol at the mark, and Carol settles her debt from her basket");
  await elapse(w, DEV_LEASE.grace + 1n);
  await nextEpoch(w);
  const later = await daemon.tick();
  for (const f of later.forceClosed) {
    console.log(`    keeper force-closed ${f.account.slice(0, 10)}…: gas ${f.gasUsed.toLocaleString("en-US")}`);
    rows.push(["keeper force-closes Carol", "-", f.gasUsed.toLocaleString("en-US"), "-"]);
  }
  const pending = await d.engine.settlementOf(await carol.getAddress());
  console.log(`    Carol's pending settlement: ${tokens(BigInt(pending.basketDelta), 6, "USDC")} (her keeper's bond, up to its draw cap, then the insurance fund advanced any loss to the pool)`);
  if (BigInt(pending.basketDelta) !== 0n) record("Carol settles", await carolT.settle());

  step(17, "What each party learned");
  console.log("    the chain: positions, every delta (deposits, withdrawals, PnL, seizures), commitments, lease epochs; never a basket");
  console.log(`    the keeper: the openings of the ${daemon.snapshot.accounts.size} accounts that name it, and nothing of others`);
  console.log("    each owner: its own opening (and, after a liquidation, its remainder, recomputed alone)");
}

await main();
// The auditor's checks verify proofs in this process: stop snarkjs's curve threads so the demo exits.
await terminateCurves();
