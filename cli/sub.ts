/**
 * `plimsoll sub`: the wallet's isolated sub-accounts (contracts/accounts/). Each is an engine account of
 * its own (commitment, positions, lease, keeper), created by the deployment's SubAccountFactory at an
 * address fixed by (wallet, index), and driven only by the wallet through its forwarder. Every trader
 * command takes `--sub <n>` to act for one; `sub move` moves collateral between two privately.
 *
 *   plimsoll sub create [--index n]                               a new sub-account (default: the next index)
 *   plimsoll sub list                                             the wallet's sub-accounts and their state
 *   plimsoll sub move --from a --to b --asset USDC --amount 100   a private move through a shielded note
 */
import { formatUnits, listSubAccounts, moveCollateral, notes, type MoveReport } from "../prover/src/index.js";
import { CHAIN_HELP, CHAIN_OPTIONS, openChainWithSigner } from "./chain/connect.js";
import { explainChainError } from "./chain/contracts.js";
import { isDirectRun, printJson, runGroup, type CommandGroup, type OptionValues } from "./command.js";
import { SEED_HELP, WALLET_HELP, type NotesOptions } from "./notes/wallet.js";
import { rescan, withWallet } from "./notes/pool.js";
import { basketLine, checkTakeOut, DEFAULT_STORE, loadTrader, positiveAmount, storeOf, tokenBySymbol, withTrader } from "./trader/account.js";
import { factoryOf, subIndex } from "./trader/subAccount.js";
import { UsageError } from "./usage.js";

export const SUB_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  index: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  asset: { type: "string" },
  amount: { type: "string" },
  store: { type: "string" },
  "keeper-id": { type: "string" },
  seed: { type: "string" },
  wallet: { type: "string" },
  ...CHAIN_OPTIONS,
} as const;

type SubOptions = OptionValues<typeof SUB_OPTIONS>;

/** One line per command, for the top-level `plimsoll --help`. */
export const SUB_SUMMARY = `  sub create       Create an isolated sub-account of the wallet (its own commitment, positions, lease, keeper)
  sub list         The wallet's sub-accounts: address, keeper, positions, lease
  sub move         Move collateral between two sub-accounts privately, through a shielded note`;

const STATUS_NAMES = ["inactive", "current", "lapsed", "expired"];

export const SUB_HELP_TEXT = `plimsoll sub — isolated sub-accounts

Usage: plimsoll sub <create|list|move> [options]

${SUB_SUMMARY}

A sub-account is an engine account of its own: a crash that liquidates one leaves the others
untouched. Inside one, everything is cross-margined. The trader commands (deposit, withdraw, trade,
renew, settle, account status, notes absorb, notes emit) act for sub-account n with --sub n.
Run 'plimsoll sub <command> --help' for its options. Every command accepts --json.`;

export const SUB_COMMAND_HELP: Record<string, string> = {
  create: `Usage: plimsoll sub create [--index <n>] [chain options] [--json]

Creates the wallet's sub-account --index through the deployment's SubAccountFactory: a minimal
contract (an EIP-1167 clone carrying the wallet's address) at an address fixed by (wallet, index)
that only the wallet can drive. It forwards the wallet's account calls to the engine, pulls deposits
from the wallet (approve the sub-account: 'plimsoll deposit --sub n' does it) and sends withdrawals on
to the wallet. It has no admin, no upgrade and no owner transfer. Prints its address.
  --index        the sub-account's index, 0 to ${2n ** 32n - 1n} (default: one more than the highest created, else 0)
${CHAIN_HELP}
  --json         machine-readable output`,
  list: `Usage: plimsoll sub list [chain options] [--json]

Lists the wallet's sub-accounts (from the factory's SubAccountCreated events): index, address, the
keeper each names, its open positions, its lease, and whether its opening is in the store.
  --store        opening store folder (default $PLIMSOLL_STORE or ${DEFAULT_STORE})
${CHAIN_HELP}
  --json         machine-readable output`,
  move: `Usage: plimsoll sub move --from <n> --to <n> --asset <SYMBOL|slot> --amount <tokens> [chain options] [--json]

Moves --amount of --asset from sub-account --from to sub-account --to without a public amount:
--from emits a shielded note to the wallet's note wallet (an account-update proof at initial margin:
what stays in --from must clear the initial requirement of its positions), the note's batch is
inserted into the pool's tree (a batch-insertion proof; anyone's queued notes go in with it), and
--to absorbs it (no requirement). The engine logs both updates with delta 0; no token moves. The
note wallet must exist ('plimsoll notes init'). Three proofs and three transactions.
  --from         the sub-account index to take from (required)
  --to           the sub-account index to move to (required, not --from)
  --asset        the token, by symbol or asset slot (required)
  --amount       whole tokens, e.g. 250.5 (required)
  --store        opening store folder (default $PLIMSOLL_STORE or ${DEFAULT_STORE}); PRIVATE: back it up
  --keeper-id    the keeper to encrypt the new openings to (required while an account names none)
${SEED_HELP}
${WALLET_HELP}
${CHAIN_HELP}
  --json         machine-readable output`,
};

