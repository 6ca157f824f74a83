/**
 * Accounts and notes: `notes absorb --leaf N` (the account absorbs one of the wallet's notes into
 * its basket, at the note's slot) and `notes emit --asset --amount [--to pz1...]` (the account emits
 * a note out of its basket, by default to the wallet itself). Both are account updates proved like
 * the trader's (library `Trader.absorbNote` / `Trader.emitNote`, opening store `--store`), with the
 * slot and the amount private: the engine logs delta 0, and no token moves (the engine holds the
 * pool's tokens).
 */
import type { Signer } from "ethers";
import { formatUnits, notes, type ActionReport, type Trader } from "../../prover/src/index.js";
import type { Chain } from "../chain/connect.js";
import { basketLine, checkEpoch, checkTakeOut, positiveAmount, report, send, tokenBySymbol, withTrader } from "../trader/account.js";
import { UsageError } from "../usage.js";
import { queuedLeaves, rescan, shieldedAddress, withWallet } from "./pool.js";
import { tokenOfSlot, type NotesContext, type NotesOptions } from "./wallet.js";

/**
 * Opens the note wallet (scanned) and runs `check` on it (the command's own input checks, before the
 * account's), then opens the chain wallet's trader and runs `body`; closes everything.
 */
async function withNoteAccount<T>(
  opts: NotesOptions,
  circuit: string,
  check: (ctx: NotesContext, w: notes.NoteWallet) => Promise<T>,
  body: (trader: Trader, c: Chain & { signer: Signer }, ctx: NotesContext, w: notes.NoteWallet, checked: T) => Promise<number>,
): Promise<number> {
  return withWallet(opts, true, async (ctx, w) => {
    const checked = await check(ctx, w);
    return withTrader(opts, (c, trader) => body(trader, c, ctx, w, checked), [circuit]);
  });
}

function leafIndex(value: string | undefined): number {
  if (value === undefined) throw new UsageError("--leaf is required (the note's leaf index, from 'plimsoll notes list')");
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`--leaf must be a leaf index (0, 1, ...), got ${JSON.stringify(value)}`);
  return Number(value);
}

export async function absorb(opts: NotesOptions): Promise<number> {
  const leaf = leafIndex(opts.leaf);
  const check = async (ctx: NotesContext, w: notes.NoteWallet) => {
    const note = w.notes({ includeSpent: true }).find((n) => n.leafIndex === leaf);
    if (note === undefined) throw new UsageError(`--leaf ${leaf}: the wallet has no note there ('plimsoll notes list' shows its notes)`);
    const t = tokenOfSlot(ctx.c, note.slot);
    const what = `the note of ${formatUnits(note.amount, t.decimals)} ${t.symbol} at leaf ${leaf}`;
    if (note.spent) throw new UsageError(`--leaf ${leaf}: ${what} is spent`);
    if (!note.inTree) throw new UsageError(`--leaf ${leaf}: ${what} is waiting for its batch to be inserted (run 'plimsoll notes flush')`);
    return { note, t, what };
  };
  return withNoteAccount(opts, notes.ABSORB_CIRCUIT, check, async (trader, c, ctx, w, { note, t, what }) => {
    checkEpoch(await trader.view());
    const r = await send("absorb", () => trader.absorbNote({ note, spendingSecret: ctx.keys.spendingSecret, tree: w.tree }));
    const receipt = await c.provider.getTransactionReceipt(r.txHash);
    if (receipt !== null) await rescan(w, ctx.c, receipt);
    report(opts, c, r, {
      asset: t.symbol, amount: formatUnits(note.amount, t.decimals), leaf, basket: basketLine(c, trader.opening),
      summary: `absorbed ${what} into the account; basket: ${basketLine(c, trader.opening)}`,
    });
    return 0;
  });
}

export async function emit(opts: NotesOptions): Promise<number> {
  const check = async (ctx: NotesContext, w: notes.NoteWallet) => {
    const t = tokenBySymbol(ctx.c, opts.asset);
    return { t, amount: positiveAmount(t, opts.amount, "emit"), to: opts.to === undefined ? w.address : await shieldedAddress(opts.to) };
  };
  return withNoteAccount(opts, notes.EMIT_CIRCUIT, check, async (trader, c, ctx, w, { t, amount, to }) => {
    await checkTakeOut(trader, t, amount, "emit");
    const s = w.planShield(t.slot, amount, to);
    const r: ActionReport & { noteCommitment: bigint } = await send("emit", () => trader.emitNote(s.note, s.encrypted));
    const receipt = await c.provider.getTransactionReceipt(r.txHash);
    const [leaf] = receipt === null ? [] : queuedLeaves(ctx.pool, receipt);
    if (receipt !== null) await rescan(w, ctx.c, receipt);
    const self = notes.encodeAddress(to) === notes.encodeAddress(w.address);
    report(opts, c, r, {
      asset: t.symbol, amount: formatUnits(amount, t.decimals), leaf, to: notes.encodeAddress(to), self, noteCommitment: r.noteCommitment, basket: basketLine(c, trader.opening),
      summary: `emitted a note of ${formatUnits(amount, t.decimals)} ${t.symbol} at leaf ${leaf}${self ? " to this wallet" : ""} (spendable once its batch is inserted); basket: ${basketLine(c, trader.opening)}`,
    });
    return 0;
  });
}
