/**
 * Shielded notes on a full Plimsoll world (scripts/lib/world.ts): wallets on the world's pool, shields
 * and batch insertions with real proofs. Shared by the suites where accounts absorb and emit notes.
 */
import type { Signer } from "ethers";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBabyJub } from "../../prover/src/babyjub.js";
import { initPoseidonEx } from "../../prover/src/poseidon.js";
import type { Prover } from "../../prover/src/prover.js";
import { NoteWallet, encryptedStruct, proveBatchInsert, randomNoteKeys, type NoteKeys } from "../../prover/src/notes/index.js";
import type { ShieldedPool } from "../../types/ethers-contracts/index.js";
import type { World } from "../../scripts/lib/world.js";
import { fundFor } from "../contracts/helpers.js";

/** The world's pool, typed. */
export function poolOf(w: World): ShieldedPool {
  return w.d.shieldedPool as unknown as ShieldedPool;
}

/** A new wallet store (in a fresh temporary folder) on the world's pool; random keys unless given. */
export async function newWallet(w: World, keys?: NoteKeys): Promise<NoteWallet> {
  const k = keys ?? randomNoteKeys(await initPoseidonEx(), await getBabyJub());
  const chainId = (await w.ethers.provider.getNetwork()).chainId;
  const path = join(mkdtempSync(join(tmpdir(), "plimsoll-wallet-")), "wallet.json");
  return NoteWallet.create({ keys: k, path, chainId, pool: await w.d.shieldedPool.getAddress() });
}

/** `who` mints and shields `amount` of `slot` into a note for `wallet`; returns the transaction's gas. */
export async function shieldFor(w: World, who: Signer, wallet: NoteWallet, slot: number, amount: bigint): Promise<bigint> {
  const pool = poolOf(w);
  await fundFor(w, await pool.getAddress(), who, new Map([[slot, amount]]));
  const s = wallet.planShield(slot, amount);
  const rc = await (await pool.connect(who).shield(slot, amount, s.inner, encryptedStruct(s.encrypted))).wait();
  return rc!.gasUsed;
}

/** Scans, proves and submits the next batch insertion (from `who`), and scans again; returns its gas. */
export async function flush(w: World, wallet: NoteWallet, who: Signer, prover: Prover): Promise<bigint> {
  await wallet.scan(w.ethers.provider);
  const plan = wallet.planBatchInsert();
  if (plan === undefined) throw new Error("nothing to flush");
  const { proof } = await proveBatchInsert(prover, plan);
  const rc = await (await poolOf(w).connect(who).insertBatch(plan.newRoot, plan.count, proof)).wait();
  await wallet.scan(w.ethers.provider);
  return rc!.gasUsed;
}

/**
 * A copy of `wallet` in a fresh store: after `loadFixture` reverts the chain, a wallet that scanned
 * later blocks is ahead of it, so each test takes its own copy of the fixture's wallet.
 */
export async function copyWallet(wallet: NoteWallet): Promise<NoteWallet> {
  const path = join(mkdtempSync(join(tmpdir(), "plimsoll-wallet-")), "wallet.json");
  copyFileSync(wallet.path, path);
  return NoteWallet.open({ keys: wallet.keys, path });
}
