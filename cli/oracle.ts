/**
 * `plimsoll oracle status|poke` (anyone) and `plimsoll dev mint|advance` (development world only:
 * mint mock tokens, move a development node's clock and refresh the mock price sources).
 */
import { Contract } from "ethers";
import { formatUnits, parseUnits, WAD, type TokenContract } from "../prover/src/index.js";
import { CHAIN_HELP, CHAIN_OPTIONS, openChain, openChainWithSigner, type Chain, type ChainFlags } from "./chain/connect.js";
import { abiOf, explainChainError } from "./chain/contracts.js";
import { printJson, runGroup, type CommandGroup, type OptionValues } from "./command.js";
import { UsageError } from "./usage.js";

export const ORACLE_SUMMARY = `  oracle status    The oracle's current epoch: age, prices, haircuts, market ratios
  oracle poke      Close a new oracle epoch (permissionless; once per grid step)
  dev mint         Mint development tokens (development deployments only)
  dev advance      Move a development node's clock and refresh the mock price sources`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  asset: { type: "string" },
  amount: { type: "string" },
  to: { type: "string" },
  seconds: { type: "string" },
  price: { type: "string", multiple: true },
  ...CHAIN_OPTIONS,
} as const;

type Options = OptionValues<typeof OPTIONS> & { price?: string };

const HELP: Record<string, string> = {
  "oracle status": `Usage: plimsoll oracle status [--deployment <file>] [--rpc <url>] [--json]

Prints the oracle's current epoch (number, timestamp, age, whether the engine still accepts it),
the price regime, each asset's median price, bounded mark, haircuts and state (live, frozen,
cooling off), each market's mark and margin ratios.
${CHAIN_HELP}`,
  "oracle poke": `Usage: plimsoll oracle poke [--deployment <file>] [--rpc <url>] [--key <hex> | --account <n>] [--json]

Calls the oracle's permissionless poke(): closes a new epoch when a new grid step has begun
(otherwise nothing changes and the command says so, exit 0).
${CHAIN_HELP}`,
  "dev mint": `Usage: plimsoll dev mint --asset <SYMBOL> --amount <tokens> [--to <address>] [chain options] [--json]

DEVELOPMENT deployments only: mints mock tokens (to the wallet, or --to).
${CHAIN_HELP}`,
  "dev advance": `Usage: plimsoll dev advance --seconds <n> [--price SYMBOL=<usd>]... [chain options] [--json]

DEVELOPMENT nodes only (evm_increaseTime): moves the clock by --seconds, mines a block, and feeds
every mock price source its price (changed with --price WETH=2500) at the new time, so that
'plimsoll oracle poke' can close the next epoch.
${CHAIN_HELP}`,
};

const bps = (wad: bigint): string => `${(Number((wad * 10000n) / WAD) / 100).toFixed(2)}%`;

async function epochInfo(c: Chain): Promise<Record<string, unknown>> {
  const epoch = BigInt(await c.oracle.currentEpoch());
  const info = await c.oracle.epoch(epoch);
  const now = BigInt((await c.provider.getBlock("latest"))!.timestamp);
  const maxAge = BigInt(await c.engine.maxEpochAge());
  const assets = await Promise.all(c.d.tokens.map(async (t) => {
    const [price, mark, [hIM, hMM], [frozen, coolingOff]] = await Promise.all([c.oracle.price(t.slot), c.oracle.assetMark(t.slot), c.oracle.haircuts(t.slot), c.oracle.riskState(t.slot)]);
    // The median is the latest observation; margin and seizures use the bounded mark (README, "Prices, marks").
    const state = frozen ? "frozen" : BigInt(coolingOff) > 0n ? `cooling off (${coolingOff} sample(s) left)` : "live";
    return { symbol: t.symbol, slot: t.slot, price: formatUnits(BigInt(price), 8), mark: formatUnits(BigInt(mark), 8), state, haircutInitial: bps(BigInt(hIM)), haircutMaintenance: bps(BigInt(hMM)) };
  }));
  const markets = await Promise.all(c.d.markets.map(async (m) => {
    const [mark, [im, mm]] = await Promise.all([c.oracle.markPrice(m.id), c.oracle.marketRatios(m.id)]);
    return { symbol: m.symbol, id: m.id, mark: formatUnits(BigInt(mark), 8), initialRatio: bps(BigInt(im)), maintenanceRatio: bps(BigInt(mm)) };
  }));
  const timestamp = BigInt(info.timestamp);
  return { epoch, timestamp, ageSeconds: now - timestamp, usable: epoch > 0n && now - timestamp <= maxAge, maxEpochAge: maxAge, regime: BigInt(await c.oracle.currentRegime()), assets, markets };
}

