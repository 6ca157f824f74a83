/**
 * Issue 8, section 5: a scripted observer tries to break the privacy of shielded collateral. Several
 * users shield different amounts, their accounts absorb the notes, trade, emit notes, and one note is
 * unshielded to a fresh address through a relayer. The observer reads every event, every byte of
 * calldata and every storage word each transaction writes (debug_traceTransaction), reconstructs each
 * account's basket from the public deltas, and tries to link the unshield to an account.
 *
 * Asserted: no absorbed or emitted amount appears anywhere on-chain in those steps, their public record
 * is the same whatever the slot, and the reconstruction differs from the real baskets; for contrast, an
 * account funded by plain deposits is reconstructed exactly. Shared with the demo: `observe` below.
 */
import { expect } from "chai";
import { Wallet, type Signer, type TransactionReceipt } from "ethers";
import { network } from "hardhat";
import { Prover } from "../../prover/src/prover.js";
import type { Trader } from "../../prover/src/trader.js";
import { encryptedStruct, proveJoinSplit, spendOf, type NoteWallet } from "../../prover/src/notes/index.js";
import { createWorld, fund, seedPool, type World } from "../../scripts/lib/world.js";
import { BTC_PERP, e18, e6, traderAt, USDC, WETH } from "../contracts/helpers.js";
import { flush, newWallet, poolOf, shieldFor } from "./engineNotes.js";

const { ethers } = await network.create();
const prover = new Prover();

/** Everything an observer sees of one transaction: its calldata, its logs and the storage words it wrote. */
interface Observed {
  hash: string;
  bytes: string[];
}

async function observe(hash: string): Promise<Observed> {
  const tx = (await ethers.provider.getTransaction(hash))!;
  const rc = (await ethers.provider.getTransactionReceipt(hash)) as TransactionReceipt;
  const bytes: string[] = [tx.data.toLowerCase()];
  for (const l of rc.logs) bytes.push(l.data.toLowerCase(), ...l.topics.map((t) => t.toLowerCase()));
  const trace = (await ethers.provider.send("debug_traceTransaction", [hash, {}])) as { structLogs: { op: string; storage?: Record<string, string> }[] };
  for (const step of trace.structLogs) if (step.op === "SSTORE" && step.storage) for (const v of Object.values(step.storage)) bytes.push(v.toLowerCase());
  return { hash, bytes };
}

/** The big-endian encodings an amount can take on-chain: a 32-byte word, a packed uint96, a uint128. */
function encodings(amount: bigint): string[] {
  const hex = amount.toString(16);
  return [hex.padStart(64, "0"), hex.padStart(24, "0"), hex.padStart(32, "0")];
}

function appearsIn(o: Observed, amount: bigint): boolean {
  return encodings(amount).some((e) => o.bytes.some((b) => b.includes(e)));
}

/** The observer's reconstruction: per account and slot, the sum of the public deltas of AccountUpdated. */
async function reconstruct(w: World, accounts: string[]): Promise<Map<string, bigint[]>> {
  const engine = w.d.engine;
  const logs = await engine.queryFilter(engine.filters.AccountUpdated!(), 0);
  const out = new Map(accounts.map((a) => [a.toLowerCase(), new Array<bigint>(w.d.assets.length).fill(0n)]));
  for (const l of logs) {
    const args = (l as unknown as { args: { account: string; asset: bigint; delta: bigint } }).args;
    const row = out.get(args.account.toLowerCase());
    if (row !== undefined) row[Number(args.asset)]! += BigInt(args.delta);
  }
  return out;
}

