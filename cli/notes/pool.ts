/**
 * The pool's commands: `notes init`, `address`, `scan`, `list`, `shield`, `transfer`, `unshield`,
 * `flush`. Each command that changes state scans the pool's events first, so the wallet (its tree,
 * its notes, which are spent) is current, and again after its transaction.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAddress, ZeroAddress, type Contract, type ContractTransactionResponse, type TransactionReceipt } from "ethers";
import { formatUnits, notes, parseUnits, Prover, type TokenContract } from "../../prover/src/index.js";
import type { Chain } from "../chain/connect.js";
import { explainChainError } from "../chain/contracts.js";
import type { DeployedToken } from "../chain/deployment.js";
import { printJson } from "../command.js";
import { checkArtifacts, positiveAmount, tokenBySymbol } from "../trader/account.js";
import { UsageError } from "../usage.js";
import {
  balanceLine,
  balances,
  noteCrypto,
  noteView,
  openWallet,
  prepareWalletFolder,
  tokens,
  type NotesContext,
  type NotesOptions,
  withNotes,
} from "./wallet.js";

/** Progress on stderr (not with --json, as the trader's commands). */
export function progress(opts: NotesOptions, line: string): void {
  if (!opts.json) process.stderr.write(`${line}\n`);
}

/** Runs `body` on an open notes context and wallet; closes the chain after. */
export function withWallet<T>(opts: NotesOptions, signer: boolean, body: (ctx: NotesContext, w: notes.NoteWallet) => Promise<T>): Promise<T> {
  return withNotes(opts, { signer }, async (ctx) => {
    const w = await openWallet(ctx);
    await w.scan(ctx.c.provider);
    return body(ctx, w);
  });
}