async function status(opts: Options): Promise<number> {
  const c = await openChain(opts as ChainFlags);
  try {
    const s = await epochInfo(c);
    if (opts.json) printJson(s, 2);
    else {
      console.log(`epoch ${s.epoch} at ${new Date(Number(s.timestamp) * 1000).toISOString()} (${s.ageSeconds} s old; ${s.usable ? "current" : `STALE: older than ${s.maxEpochAge} s, run 'plimsoll oracle poke'`}), regime ${s.regime}`);
      for (const a of s.assets as { symbol: string; price: string; mark: string; state: string; haircutInitial: string; haircutMaintenance: string }[]) {
        console.log(`  ${a.symbol.padEnd(6)} median $${a.price.padEnd(14)} mark $${a.mark.padEnd(14)} haircut ${a.haircutInitial} initial, ${a.haircutMaintenance} maintenance, ${a.state}`);
      }
      for (const m of s.markets as { symbol: string; mark: string; initialRatio: string; maintenanceRatio: string }[]) console.log(`  ${m.symbol.padEnd(9)} mark $${m.mark.padEnd(12)} margin ${m.initialRatio} initial, ${m.maintenanceRatio} maintenance`);
    }
    return 0;
  } finally {
    c.close();
  }
}

async function poke(opts: Options): Promise<number> {
  const c = await openChainWithSigner(opts as ChainFlags);
  try {
    const before = BigInt(await c.oracle.currentEpoch());
    let receipt;
    try {
      receipt = await (await c.oracle.poke()).wait();
    } catch (err) {
      throw new Error(`poke failed: ${explainChainError(err)}`);
    }
    const after = BigInt(await c.oracle.currentEpoch());
    const result = { sampled: after > before, epoch: after, txHash: receipt!.hash, gasUsed: receipt!.gasUsed };
    if (opts.json) printJson(result, 2);
    else console.log(result.sampled ? `epoch ${after} closed (gas ${receipt!.gasUsed})` : `no new grid step yet: epoch ${after} stays current (gas ${receipt!.gasUsed})`);
    return 0;
  } finally {
    c.close();
  }
}

function devOnly(c: Chain): void {
  if (!c.d.development) throw new UsageError("this deployment is not a development world: its tokens and prices are real");
}

async function mint(opts: Options): Promise<number> {
  const c = await openChainWithSigner(opts as ChainFlags);
  try {
    devOnly(c);
    if (opts.asset === undefined) throw new UsageError("--asset is required (a symbol: " + c.d.tokens.map((t) => t.symbol).join(", ") + ")");
    const t = c.d.tokens.find((x) => x.symbol === opts.asset);
    if (t === undefined) throw new UsageError(`--asset: unknown asset ${JSON.stringify(opts.asset)}; known: ${c.d.tokens.map((x) => x.symbol).join(", ")}`);
    const amount = parseUnits(opts.amount, t.decimals, "--amount");
    if (amount === 0n) throw new UsageError("--amount must be above 0");
    const to = opts.to ?? (await c.signer.getAddress());
    const token = c.token(t.slot) as TokenContract;
    await (await token.mint(to, amount)).wait();
    const balance = BigInt(await token.balanceOf(to));
    if (opts.json) printJson({ asset: t.symbol, to, amount: formatUnits(amount, t.decimals), balance: formatUnits(balance, t.decimals) }, 2);
    else console.log(`minted ${formatUnits(amount, t.decimals)} ${t.symbol} to ${to} (balance ${formatUnits(balance, t.decimals)} ${t.symbol})`);
    return 0;
  } finally {
    c.close();
  }
}