async function create(opts: SubOptions): Promise<number> {
  const c = await openChainWithSigner(opts);
  try {
    const factory = factoryOf(c);
    const owner = await c.signer.getAddress();
    let index: bigint;
    if (opts.index !== undefined) index = subIndex(opts.index, "--index");
    else {
      const made = await listSubAccounts(factory, owner, c.d.deployBlock);
      index = made.length === 0 ? 0n : made.at(-1)!.index + 1n;
    }
    const address = String(await factory.getFunction("subAccountOf")(owner, index));
    if ((await c.provider.getCode(address)) !== "0x") throw new UsageError(`--index ${index}: the wallet's sub-account ${index} already exists at ${address}`);
    let receipt;
    try {
      receipt = await (await factory.getFunction("create")(index)).wait();
    } catch (err) {
      throw new Error(`sub create failed: ${explainChainError(err)}`);
    }
    const doc = { index, address, owner, txHash: receipt!.hash, gasUsed: receipt!.gasUsed };
    if (opts.json) printJson(doc, 2);
    else console.log(`sub-account ${index} of ${owner} created at ${address} (gas ${receipt!.gasUsed}); use it with --sub ${index}`);
    return 0;
  } finally {
    c.close();
  }
}

async function list(opts: SubOptions): Promise<number> {
  const c = await openChainWithSigner(opts);
  try {
    const owner = await c.signer.getAddress();
    const store = storeOf(opts);
    const rows = [];
    for (const { index, address } of await listSubAccounts(factoryOf(c), owner, c.d.deployBlock)) {
      const [account, lease, positions] = await Promise.all([
        c.engine.accountOf(address),
        c.engine.leaseOf(address),
        Promise.all(c.d.markets.map(async (m) => ({ market: m.symbol, size: BigInt((await c.engine.positionOf(address, m.id)).size) }))),
      ]);
      rows.push({
        index,
        address,
        keeperId: BigInt(account.keeperId),
        frozen: account.frozen,
        positions: positions.filter((p) => p.size !== 0n).map((p) => ({ market: p.market, size: (p.size < 0n ? "-" : "") + formatUnits(p.size < 0n ? -p.size : p.size, 18) })),
        lease: STATUS_NAMES[Number(lease[0])] ?? String(lease[0]),
        openingStored: store.has({ chainId: c.chainId, engine: c.d.contracts.engine, owner: address }),
      });
    }
    if (opts.json) printJson({ owner, subAccounts: rows }, 2);
    else {
      console.log(`sub-accounts of ${owner}${rows.length === 0 ? ": none ('plimsoll sub create' makes one)" : ""}`);
      for (const r of rows) {
        const pos = r.positions.length === 0 ? "no position" : r.positions.map((p) => `${p.market} ${p.size}`).join(", ");
        console.log(`  ${String(r.index).padEnd(4)} ${r.address}  keeper ${r.keeperId === 0n ? "none" : r.keeperId}, ${pos}, lease ${r.lease}${r.frozen ? ", FROZEN" : ""}${r.openingStored ? "" : ", opening not in the store"}`);
      }
    }
    return 0;
  } finally {
    c.close();
  }
}

