/**
 * The library's sub-account flow with real proofs on the in-process network: one owner creates two
 * sub-accounts, deposits into A, trades in A, moves collateral from A to B privately (a note emitted by A
 * to the owner's note wallet, its batch inserted, absorbed by B) and withdraws from B. An observer of every
 * calldata byte, log and storage write of the move (as test/notes/privacy.test.ts) finds no amount.
 */
import { expect } from "chai";
import { type Contract, type Signer, type TransactionReceipt } from "ethers";
import { network } from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenContract } from "../../prover/src/contracts.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { OpeningStore } from "../../prover/src/store.js";
import { listSubAccounts, moveCollateral } from "../../prover/src/subAccounts.js";
import { createWorld, seedPool } from "../../scripts/lib/world.js";
import { Action, e18, e6, ETH_PERP, USDC, WETH } from "../contracts/helpers.js";
import { newWallet } from "../notes/engineNotes.js";
import { createSub, subTrader } from "./helpers.js";

const { ethers } = await network.create();
const prover = new Prover();
const h = await initPoseidon();

/** Every byte an observer sees of one transaction: calldata, logs, and the storage words it wrote. */
async function observed(hash: string): Promise<string[]> {
  const tx = (await ethers.provider.getTransaction(hash))!;
  const rc = (await ethers.provider.getTransactionReceipt(hash)) as TransactionReceipt;
  const bytes = [tx.data.toLowerCase()];
  for (const l of rc.logs) bytes.push(l.data.toLowerCase(), ...l.topics.map((t) => t.toLowerCase()));
  const trace = (await ethers.provider.send("debug_traceTransaction", [hash, {}])) as { structLogs: { op: string; storage?: Record<string, string> }[] };
  for (const step of trace.structLogs) if (step.op === "SSTORE" && step.storage) for (const v of Object.values(step.storage)) bytes.push(v.toLowerCase());
  return bytes;
}
const appears = (bytes: string[], amount: bigint): boolean => {
  const hex = amount.toString(16);
  return [hex.padStart(64, "0"), hex.padStart(24, "0"), hex.padStart(32, "0")].some((e) => bytes.some((b) => b.includes(e)));
};

