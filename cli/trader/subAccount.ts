/** The CLI's view of the wallet's sub-accounts (contracts/accounts/): the `--sub` index and the factory. */
import type { Contract, Signer } from "ethers";
import { MAX_SUB_ACCOUNT_INDEX, subAccountFactory } from "../../prover/src/index.js";
import type { Chain } from "../chain/connect.js";
import { UsageError } from "../usage.js";

/** A sub-account index given as `--sub` (or another flag): 0 to 2^32 - 1. */
export function subIndex(value: string, flag = "--sub"): bigint {
  if (!/^[0-9]+$/.test(value) || BigInt(value) > MAX_SUB_ACCOUNT_INDEX) throw new UsageError(`${flag} must be a sub-account index (0 to ${MAX_SUB_ACCOUNT_INDEX}), got ${JSON.stringify(value)}`);
  return BigInt(value);
}

/** The deployment's sub-account factory, or a usage error saying to deploy again. */
export function factoryOf(c: Chain & { signer?: Signer }): Contract {
  const f = c.d.contracts.subAccountFactory;
  if (f === undefined) throw new UsageError("the deployment file has no subAccountFactory (it predates sub-accounts): deploy again with 'plimsoll deploy --force'");
  return subAccountFactory(f, c.signer ?? c.provider);
}

/** The address of `owner`'s sub-account `index`, which must exist. */
export async function existingSub(c: Chain, owner: string, index: bigint, flag = "--sub"): Promise<string> {
  const address = String(await factoryOf(c).getFunction("subAccountOf")(owner, index));
  if ((await c.provider.getCode(address)) === "0x") throw new UsageError(`${flag} ${index}: the wallet ${owner} has no sub-account ${index} (create it with 'plimsoll sub create --index ${index}'; 'plimsoll sub list' shows them)`);
  return address;
}