describe("Privacy of shielded collateral: an observer of every event, calldata and storage write", function () {
  after(async function () {
    await prover.close();
  });

  it("cannot find an absorbed or emitted amount or slot, cannot rebuild the baskets, and sees only PnL", async function () {
    this.timeout(600_000);
    const w = await createWorld(ethers, { prover });
    const [, lp, u1, u2, u3, plain, relayer] = (await ethers.getSigners()) as Signer[];
    await seedPool(w, lp!, 1_000_000n * e6);
    const users = [u1!, u2!, u3!];
    const wallets: NoteWallet[] = [];
    for (let i = 0; i < 3; i++) wallets.push(await newWallet(w));
    // Shields: public, from the users' own addresses (amounts chosen to be distinct and searchable).
    const shields: [number, number, bigint][] = [[0, USDC, 3_141_592_653n], [1, WETH, 1_414_213_562_373_095_048n], [2, USDC, 2_718_281_828n], [2, WETH, 577_215_664_901_532_860n]];
    for (const [u, slot, amount] of shields) await shieldFor(w, users[u]!, wallets[u]!, slot, amount);
    await flush(w, wallets[0]!, relayer!, prover);
    for (const wal of wallets) await wal.scan(ethers.provider);

    // Each account absorbs its notes; one trades; one emits a note to its own wallet.
    const traders: Trader[] = [];
    const private_: Observed[] = [];
    const secretAmounts: bigint[] = [];
    for (let u = 0; u < 3; u++) {
      const t = await traderAt(w, users[u]!);
      traders.push(t);
      for (const note of wallets[u]!.notes()) {
        const r = await t.absorbNote({ note, spendingSecret: wallets[u]!.keys.spendingSecret, tree: wallets[u]!.tree });
        private_.push(await observe(r.txHash));
        secretAmounts.push(note.amount);
      }
    }
    await traders[0]!.trade(BTC_PERP, e18 / 100n);
    const emitted = 1_234_567_891n;
    const s = wallets[0]!.planShield(USDC, emitted);
    const er = await traders[0]!.emitNote(s.note, s.encrypted);
    private_.push(await observe(er.txHash));
    secretAmounts.push(emitted);
    // For contrast: an account funded by plain deposits.
    await fund(w, plain!, new Map([[USDC, 5_000n * e6], [WETH, 3n * e18]]));
    const p = await traderAt(w, plain!);
    await p.deposit(USDC, 5_000n * e6);
    await p.deposit(WETH, 3n * e18);

    // 1. No absorbed or emitted amount appears in any calldata, log or storage write of those steps.
    for (const o of private_) for (const a of secretAmounts) expect(appearsIn(o, a), `${a} in ${o.hash}`).to.equal(false);
    // The observer's method works: the same search finds a plain deposit's amount, and a shield's.
    const depositTx = (await w.d.engine.queryFilter(w.d.engine.filters.AccountUpdated!(await plain!.getAddress()), 0)).at(-1)!;
    expect(appearsIn(await observe(depositTx.transactionHash), 3n * e18)).to.equal(true);

    // 2. The public record of an absorb or an emit does not depend on the slot or the amount: the same
    //    events, the same calldata length, asset 0 and delta 0 in AccountUpdated.
    const shapes = await Promise.all(private_.map(async (o) => {
      const rc = (await ethers.provider.getTransactionReceipt(o.hash))!;
      const tx = (await ethers.provider.getTransaction(o.hash))!;
      const names = rc.logs.map((l) => { try { return w.d.engine.interface.parseLog(l)?.name ?? poolOf(w).interface.parseLog(l)?.name; } catch { return poolOf(w).interface.parseLog(l)?.name; } });
      const upd = rc.logs.map((l) => { try { return w.d.engine.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "AccountUpdated")!;
      expect(upd.args.asset).to.equal(0n);
      expect(upd.args.delta).to.equal(0n);
      return `${tx.data.slice(0, 10)}:${(tx.data.length - 2) / 2}:${names.join(",")}`;
    }));
    const absorbShapes = new Set(shapes.slice(0, shields.length));
    expect(absorbShapes.size, "absorbs of USDC and WETH notes look alike").to.equal(1);

    // 3. The observer's reconstruction from public deltas is not the baskets (it sees realised PnL only);
    //    the plain account's is exact.
    const all = [...users, plain!];
    const guess = await reconstruct(w, await Promise.all(all.map((u) => u.getAddress())));
    for (let u = 0; u < 3; u++) {
      const real = traders[u]!.opening.amounts.slice(0, w.d.assets.length);
      const seen = guess.get((await users[u]!.getAddress()).toLowerCase())!;
      expect(seen, `account ${u}`).to.not.deep.equal(real);
      expect(seen.slice(1).every((x) => x === 0n), "only the settlement slot (PnL) can be non-zero").to.equal(true);
    }
    expect(guess.get((await plain!.getAddress()).toLowerCase())).to.deep.equal(p.opening.amounts.slice(0, w.d.assets.length));

    // 4. The emitted note leaves the pool to a fresh address through a relayer: the unshield names
    //    neither the account nor the emitted note's commitment or leaf.
    await flush(w, wallets[0]!, relayer!, prover);
    const recipient = Wallet.createRandom().address;
    const spend = wallets[0]!.planUnshield({ slot: USDC, amount: emitted, recipient, relayer: await relayer!.getAddress(), fee: 1_000_000n });
    const { proof } = await proveJoinSplit(prover, spend.plan);
    const tx = await poolOf(w).connect(relayer!).unshield(proof, spendOf(spend.plan), USDC, emitted, recipient, await relayer!.getAddress(), 1_000_000n, [encryptedStruct(spend.encrypted[0]), encryptedStruct(spend.encrypted[1])]);
    const o = await observe(tx.hash);
    const account = (await users[0]!.getAddress()).slice(2).toLowerCase();
    expect(o.bytes.some((b) => b.includes(account)), "the account's address").to.equal(false);
    expect(o.bytes.some((b) => b.includes(er.noteCommitment.toString(16).padStart(64, "0"))), "the emitted commitment").to.equal(false);
    expect((await ethers.provider.getTransaction(tx.hash))!.from).to.equal(await relayer!.getAddress());
    // The anonymity set the observer is left with: every note in the tree at the proof's root.
    const [, , , nextBatch] = await poolOf(w).queueState();
    console.log(`      observer: ${shields.length} absorbs and 1 emit show no slot or amount; the unshield hides among the notes of ${nextBatch} inserted batch(es)`);
  });
});
