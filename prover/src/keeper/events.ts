/**
 * Step 1 of a keeper tick: the engine's events. A `KeeperNoteSent` to this keeper is decrypted
 * (nonce = its epoch; the opening must open the note's commitment for the account) and becomes the
 * account's opening; a note that does not decrypt is logged and skipped; a note to another keeper
 * is ignored (and unwatches an account that named this keeper before); a `Liquidated`,
 * `PartiallyLiquidated` (its delta added to the settlement slot) or `FrozenSeized` turns the opening
 * into its remainder.
 */
import { getAddress, type Log, type LogDescription } from "ethers";
import { commitmentOf } from "../account.js";
import { shortNumber } from "../format.js";
import { decryptOpening, InvalidCiphertextError } from "../keeperNote/index.js";
import { remainderOpening, type Seizure } from "../liquidation/witness.js";
import type { DaemonCore } from "./core.js";
import type { TickReport } from "./report.js";
import type { WatchedAccount } from "./state.js";

/** Reads the engine's KeeperNoteSent and Liquidated logs of blocks fromBlock..toBlock (inclusive), in order. */
export async function scanLogs(core: DaemonCore, fromBlock: number, toBlock: number, report: TickReport): Promise<void> {
  core.emit("debug", "scan", `scanning blocks ${fromBlock}..${toBlock}`, { fromBlock, toBlock });
  const logs = await core.c.provider.getLogs({
    address: core.c.engineAddress,
    topics: [[core.c.noteTopic, core.c.liquidatedTopic, core.c.partialTopic, core.c.seizedTopic]],
    fromBlock,
    toBlock,
  });
  const ordered = [...logs].filter((l) => !l.removed).sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  for (const log of ordered) {
    let parsed: LogDescription | null = null;
    try {
      parsed = core.c.engine.interface.parseLog(log);
    } catch (err) {
      core.emit("warn", "log.unreadable", `skipped an engine log that does not decode (${(err as Error).message})`, { txHash: log.transactionHash, block: log.blockNumber });
      continue;
    }
    if (parsed?.name === "KeeperNoteSent") onNote(core, parsed, log, report);
    else if (parsed?.name === "Liquidated" || parsed?.name === "FrozenSeized") onLiquidated(core, parsed, log, 0n);
    else if (parsed?.name === "PartiallyLiquidated") onLiquidated(core, parsed, log, BigInt(parsed.args.basketDelta));
  }
}

/** A note: decrypted when it is this keeper's, else (re)assigned to another keeper. */
function onNote(core: DaemonCore, ev: LogDescription, log: Log, report: TickReport): void {
  const account = getAddress(ev.args.account as string);
  const keeperId = BigInt(ev.args.keeperId);
  const commitment = BigInt(ev.args.commitment);
  const where = { txHash: log.transactionHash, block: log.blockNumber, keeperId };
  if (keeperId !== core.o.keeperId) {
    report.notes.foreign++;
    if (core.state.accounts.delete(account)) {
      core.evaluated.delete(account);
      core.emit("info", "note.reassigned", `the account now names keeper ${keeperId}: no longer watched`, { account, ...where });
    } else {
      core.emit("debug", "note.foreign", `note for keeper ${keeperId}, not ours (${core.o.keeperId}): ignored`, { account, ...where });
    }
    return;
  }
  let opening: WatchedAccount["opening"] = null;
  try {
    const ephemeralKey = (ev.args.ephemeralKey as readonly bigint[]).map(BigInt);
    const d = decryptOpening(core.c.crypto.hx, core.c.crypto.babyjub, {
      keeperPrivateKey: core.o.keeperPrivateKey,
      ephemeralKey: [ephemeralKey[0]!, ephemeralKey[1]!],
      ciphertext: (ev.args.ciphertext as readonly bigint[]).map(BigInt),
      nonce: BigInt(ev.args.epoch),
      owner: BigInt(account),
      commitment,
    });
    opening = { amounts: d.amounts, blinding: d.blinding };
    report.notes.decrypted++;
    core.emit("info", "note.decrypted", `decrypted the opening of commitment ${shortNumber(commitment)}`, { account, commitment, epoch: BigInt(ev.args.epoch), ...where });
  } catch (err) {
    // Never a crash: a note that does not decrypt is logged and the opening marked unknown.
    report.notes.invalid++;
    const reason = err instanceof InvalidCiphertextError ? err.message : `not a valid opening: ${(err as Error).message}`;
    core.emit("warn", "note.invalid", `${reason} (skipped)`, { account, commitment, ...where });
  }
  core.state.accounts.set(account, { commitment, opening, keeperId, lastNoteBlock: log.blockNumber });
}

/** A liquidation (full or partial) or seizure of a watched account: its opening becomes the remainder. */
function onLiquidated(core: DaemonCore, ev: LogDescription, log: Log, delta: bigint): void {
  const account = getAddress(ev.args.account as string);
  const watched = core.state.accounts.get(account);
  const liquidator = getAddress((ev.name === "FrozenSeized" ? ev.args.keeper : ev.args.liquidator) as string);
  const where = { txHash: log.transactionHash, block: log.blockNumber, liquidator };
  if (watched === undefined) {
    core.emit("debug", "liquidated.other", `liquidated by ${liquidator} (not an account of ours)`, { account, ...where });
    return;
  }
  const remainderCommitment = BigInt(ev.args.remainderCommitment);
  const both: Seizure[] = [
    { index: Number(ev.args.indexA), amount: BigInt(ev.args.amountA) },
    { index: Number(ev.args.indexB), amount: BigInt(ev.args.amountB) },
  ];
  // A delta moves the second seizure's slot, so both stay; otherwise zero amounts are dropped.
  const seizures = delta !== 0n ? both : both.filter((s) => s.amount > 0n);
  const by = liquidator === core.c.liquidator ? "by us" : `by ${liquidator}`;
  if (watched.opening !== null) {
    try {
      const r = remainderOpening(core.c.crypto.hx, { owner: BigInt(account), ...watched.opening }, seizures, delta);
      if (commitmentOf(core.c.crypto.hx, r) !== remainderCommitment) throw new Error("the remainder does not open the stored remainder commitment");
      watched.opening = { amounts: r.amounts, blinding: r.blinding };
      core.emit("info", "liquidated", `liquidated ${by}: remainder opening recomputed`, { account, remainderCommitment, seizures, ...where });
    } catch (err) {
      watched.opening = null;
      core.emit("warn", "liquidated", `liquidated ${by}, but ${(err as Error).message}: waiting for the next note`, { account, ...where });
    }
  } else {
    core.emit("info", "liquidated", `liquidated ${by} (opening unknown)`, { account, ...where });
  }
  watched.commitment = remainderCommitment;
}
