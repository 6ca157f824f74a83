/**
 * `npm run demo`: Plimsoll end to end on an in-process Hardhat network with development keys.
 *
 * Deploys the governance-free oracle, the margin engine, its perp market and the generated
 * verifier; feeds prices; then a trader with a private basket of USDC (6 decimals), WETH (18)
 * and WBTC (8) deposits, opens a long and a short at initial margin, and renews the lease at
 * maintenance margin after a price move. Every step is a real Groth16 proof verified on-chain;
 * the demo prints its proving time and gas, and what the chain holds.
 */
import { network } from "hardhat";
import type { Signer } from "ethers";
import { initPoseidon } from "../prover/src/poseidon.js";
import { accountCommitment } from "../prover/src/encoding.js";
import type { ActionReport } from "../prover/src/trader.js";
import { createWorld, fund, nextEpoch, seedPool, traderFor } from "./lib/world.js";
import { readKeyMetadata } from "./lib/metadata.js";
import { pct, price8, table, tokens, usd } from "./lib/format.js";

if (process.argv.includes("--help")) {
  console.log(`Usage: npm run demo

Runs the whole trader flow on an in-process Hardhat network (no node to start, no RPC URL):
deploy, feed prices, deposit three assets, open a long and a short, move the price, renew the lease.
Uses the keys from 'npm run build' (development keys, not for production).`);
  process.exit(0);
}

const USDC = 0, WETH = 1, WBTC = 2;
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

    console.log("\nSummary");
    console.log(table(["action", "proving", "gas", "requirement"], rows));
  } finally {
    await w.prover.close();
  }
}

await main();
