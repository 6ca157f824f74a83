/** `plimsoll basket create`: a private basket opening (amounts + random blinding) from a JSON file. */
import { isAddress } from "ethers";
import { commitmentOf, initPoseidon, N_ASSETS, parseBasket, randomBlinding, type AccountOpening } from "../../prover/src/index.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { openingJson, pretty, readJson, registry, writeJson, type TraderOptions } from "./common.js";

export const BASKET_CREATE_HELP = `Usage: plimsoll basket create --file <basket.json> --owner <address> [--out <opening.json>] [--assets <registry.json>] [--json]

Reads { "amounts": { "<SYMBOL>": "<whole tokens>", ... } } and writes the opening:
base-unit amounts for all ${N_ASSETS} slots, a fresh random blinding and the commitment.
  --file     basket JSON (required)
  --owner    the account's address, bound into the commitment (required)
  --out      where to write the opening (default: print it)
  --assets   asset registry JSON [{ "symbol", "slot", "decimals" }] (default: the development registry USDC/WETH/WBTC)
  --json     machine-readable output`;

async function basketCreate(opts: TraderOptions): Promise<number> {
  const assets = registry(opts);
  const amounts = parseBasket(readJson(opts.file, "file"), assets);
  if (opts.owner === undefined || !isAddress(opts.owner)) throw new UsageError("--owner must be an Ethereum address");
  const h = await initPoseidon();
  const opening: AccountOpening = { owner: BigInt(opts.owner), amounts, blinding: randomBlinding() };
  const doc = openingJson(opening, commitmentOf(h, opening));
  if (opts.out !== undefined) writeJson(opts.out, doc);
  if (opts.json || opts.out === undefined) console.log(pretty(doc));
  else console.log(`opening written to ${opts.out} (commitment ${String(doc.commitment)})`);
  return 0;
}

export const basketCommands: Record<string, Command<TraderOptions>> = {
  "basket create": { help: BASKET_CREATE_HELP, run: basketCreate },
};
