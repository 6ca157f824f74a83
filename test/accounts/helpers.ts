/**
 * Shared by the sub-account suites: create an owner's sub-account through the factory, and a `Trader`
 * that acts for it (its own opening store, the keeper it names).
 */
import type { Contract, Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineContract } from "../../prover/src/contracts.js";
import type { KeeperTarget } from "../../prover/src/keeperNote/index.js";
import { OpeningStore } from "../../prover/src/store.js";
import { subAccountAddress } from "../../prover/src/subAccounts.js";
import { Trader } from "../../prover/src/trader.js";
import { ACCOUNT_UPDATE_ARTIFACTS, type World } from "../../scripts/lib/world.js";

/** `owner` creates its sub-account `index` on the world's factory; returns its address and the creation's gas. */
export async function createSub(w: World, owner: Signer, index: bigint, factory: Contract = w.d.subAccountFactory): Promise<{ address: string; gasUsed: bigint }> {
  const f = factory.connect(owner) as Contract;
  const rc = await (await f.getFunction("create")(index)).wait();
  const address = subAccountAddress(await factory.getAddress(), await factory.getFunction("implementation")(), await owner.getAddress(), index);
  return { address, gasUsed: rc!.gasUsed };
}

/** A `Trader` for sub-account `account` of `owner`, with a store of its own unless given. */
export function subTrader(w: World, owner: Signer, account: string | undefined, opts: { store?: OpeningStore; keeper?: KeeperTarget } = {}): Promise<Trader> {
  return Trader.load({
    engine: w.d.engine.connect(owner) as EngineContract,
    oracle: w.d.oracle,
    signer: owner,
    prover: w.prover,
    artifacts: ACCOUNT_UPDATE_ARTIFACTS,
    store: opts.store ?? new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-sub-tests-"))),
    keeper: opts.keeper ?? { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey },
    ...(account === undefined ? {} : { account }),
  });
}