async function advance(opts: Options): Promise<number> {
  const c = await openChainWithSigner(opts as ChainFlags);
  try {
    devOnly(c);
    if (opts.seconds === undefined || !/^[0-9]+$/.test(opts.seconds)) throw new UsageError("--seconds must be a non-negative integer");
    const changes = new Map<number, bigint>();
    for (const spec of (opts.price as unknown as string[] | undefined) ?? []) {
      const m = /^([^=]+)=(.+)$/.exec(spec);
      if (m === null) throw new UsageError(`--price must look like SYMBOL=<usd>, got ${JSON.stringify(spec)}`);
      const t = c.d.tokens.find((x) => x.symbol === m[1]);
      if (t === undefined) throw new UsageError(`--price: unknown asset ${JSON.stringify(m[1])}`);
      if (changes.has(t.slot)) throw new UsageError(`--price: ${t.symbol} is given twice`);
      const p = parseUnits(m[2], 8, `--price ${t.symbol}`);
      if (p === 0n) throw new UsageError(`--price ${t.symbol} must be above 0`);
      changes.set(t.slot, p);
    }
    try {
      await c.provider.send("evm_increaseTime", [Number(opts.seconds)]);
      await c.provider.send("evm_mine", []);
    } catch {
      throw new Error("the node refused evm_increaseTime: 'dev advance' needs a development node such as 'npx hardhat node'");
    }
    const now = BigInt((await c.provider.getBlock("latest"))!.timestamp);
    const prices: Record<string, string> = {};
    for (const [slot, row] of c.d.feeds.entries()) {
      const symbol = c.d.tokens.find((t) => t.slot === slot)!.symbol;
      const first = new Contract(row[0]!, abiOf("MockAggregator"), c.signer);
      const price = changes.get(slot) ?? BigInt((await first.getFunction("latestRoundData")())[1]);
      for (const f of row) await (await new Contract(f, abiOf("MockAggregator"), c.signer).getFunction("setAnswer")(price, now)).wait();
      prices[symbol] = formatUnits(price, 8);
    }
    if (opts.json) printJson({ timestamp: now, prices }, 2);
    else console.log(`clock at ${new Date(Number(now) * 1000).toISOString()}; sources fed ${Object.entries(prices).map(([s, p]) => `${s} $${p}`).join(", ")}`);
    return 0;
  } finally {
    c.close();
  }
}

function group(word: "oracle" | "dev"): CommandGroup<typeof OPTIONS> {
  const all: Record<string, (o: Options) => Promise<number>> = { "oracle status": status, "oracle poke": poke, "dev mint": mint, "dev advance": advance };
  const commands = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(`${word} `)).map(([k, run]) => [k.slice(word.length + 1), { help: HELP[k]!, run: run as (o: OptionValues<typeof OPTIONS>) => Promise<number> }]));
  return {
    prefix: `plimsoll ${word}`,
    commandPrefix: `${word} `,
    help: `plimsoll ${word}\n\nUsage: plimsoll ${word} <${Object.keys(commands).join("|")}> [options]\n\n${ORACLE_SUMMARY.split("\n").filter((l) => l.includes(`${word} `)).join("\n")}\n\nRun 'plimsoll ${word} <command> --help' for its options. Every command accepts --json.`,
    options: OPTIONS,
    commands,
    helpCommand: `plimsoll ${word} --help`,
  };
}

/** Runs `plimsoll oracle ...` or `plimsoll dev ...` (argv after the group word). */
export function runOracle(word: "oracle" | "dev", argv: string[]): Promise<number> {
  return runGroup(group(word), argv);
}