describe("Sub-accounts through the library (real proofs)", function () {
  after(async function () {
    await prover.close();
  });

  it("two sub-accounts: deposit into A, trade in A, move collateral A -> B privately through a note, withdraw from B", async function () {
    this.timeout(900_000);
    const w = await createWorld(ethers, { prover });
    const [, lp, owner, , relayer] = (await ethers.getSigners()) as Signer[];
    await seedPool(w, lp!, 1_000_000n * e6);
    const o = await owner!.getAddress();
    const a = await createSub(w, owner!, 0n);
    const b = await createSub(w, owner!, 1n);
    expect((await listSubAccounts(w.d.subAccountFactory, o)).map((x) => [x.index, x.address])).to.deep.equal([[0n, a.address], [1n, b.address]]);
    // One store for both: each has its own file.
    const store = new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-sub-flow-")));
    const tA = await subTrader(w, owner!, a.address, { store });
    const tB = await subTrader(w, owner!, b.address, { store });
    expect(store.pathOf(tA.key)).to.not.equal(store.pathOf(tB.key));

    const usdc = w.d.tokens[USDC]!.connect(owner!) as TokenContract;
    const weth = w.d.tokens[WETH]!.connect(owner!) as TokenContract;
    await (await usdc.mint(o, 5_000n * e6)).wait();
    await (await weth.mint(o, e18)).wait();
    await (await usdc.approve(a.address, 5_000n * e6)).wait();
    await (await weth.approve(a.address, e18)).wait();
    await tA.deposit(USDC, 5_000n * e6);
    await tA.deposit(WETH, e18);
    expect(await usdc.balanceOf(o)).to.equal(0n);
    const trade = await tA.trade(ETH_PERP, e18);
    expect(trade.action).to.equal("trade");
    expect((await w.d.engine.positionOf(a.address, ETH_PERP)).size).to.equal(e18);

    // The move: 1,234.567891 USDC, an amount the observer can search for.
    const amount = 1_234_567_891n;
    const wallet = await newWallet(w);
    const pool = w.d.shieldedPool.connect(relayer!) as Contract;
    const usdcBefore = tA.opening.amounts[USDC]!;
    const move = await moveCollateral({ from: tA, to: tB, wallet, pool, prover, slot: USDC, amount });
    expect(move.insert).to.not.equal(undefined);
    expect(tA.opening.amounts[USDC]).to.equal(usdcBefore - amount);
    expect(tB.opening.amounts[USDC]).to.equal(amount);
    for (const t of [tA, tB]) {
      expect(await w.d.engine.commitmentOf(t.key.owner)).to.equal(accountCommitment(h, t.opening.amounts, t.opening.blinding, t.opening.owner));
    }
    // The engine logged the emit and the absorb with asset 0 and delta 0; no token moved.
    for (const [r, account, action] of [[move.emit, a.address, Action.EmitNote], [move.absorb, b.address, Action.AbsorbNote]] as const) {
      const rc = (await ethers.provider.getTransactionReceipt(r.txHash))!;
      const upd = rc.logs.map((l) => { try { return w.d.engine.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "AccountUpdated")!;
      expect([upd.args.account, upd.args.action, upd.args.asset, upd.args.delta]).to.deep.equal([account, action, 0n, 0n]);
      expect(rc.logs.some((l) => l.topics[0] === ethers.id("Transfer(address,address,uint256)"))).to.equal(false);
    }
    // An observer of every byte of the three transactions finds no amount; its method finds a deposit's.
    for (const hash of [move.emit.txHash, move.insert!.txHash, move.absorb.txHash]) expect(appears(await observed(hash), amount), hash).to.equal(false);
    const deposit = (await w.d.engine.queryFilter(w.d.engine.filters.AccountUpdated!(a.address, Action.Deposit), 0))[0]!;
    expect(appears(await observed(deposit.transactionHash), 5_000n * e6)).to.equal(true);

    // B, which holds no position, withdraws: the tokens reach the owner, none stay in the sub-account.
    const withdraw = await tB.withdraw(USDC, 1_000n * e6);
    expect(withdraw.action).to.equal("withdraw");
    expect(await usdc.balanceOf(o)).to.equal(1_000n * e6);
    expect(await usdc.balanceOf(b.address)).to.equal(0n);
    expect(tB.opening.amounts[USDC]).to.equal(amount - 1_000n * e6);
    // A fresh Trader on the same store finds each sub-account's own opening.
    expect((await subTrader(w, owner!, a.address, { store })).opening).to.deep.equal(tA.opening);
    expect((await subTrader(w, owner!, b.address, { store })).opening).to.deep.equal(tB.opening);
    console.log(`      move: emit ${move.emit.gasUsed} gas, batch insertion ${move.insert!.gasUsed} gas, absorb ${move.absorb.gasUsed} gas (proofs ${Math.round(move.emit.proveMs)} + ${move.insert!.proveMs} + ${Math.round(move.absorb.proveMs)} ms, under load)`);
  });

  it("refuses a sub-account the signer does not own, one with no code, and a move to the same account", async function () {
    this.timeout(300_000);
    const w = await createWorld(ethers, { prover });
    const [, , owner, other] = (await ethers.getSigners()) as Signer[];
    const a = await createSub(w, owner!, 0n);
    const unborn = await w.d.subAccountFactory.getFunction("subAccountOf")(await owner!.getAddress(), 5n);
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e.message);
    expect(await err(subTrader(w, other!, a.address))).to.equal(`account ${a.address} is a sub-account of ${await owner!.getAddress()}, not of the signer ${await other!.getAddress()}`);
    expect(await err(subTrader(w, owner!, unborn))).to.equal(`account ${unborn} has no code: create the sub-account first`);
    const tA = await subTrader(w, owner!, a.address);
    const wallet = await newWallet(w);
    expect(await err(moveCollateral({ from: tA, to: tA, wallet, pool: w.d.shieldedPool, prover, slot: USDC, amount: 1n }))).to.equal("from and to are the same account");
  });
});
