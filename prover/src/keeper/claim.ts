/**
 * Step 5 of a keeper tick: take what this tick's liquidations and seizures credited the liquidator.
 * The engine pays liquidators by credit (pull payments: a liquidation moves no token to its
 * liquidator); `claim(slot, to)` sends one slot's credit. Every slot seized this tick is claimed, and
 * the settlement slot (seized settlement tokens beyond the payment are credited there).
 */
import type { DaemonCore } from "./core.js";
import type { TickReport } from "./report.js";
import { revertReason } from "./revert.js";

/** Claims the liquidator's credit in every slot this tick seized from; a failed claim is reported (the credit stays). */
export async function claimCredits(core: DaemonCore, report: TickReport): Promise<void> {
  const seized = [...report.liquidations, ...report.seized].flatMap((x) => x.seizures.filter((s) => s.amount > 0n).map((s) => s.index));
  if (seized.length === 0) return;
  const slots = [...new Set([core.c.settlementSlot, ...seized])].sort((a, b) => a - b);
  const engine = core.c.engine.connect(core.o.signer) as typeof core.c.engine;
  for (const asset of slots) {
    const amount = BigInt(await core.c.engine.claimableOf(core.c.liquidator, asset));
    if (amount === 0n) continue;
    try {
      const receipt = await (await engine.claim(asset, core.c.liquidator)).wait();
      report.claimed.push({ asset, amount, txHash: receipt.hash, gasUsed: receipt.gasUsed });
      core.emit("info", "claim", `claimed ${amount} of slot ${asset} (gas ${receipt.gasUsed})`, { asset, amount, txHash: receipt.hash, gasUsed: receipt.gasUsed });
    } catch (err) {
      const reason = revertReason(err, core.c.engine.interface);
      report.failures.push({ account: core.c.liquidator, action: "claim", reason });
      core.emit("warn", "claim.failed", `claim of slot ${asset} failed: ${reason}`, { asset, amount });
    }
  }
}
