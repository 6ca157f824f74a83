/** Step 3 of a keeper tick: force-close every watched account whose lease expired. */
import { LeaseStatus } from "../contracts.js";
import type { KeeperEngineContract } from "./chainView.js";
import type { DaemonCore } from "./core.js";
import type { TickReport } from "./report.js";
import { revertReason } from "./revert.js";

/** Force-closes every watched account whose lease is Expired. */
export async function forceCloseExpired(core: DaemonCore, report: TickReport): Promise<void> {
  for (const account of [...core.state.accounts.keys()]) {
    let status: bigint;
    try {
      status = BigInt((await core.c.engine.leaseOf(account))[0]);
    } catch (err) {
      core.emit("error", "lease.failed", `could not read the lease: ${revertReason(err, core.c.engine.interface)}`, { account });
      continue;
    }
    if (status !== LeaseStatus.Expired) continue;
    core.emit("info", "forceClose", "lease expired: force-closing", { account });
    try {
      const engine = core.c.engine.connect(core.o.signer) as KeeperEngineContract;
      const receipt = await (await engine.forceClose(account)).wait();
      if (receipt === null || receipt.status !== 1) throw new Error("the force-close transaction failed");
      report.forceClosed.push({ account, txHash: receipt.hash, gasUsed: receipt.gasUsed });
      core.emit("info", "forceClose", `force-closed (gas ${receipt.gasUsed})`, { account, txHash: receipt.hash, gasUsed: receipt.gasUsed });
      core.said.delete(`${account}:forceClose.failed`);
    } catch (err) {
      const reason = revertReason(err, core.c.engine.interface);
      report.failures.push({ account, action: "forceClose", reason });
      core.say("warn", "forceClose.failed", account, `force-close failed: ${reason}`);
    }
  }
}
