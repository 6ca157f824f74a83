/**
 * The demo's shielded-collateral step: a second trader funds its account through notes (shielded from
 * an unrelated address, absorbed with the slot and amount private), trades, and emits a note; then the
 * demo prints what an observer rebuilds from the public deltas of each trader.
 */
import type { Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBabyJub, initPoseidonEx, notes, type ActionReport, type TokenContract } from "../../prover/src/index.js";
import { traderFor, type World } from "./world.js";
import type { ShieldedPool } from "../../types/ethers-contracts/index.js";
import { tokens } from "./format.js";

/** Sum of the public deltas of AccountUpdated per slot: what anyone rebuilds of `account`'s basket. */
export async function observedBasket(w: World, account: string): Promise<bigint[]> {
  const out = new Array<bigint>(w.d.assets.length).fill(0n);
  for (const l of await w.d.engine.queryFilter(w.d.engine.filters.AccountUpdated!(account), 0)) {
    const a = (l as unknown as { args: { asset: bigint; delta: bigint } }).args;
    out[Number(a.asset)]! += BigInt(a.delta);
  }
  return out;
}

const show = (w: World, amounts: readonly bigint[]): string =>
  w.d.assets.map((a) => tokens(amounts[a.slot]!, a.decimals, a.symbol)).join(", ");

/**
 * Runs the step; `plainTrader` is the demo's first trader (funded by plain deposits). `record` receives
 * each proved update for the summary table.
 */
export async function runNotesDemo(
  w: World,
  s: { trader: Signer; shielder: Signer; inserter: Signer; plainTrader: string; plainOpening: readonly bigint[] },
  record: (label: string, r: ActionReport) => void,
): Promise<void> {
  const { NoteWallet, encryptedStruct, proveBatchInsert, randomNoteKeys } = notes;
  const h = await initPoseidonEx();
  const pool = w.d.shieldedPool as unknown as ShieldedPool;
  const chainId = (await w.ethers.provider.getNetwork()).chainId;
  const wallet = await NoteWallet.create({ keys: randomNoteKeys(h, await getBabyJub()), path: join(mkdtempSync(join(tmpdir(), "plimsoll-demo-wallet-")), "wallet.json"), chainId, pool: await pool.getAddress() });
  const shields: [number, bigint][] = [[0, 12_000n * 10n ** 6n], [1, 3n * 10n ** 18n]];
  for (const [slot, amount] of shields) {
    const t = w.d.tokens[slot]!.connect(s.shielder) as TokenContract;
    await (await t.mint(await s.shielder.getAddress(), amount)).wait();
    await (await t.approve(await pool.getAddress(), amount)).wait();
    const p = wallet.planShield(slot, amount);
    await (await pool.connect(s.shielder).shield(slot, amount, p.inner, encryptedStruct(p.encrypted))).wait();
    console.log(`  shield ${tokens(amount, w.d.assets[slot]!.decimals, w.d.assets[slot]!.symbol)} into a note (public: this step shows the amount)`);
  }
  await wallet.scan(w.ethers.provider);
  const plan = wallet.planBatchInsert()!;
  const batch = await proveBatchInsert(w.prover, plan);
  const rc = await (await pool.connect(s.inserter).insertBatch(plan.newRoot, plan.count, batch.proof)).wait();
  console.log(`    batch of ${plan.count} notes inserted (proved in ${batch.ms} ms, gas ${rc!.gasUsed.toLocaleString("en-US")})`);
  await wallet.scan(w.ethers.provider);

  const trader = await traderFor(w, s.trader);
  for (const note of wallet.notes()) {
    console.log(`  absorb a note into the account (slot and amount private)`);
    record("absorb a note", await trader.absorbNote({ note, spendingSecret: wallet.keys.spendingSecret, tree: wallet.tree }));
  }
  console.log("  short 0.2 ETH-PERP");
  record("open short ETH-PERP", await trader.trade(0, -(10n ** 17n) * 2n));
  const out = wallet.planShield(0, 2_500n * 10n ** 6n);
  console.log("  emit a note out of the basket (at initial margin, slot and amount private)");
  record("emit a note", await trader.emitNote(out.note, out.encrypted));

  const queued = (await pool.queryFilter(pool.filters.NoteQueued())).length;
  console.log("\n    What an observer rebuilds from the public deltas (AccountUpdated):");
  console.log(`      plain deposits: ${show(w, await observedBasket(w, s.plainTrader))}`);
  console.log(`        real basket:  ${show(w, s.plainOpening)}  (the deltas give it exactly, up to PnL)`);
  console.log(`      through notes:  ${show(w, await observedBasket(w, trader.key.owner))}  (realised PnL only)`);
  console.log(`        real basket:  ${show(w, trader.opening.amounts)}`);
  console.log(`      the absorbed notes hide among the ${queued} notes the pool has queued so far (the anonymity set: it grows with every note of every user)`);
}