async function move(opts: SubOptions): Promise<number> {
  if (opts.from === undefined) throw new UsageError("--from is required (the sub-account index to take from)");
  if (opts.to === undefined) throw new UsageError("--to is required (the sub-account index to move to)");
  const from = subIndex(opts.from, "--from");
  const to = subIndex(opts.to, "--to");
  if (from === to) throw new UsageError(`--from and --to are both sub-account ${from}: nothing to move`);
  // The wallet's --to is a shielded address: it is not this command's --to.
  const walletOpts: NotesOptions = { ...opts, to: undefined };
  return withWallet(walletOpts, true, async (ctx, w) => {
    const t = tokenBySymbol(ctx.c, opts.asset);
    const amount = positiveAmount(t, opts.amount, "move");
    return withTrader({ ...opts, sub: from.toString() }, async (c, tFrom, prover) => {
      const tTo = await loadTrader(c, opts, prover, to.toString());
      await checkTakeOut(tFrom, t, amount, `move from sub-account ${from}`);
      if (!opts.json) process.stderr.write(`emitting a note from sub-account ${from}, inserting its batch, absorbing it into sub-account ${to}...\n`);
      let r: MoveReport;
      try {
        r = await moveCollateral({ from: tFrom, to: tTo, wallet: w, pool: ctx.pool, prover, slot: t.slot, amount });
      } catch (err) {
        if (err instanceof UsageError) throw err;
        if ((err as Error).name === "WitnessInputError") throw new UsageError(`move: ${(err as Error).message}`);
        throw new Error(`move failed: ${explainChainError(err)}`);
      }
      const receipt = await c.provider.getTransactionReceipt(r.absorb.txHash);
      if (receipt !== null) await rescan(w, ctx.c, receipt);
      const doc = {
        from: { index: from, account: tFrom.key.owner, basket: basketLine(c, tFrom.opening), emitTx: r.emit.txHash, gasUsed: r.emit.gasUsed },
        ...(r.insert === undefined ? {} : { insert: r.insert }),
        to: { index: to, account: tTo.key.owner, basket: basketLine(c, tTo.opening), absorbTx: r.absorb.txHash, gasUsed: r.absorb.gasUsed },
        asset: t.symbol,
        amount: formatUnits(amount, t.decimals),
        noteCommitment: r.emit.noteCommitment,
      };
      if (opts.json) printJson(doc, 2);
      else console.log(`moved ${doc.amount} ${t.symbol} from sub-account ${from} to ${to} through a note (no public amount)\n  sub-account ${from}: ${doc.from.basket}\n  sub-account ${to}: ${doc.to.basket}`);
      return 0;
    }, [notes.EMIT_CIRCUIT, notes.ABSORB_CIRCUIT, notes.BATCH_INSERT_CIRCUIT]);
  });
}

const RUN = { create, list, move };

/** The sub group. */
export const subGroup: CommandGroup<typeof SUB_OPTIONS> = {
  prefix: "plimsoll sub",
  commandPrefix: "sub ",
  help: SUB_HELP_TEXT,
  options: SUB_OPTIONS,
  commands: Object.fromEntries(Object.entries(RUN).map(([name, run]) => [name, { help: SUB_COMMAND_HELP[name]!, run }])),
  isInputError: (err) => err instanceof Error && err.name === "WitnessInputError",
  helpCommand: "plimsoll sub --help",
};

/** Runs `plimsoll sub ...` (argv after `sub`). */
export function runSub(argv: string[]): Promise<number> {
  return runGroup(subGroup, argv);
}

if (isDirectRun(import.meta.url)) process.exit(await runSub(process.argv.slice(2)));
