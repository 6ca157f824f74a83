/**
 * `plimsoll basket create`: a private basket opening.
 *
 * Without --file it writes the opening every new account starts from on the chain: the empty
 * basket with blinding 0, whose commitment is the engine's empty commitment, so that the first
 * `prove update --deposit` (or `plimsoll deposit`) is provable. With --file it commits to the given
 * amounts with a fresh random blinding: an off-chain opening (no engine holds its commitment) for
 * proving statements about a basket without a chain.
 */
import { isAddress } from "ethers";
import { commitmentOf, emptyOpening, initPoseidon, N_ASSETS, parseBasket, randomBlinding, type AccountOpening } from "../../prover/src/index.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { openingJson, pretty, readJson, registry, writeOpening, type TraderOptions } from "./common.js";

export const BASKET_CREATE_HELP = `Usage: plimsoll basket create --owner <address> [--file <basket.json>] [--out <opening.json>] [--force] [--assets <registry.json>] [--json]

Without --file: writes the opening a new account starts from on the chain, the empty basket with
blinding 0 (its commitment is the engine's empty commitment); prove deposits into it with
'plimsoll prove update --deposit' (or use 'plimsoll deposit', which keeps openings itself).
With --file: reads { "amounts": { "<SYMBOL>": "<whole tokens>", ... } } and commits to those
amounts (all ${N_ASSETS} slots, base units) with a fresh random blinding: an off-chain opening that no
engine holds, for proofs without a chain.
  --owner    the account's address, bound into the commitment (required)
  --file     basket JSON (default: the empty basket, blinding 0)
  --out      where to write the opening (default: print it). An existing file is never replaced
             unless --force, and then it is first copied to <out>.bak-<time>
  --force    replace an existing --out after a backup
  --assets   asset registry JSON [{ "symbol", "slot", "decimals" }] (default: the development registry USDC/WETH/WBTC)
  --json     machine-readable output`;

async function basketCreate(opts: TraderOptions): Promise<number> {
  if (opts.owner === undefined || !isAddress(opts.owner)) throw new UsageError("--owner must be an Ethereum address");
  const owner = BigInt(opts.owner);
  let opening: AccountOpening;
  if (opts.file === undefined) opening = emptyOpening(owner);
  else {
    const assets = registry(opts);
    opening = { owner, amounts: parseBasket(readJson(opts.file, "file"), assets), blinding: randomBlinding() };
  }
  const h = await initPoseidon();
  const doc: Record<string, unknown> = { ...openingJson(opening, commitmentOf(h, opening)), onChainStart: opts.file === undefined };
  const backup = opts.out === undefined ? undefined : writeOpening(opts.out, doc, "--out", opts.force);
  if (opts.json || opts.out === undefined) console.log(pretty(opts.out === undefined ? doc : { ...doc, out: opts.out, backup: backup ?? null }));
  else {
    console.log(`opening written to ${opts.out} (commitment ${String(doc["commitment"])})${backup === undefined ? "" : `; the previous file was kept as ${backup}`}`);
    if (opts.file !== undefined) process.stderr.write("note: this opening has a random blinding and is off-chain: an account on the engine starts from the empty opening ('basket create' without --file)\n");
  }
  return 0;
}

export const basketCommands: Record<string, Command<TraderOptions>> = {
  "basket create": { help: BASKET_CREATE_HELP, run: basketCreate },
};