/** A shielded address given as `--to`. */
export async function shieldedAddress(value: string | undefined, flag = "--to"): Promise<notes.ShieldedAddress> {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required (a shielded address: pz1 and 192 hex digits, from 'plimsoll notes address')`);
  try {
    return notes.decodeAddress((await noteCrypto()).bj, value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** Sends a transaction and waits for it; a revert is one line naming the contract's error. */
export async function sendTx(what: string, f: () => Promise<ContractTransactionResponse>): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  try {
    const tx = await f();
    receipt = await tx.wait();
  } catch (err) {
    throw new Error(`${what} failed: ${explainChainError(err)}`);
  }
  if (receipt === null || receipt.status !== 1) throw new Error(`${what} failed: the transaction reverted`);
  return receipt;
}

/**
 * Scans up to (at least) the block of `receipt`, so that the wallet sees the transaction's events:
 * the provider may answer the head it read a moment ago (ethers keeps a result for 250 ms).
 */
export async function rescan(w: notes.NoteWallet, c: Chain, receipt: { blockNumber: number }): Promise<void> {
  await w.scan(c.provider, Math.max(receipt.blockNumber, await c.provider.getBlockNumber()));
}

/** The leaf indices of the notes a transaction queued in the pool. */
export function queuedLeaves(pool: Contract, receipt: TransactionReceipt): number[] {
  const address = pool.target.toString().toLowerCase();
  const out: number[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const ev = pool.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (ev?.name === "NoteQueued") out.push(Number(ev.args.leafIndex));
  }
  return out;
}

/**
 * Checks the wallet can pay `amount` of `t` in one spend (at most two notes already in the tree),
 * with the shortfall in tokens; the library would refuse it too, in base units.
 */
function checkSpendable(w: notes.NoteWallet, t: DeployedToken, amount: bigint, what: string): void {
  const fmt = (x: bigint): string => `${formatUnits(x, t.decimals)} ${t.symbol}`;
  const spendable = w.notes({ slot: t.slot }).filter((n) => n.inTree).map((n) => n.amount).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const total = spendable.reduce((s, x) => s + x, 0n);
  const waiting = w.balance(t.slot) - total;
  if (total < amount) {
    throw new UsageError(`${what} of ${fmt(amount)}: the wallet holds only ${fmt(total)} spendable${waiting > 0n ? `, and ${fmt(waiting)} waiting for its batch to be inserted (run 'plimsoll notes flush')` : ""}`);
  }
  const two = (spendable[0] ?? 0n) + (spendable[1] ?? 0n);
  if (two < amount) {
    throw new UsageError(`${what} of ${fmt(amount)}: a spend takes at most two notes and the largest two hold ${fmt(two)}; merge notes first (a transfer to your own address)`);
  }
}

/** Proves a join-split with a fresh prover process (progress on stderr). */
async function proveSpend(opts: NotesOptions, spend: notes.PlannedSpend): Promise<notes.ProvedCall> {
  checkArtifacts(notes.JOIN_SPLIT_CIRCUIT);
  const prover = new Prover();
  try {
    progress(opts, `proving the join-split (${spend.spends.length} input note(s))...`);
    const p = await notes.proveJoinSplit(prover, spend.plan);
    progress(opts, `proved in ${p.ms} ms`);
    return p;
  } finally {
    await prover.close();
  }
}

/** The output of a transaction that changed the wallet. */
function done(opts: NotesOptions, c: Chain, w: notes.NoteWallet, out: Record<string, unknown> & { summary: string }, receipt: TransactionReceipt): number {
  const { summary, ...rest } = out;
  const doc = { ...rest, txHash: receipt.hash, gasUsed: receipt.gasUsed, balances: balances(c, w) };
  if (opts.json) printJson(doc, 2);
  else console.log(`${summary} (gas ${receipt.gasUsed}, tx ${receipt.hash})\nbalances: ${balanceLine(c, w)}`);
  return 0;
}

// ------------------------------------------------------------------------------------------------

export async function init(opts: NotesOptions): Promise<number> {
  if (opts.wallet !== undefined && existsSync(opts.wallet)) throw new UsageError(`--wallet ${opts.wallet}: a note wallet already exists there; refusing to overwrite it (it holds the openings of its notes)`);
  return withNotes(opts, { signer: false, createSeed: true }, async (ctx) => {
    if (existsSync(ctx.path)) throw new UsageError(`--wallet ${ctx.path}: the note wallet of the ${ctx.from} already exists; refusing to overwrite it (it holds the openings of its notes)`);
    prepareWalletFolder(ctx.path);
    let w: notes.NoteWallet;
    try {
      w = await notes.NoteWallet.create({ keys: ctx.keys, path: ctx.path, chainId: ctx.c.chainId, pool: await ctx.pool.getAddress(), fromBlock: ctx.c.d.deployBlock });
    } catch (err) {
      if ((err as Error).name === "NoteStoreConflictError") throw new UsageError(`--wallet ${ctx.path}: ${(err as Error).message}`);
      throw err;
    }
    const doc = { wallet: ctx.path, address: notes.encodeAddress(w.address), keysFrom: ctx.from, seedCreated: ctx.seedCreated, pool: w.pool, chainId: w.chainId, fromBlock: ctx.c.d.deployBlock };
    if (opts.json) printJson(doc, 2);
    else {
      if (ctx.seedCreated) process.stderr.write(`wrote a new seed to ${opts.seed ?? process.env.PLIMSOLL_NOTES_SEED} (mode 0600): it is the spending key of this wallet, back it up\n`);
      console.log(`note wallet created at ${ctx.path} (keys from the ${ctx.from})\naddress ${doc.address}`);
    }
    return 0;
  });
}

export function address(opts: NotesOptions): Promise<number> {
  return withNotes(opts, { signer: false }, async (ctx) => {
    const k = ctx.keys;
    const doc: Record<string, unknown> = { address: notes.encodeAddress(k), ownerKey: k.ownerKey, viewingKey: k.viewingKey, keysFrom: ctx.from };
    if (opts["show-secrets"]) {
      process.stderr.write("WARNING: the spending secret spends every note of this wallet; the viewing secret reads them. Never share the spending secret.\n");
      Object.assign(doc, { spendingSecret: k.spendingSecret, viewingSecret: k.viewingSecret });
    }
    if (opts.json) printJson(doc, 2);
    else {
      console.log(doc.address);
      if (opts["show-secrets"]) console.log(`spending secret ${k.spendingSecret}\nviewing secret  ${k.viewingSecret}`);
    }
    return 0;
  });
}

export function scan(opts: NotesOptions): Promise<number> {
  return withNotes(opts, { signer: false }, async (ctx) => {
    const w = await openWallet(ctx);
    const r = await w.scan(ctx.c.provider);
    const c = ctx.c;
    const doc = { wallet: ctx.path, fromBlock: r.fromBlock, toBlock: r.toBlock, received: r.received.map((n) => noteView(c, n)), spent: r.spent.map((n) => noteView(c, n)), batches: r.batches, balances: balances(c, w) };
    if (opts.json) printJson(doc, 2);
    else {
      console.log(r.fromBlock > r.toBlock ? `up to date at block ${r.toBlock}` : `scanned blocks ${r.fromBlock}..${r.toBlock}: ${r.received.length} note(s) received, ${r.spent.length} spent, ${r.batches} batch(es) inserted`);
      for (const n of doc.received) console.log(`  received ${n.amount} ${n.asset} at leaf ${n.leaf} (${n.status})`);
      for (const n of doc.spent) console.log(`  spent    ${n.amount} ${n.asset} at leaf ${n.leaf}`);
      console.log(`balances: ${balanceLine(c, w)}`);
    }
    return 0;
  });
}

export async function list(opts: NotesOptions): Promise<number> {
  return withWallet(opts, false, async (ctx, w) => {
    const c = ctx.c;
    const rows = w.notes({ includeSpent: opts.all === true }).map((n) => noteView(c, n));
    const doc = { wallet: ctx.path, address: notes.encodeAddress(w.address), scannedBlock: w.scannedBlock, notes: rows, balances: balances(c, w) };
    if (opts.json) printJson(doc, 2);
    else {
      console.log(`note wallet ${ctx.path}, scanned to block ${w.scannedBlock}`);
      if (rows.length === 0) console.log(opts.all ? "  no notes" : "  no unspent notes");
      else {
        console.log(`  ${"leaf".padEnd(6)} ${"asset".padEnd(6)} ${"amount".padEnd(22)} status`);
        for (const n of rows) console.log(`  ${String(n.leaf).padEnd(6)} ${n.asset.padEnd(6)} ${n.amount.padEnd(22)} ${n.status}`);
      }
      console.log(`balances: ${balanceLine(c, w)}`);
    }
    return 0;
  });
}

export async function shield(opts: NotesOptions): Promise<number> {
  return withWallet(opts, true, async (ctx, w) => {
    const c = ctx.c;
    const t = tokenBySymbol(c, opts.asset);
    const amount = positiveAmount(t, opts.amount, "shield");
    const to = opts.to === undefined ? w.address : await shieldedAddress(opts.to);
    const signer = c.signer!;
    const owner = await signer.getAddress();
    const token = c.token(t.slot).connect(signer) as TokenContract;
    const balance = BigInt(await token.balanceOf(owner));
    if (balance < amount) throw new UsageError(`shield of ${tokens(c, t.slot, amount)}: ${owner} holds only ${tokens(c, t.slot, balance)}`);
    const poolAddress = await ctx.pool.getAddress();
    if (BigInt(await token.getFunction("allowance")(owner, poolAddress)) < amount) {
      progress(opts, `approving the pool for ${tokens(c, t.slot, amount)}...`);
      await sendTx("approve", () => token.approve(poolAddress, amount));
    }
    const s = w.planShield(t.slot, amount, to);
    const receipt = await sendTx("shield", () => ctx.pool.getFunction("shield")(t.slot, amount, s.inner, notes.encryptedStruct(s.encrypted)));
    const [leaf] = queuedLeaves(ctx.pool, receipt);
    await rescan(w, c, receipt);
    const self = opts.to === undefined || notes.encodeAddress(to) === notes.encodeAddress(w.address);
    return done(opts, c, w, {
      action: "shield", asset: t.symbol, amount: formatUnits(amount, t.decimals), leaf, to: notes.encodeAddress(to), self,
      summary: `shielded ${tokens(c, t.slot, amount)} into a note at leaf ${leaf}${self ? "" : " for another wallet"}; spendable once its batch is inserted ('plimsoll notes flush', or 16 notes)`,
    }, receipt);
  });
}

export async function transfer(opts: NotesOptions): Promise<number> {
  return withWallet(opts, true, async (ctx, w) => {
    const c = ctx.c;
    const to = await shieldedAddress(opts.to);
    const t = tokenBySymbol(c, opts.asset);
    const amount = positiveAmount(t, opts.amount, "transfer");
    checkSpendable(w, t, amount, "transfer");
    const spend = w.planTransfer({ to, slot: t.slot, amount });
    const p = await proveSpend(opts, spend);
    const receipt = await sendTx("transfer", () => ctx.pool.getFunction("transfer")(p.proof, notes.spendOf(spend.plan), spend.encrypted.map(notes.encryptedStruct)));
    const leaves = queuedLeaves(ctx.pool, receipt);
    await rescan(w, c, receipt);
    const change = spend.outputs[1].amount;
    return done(opts, c, w, {
      action: "transfer", asset: t.symbol, amount: formatUnits(amount, t.decimals), to: notes.encodeAddress(to), spent: spend.spends.map((n) => n.leafIndex), leaves, change: formatUnits(change, t.decimals), proveMs: p.ms,
      summary: `sent ${tokens(c, t.slot, amount)} privately (notes at leaves ${leaves.join(", ")}; change ${tokens(c, t.slot, change)})`,
    }, receipt);
  });
}

function ethAddress(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required (an address, 0x and 40 hex digits)`);
  if (!isAddress(value)) throw new UsageError(`${flag} must be an address (0x and 40 hex digits), got ${JSON.stringify(value)}`);
  if (value.toLowerCase() === ZeroAddress) throw new UsageError(`${flag} must not be the zero address`);
  return value;
}

