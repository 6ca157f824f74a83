/**
 * Step 5 of a keeper tick: take what the liquidator is credited. The engine pays liquidators by
 * credit (pull payments: a liquidation moves no token to its liquidator); `claim(slot, to)` sends one
 * slot's credit. Every asset slot is read each tick, so a claim that failed (a token that refused the
 * transfer) is tried again on the next tick, and credits from before the daemon started are taken too.
 */
import type { DaemonCore } from "./core.js";
import type { TickReport } from "./report.js";
import { revertReason } from "./revert.js";

/** Claims the liquidator's credit in every asset slot that holds one; a failed claim is reported (the credit stays). */
export async function claimCredits(core: DaemonCore, report: TickReport): Promise<void> {
  const engine = core.c.engine.connect(core.o.signer) as typeof core.c.engine;
  const credits = await Promise.all(Array.from({ length: core.c.assetCount }, async (_, asset) => BigInt(await core.c.engine.claimableOf(core.c.liquidator, asset))));
  for (const [asset, amount] of credits.entries()) {
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