export async function unshield(opts: NotesOptions): Promise<number> {
  const recipient = ethAddress(opts.to, "--to");
  const relayer = opts.relayer === undefined ? undefined : ethAddress(opts.relayer, "--relayer");
  return withWallet(opts, true, async (ctx, w) => {
    const c = ctx.c;
    const t = tokenBySymbol(c, opts.asset);
    const amount = positiveAmount(t, opts.amount, "unshield");
    let fee = 0n;
    if (opts.fee !== undefined) {
      try {
        fee = parseUnits(opts.fee, t.decimals, `--fee ${t.symbol}`);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    if (fee > 0n && relayer === undefined) throw new UsageError("--fee needs --relayer (the address the fee is paid to)");
    if (fee > amount) throw new UsageError(`--fee ${tokens(c, t.slot, fee)} is more than --amount ${tokens(c, t.slot, amount)} (the fee comes out of the amount)`);
    checkSpendable(w, t, amount, "unshield");
    const spend = w.planUnshield({ slot: t.slot, amount, recipient, ...(relayer === undefined ? {} : { relayer }), fee });
    const p = await proveSpend(opts, spend);
    const receipt = await sendTx("unshield", () => ctx.pool.getFunction("unshield")(p.proof, notes.spendOf(spend.plan), t.slot, amount, recipient, relayer ?? ZeroAddress, fee, spend.encrypted.map(notes.encryptedStruct)));
    await rescan(w, c, receipt);
    const change = spend.outputs[1].amount;
    return done(opts, c, w, {
      action: "unshield", asset: t.symbol, amount: formatUnits(amount, t.decimals), recipient, received: formatUnits(amount - fee, t.decimals), relayer: relayer ?? null, fee: formatUnits(fee, t.decimals),
      spent: spend.spends.map((n) => n.leafIndex), change: formatUnits(change, t.decimals), proveMs: p.ms,
      summary: `unshielded ${tokens(c, t.slot, amount)}: ${tokens(c, t.slot, amount - fee)} to ${recipient}${fee > 0n ? `, ${tokens(c, t.slot, fee)} fee to ${relayer}` : ""}; change ${tokens(c, t.slot, change)}`,
    }, receipt);
  });
}

/** Errors after which a flush is planned again: another insertion or another note came first. */
const STALE_FLUSH = /^insertBatch failed: (BatchChanged|NothingToInsert|InvalidProof)\(/;

export async function flush(opts: NotesOptions): Promise<number> {
  checkArtifacts(notes.BATCH_INSERT_CIRCUIT);
  let temporary: string | undefined;
  try {
    return await withNotes(opts, { signer: true }, async (ctx) => {
      let w: notes.NoteWallet;
      if (opts.wallet === undefined && !existsSync(ctx.path)) {
        // Anyone may flush: without a wallet of its own, the tree is rebuilt in a throwaway store.
        temporary = mkdtempSync(join(tmpdir(), "plimsoll-flush-"));
        const { h, bj } = await noteCrypto();
        progress(opts, "no note wallet for these keys: rebuilding the pool's tree from its events...");
        w = await notes.NoteWallet.create({ keys: notes.randomNoteKeys(h, bj), path: join(temporary, "wallet.json"), chainId: ctx.c.chainId, pool: await ctx.pool.getAddress(), fromBlock: ctx.c.d.deployBlock });
      } else w = await openWallet(ctx);
      await w.scan(ctx.c.provider);
      return flushWith(opts, ctx, w, temporary === undefined);
    });
  } finally {
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
  }
}

async function flushWith(opts: NotesOptions, ctx: NotesContext, w: notes.NoteWallet, own: boolean): Promise<number> {
  const c = ctx.c;
  const inserted: { batchIndex: number; count: number; root: bigint; gasUsed: bigint; proveMs: number; txHash: string }[] = [];
  const prover = new Prover();
  try {
    let stale = 0;
    for (let plan = w.planBatchInsert(); plan !== undefined; plan = w.planBatchInsert()) {
      progress(opts, `proving the insertion of batch ${plan.batchIndex} (${plan.count} note(s))...`);
      const p = await notes.proveBatchInsert(prover, plan);
      const current = plan;
      let receipt: TransactionReceipt;
      try {
        receipt = await sendTx("insertBatch", () => ctx.pool.getFunction("insertBatch")(current.newRoot, current.count, p.proof));
      } catch (err) {
        // Someone queued a note or inserted a batch since the scan: scan and plan again (a few times).
        if (!STALE_FLUSH.test((err as Error).message) || ++stale > 3) throw err;
        progress(opts, `${(err as Error).message}; scanning and planning again...`);
        await w.scan(c.provider);
        continue;
      }
      inserted.push({ batchIndex: plan.batchIndex, count: plan.count, root: plan.newRoot, gasUsed: receipt.gasUsed, proveMs: p.ms, txHash: receipt.hash });
      await rescan(w, c, receipt);
    }
  } finally {
    await prover.close();
  }
  const doc = { inserted, balances: own ? balances(c, w) : null };
  if (opts.json) printJson(doc, 2);
  else {
    if (inserted.length === 0) console.log("nothing to flush: every queued note is in the tree");
    for (const b of inserted) console.log(`inserted batch ${b.batchIndex} (${b.count} note(s)): proof ${b.proveMs} ms, gas ${b.gasUsed}, tx ${b.txHash}`);
    if (own) console.log(`balances: ${balanceLine(c, w)}`);
  }
  return 0;
}
