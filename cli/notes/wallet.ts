/**
 * What the `plimsoll notes` commands share: their options, the note keys (from a seed file, or from
 * a signature of the chain wallet), the wallet store's path, the deployment's shielded pool, and
 * formatting notes in tokens.
 *
 * The keys are never stored by the CLI: every command derives them again, from `--seed FILE` (or
 * `$PLIMSOLL_NOTES_SEED`) or, without one, from the chain wallet's signature of a fixed message
 * (deterministic: RFC 6979). The wallet store (the library's `NoteWallet` file: the pool's tree, the
 * wallet's notes; no secret) is `--wallet FILE`, default
 * `$PLIMSOLL_NOTES or .plimsoll/notes` + `/<chain>/<pool>/<first 16 hex digits of the owner key>.json`.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { Contract, getBytes, type Signer } from "ethers";
import { formatUnits, getBabyJub, initPoseidonEx, notes, writeFileAtomic, type BabyJub, type SyncPoseidonEx } from "../../prover/src/index.js";
import { CHAIN_OPTIONS, openChain, signerOf, type Chain, type ChainFlags } from "../chain/connect.js";
import { abiOf } from "../chain/contracts.js";
import type { DeployedToken } from "../chain/deployment.js";
import type { OptionValues } from "../command.js";
import { UsageError } from "../usage.js";

/** Every option of the notes commands. */
export const NOTES_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  seed: { type: "string" },
  wallet: { type: "string" },
  asset: { type: "string" },
  amount: { type: "string" },
  to: { type: "string" },
  relayer: { type: "string" },
  fee: { type: "string" },
  leaf: { type: "string" },
  all: { type: "boolean" },
  "show-secrets": { type: "boolean" },
  "keeper-id": { type: "string" },
  store: { type: "string" },
  sub: { type: "string" },
  ...CHAIN_OPTIONS,
} satisfies ParseArgsConfig["options"];

export type NotesOptions = OptionValues<typeof NOTES_OPTIONS>;

/** The folder of the wallet stores by default. */
export const DEFAULT_NOTES_DIR = ".plimsoll/notes";

/**
 * The message the chain wallet signs when the note keys come from the account. The signature is the
 * seed of both secrets: whoever obtains it can spend the wallet's notes.
 */
export const ACCOUNT_KEY_MESSAGE = "Plimsoll shielded notes: derive my note keys (v1).\n\nThis signature is the spending key of your note wallet. Sign it only in the plimsoll command line, never on a website.";

/** Help line of --seed (every notes command). */
export const SEED_HELP = `  --seed         seed file of the note keys (default $PLIMSOLL_NOTES_SEED); without one, the keys are
                 derived from the chain wallet's signature of a fixed message (--key or --account)`;

/** Help line of --wallet (every notes command but address). */
export const WALLET_HELP = `  --wallet       the wallet store (default $PLIMSOLL_NOTES or ${DEFAULT_NOTES_DIR}, then
                 <chain>/<pool>/<owner key>.json): the pool's tree and the wallet's notes, mode 0600`;

/** The note keys and where they came from (for messages; never the secrets). */
export interface KeySource {
  keys: notes.NoteKeys;
  /** `seed file s.json` or `account 0x...`. */
  from: string;
}

const SEED_KIND = "plimsoll-notes-seed";

/** The seed file to use: --seed, else $PLIMSOLL_NOTES_SEED (undefined: keys from the account). */
export function seedPath(opts: NotesOptions): string | undefined {
  const p = opts.seed ?? process.env.PLIMSOLL_NOTES_SEED;
  return p === undefined || p === "" ? undefined : p;
}

/** Reads a seed file: JSON `{ kind, seed: "0x..." }` written by `notes init`, or 32+ bytes of hex text. */
export function readSeed(path: string): Uint8Array {
  if (!existsSync(path)) throw new UsageError(`--seed ${path}: no seed file (create one with 'plimsoll notes init --seed ${path}')`);
  if (process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0) {
    throw new UsageError(`--seed ${path}: permissions ${(statSync(path).mode & 0o777).toString(8)} are too open for a spending key (chmod 600 ${path})`);
  }
  const text = readFileSync(path, "utf8").trim();
  let hex: unknown = text;
  if (text.startsWith("{")) {
    try {
      const doc = JSON.parse(text) as { kind?: unknown; seed?: unknown };
      if (doc.kind !== SEED_KIND) throw new Error();
      hex = doc.seed;
    } catch {
      throw new UsageError(`--seed ${path}: not a notes seed file (JSON with kind "${SEED_KIND}" and seed, or hex text)`);
    }
  }
  if (typeof hex !== "string" || !/^(0x)?([0-9a-fA-F]{2}){32,}$/.test(hex)) throw new UsageError(`--seed ${path}: the seed must be at least 32 bytes of hex`);
  return getBytes(hex.startsWith("0x") ? hex : `0x${hex}`);
}

/** Writes a fresh 32-byte seed file (mode 0600, atomic; refuses an existing file). */
export function createSeed(path: string): Uint8Array {
  const seed = randomBytes(32);
  const doc = { version: 1, kind: SEED_KIND, seed: `0x${seed.toString("hex")}`, note: "PRIVATE: this seed is the spending key of a note wallet. Back it up; never share it." };
  try {
    writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, exactMode: true, dirMode: 0o700, noClobber: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new UsageError(`--seed ${path}: a file already exists there`);
    throw err;
  }
  return new Uint8Array(seed);
}

/** Poseidon and Baby Jubjub, loaded once per process. */
export async function noteCrypto(): Promise<{ h: SyncPoseidonEx; bj: BabyJub }> {
  return { h: await initPoseidonEx(), bj: await getBabyJub() };
}

/** The keys: from the seed file (`seed`, already read), else from `signer`'s signature of ACCOUNT_KEY_MESSAGE. */
export async function noteKeys(seedFile: string | undefined, seed: Uint8Array | undefined, signer: Signer | undefined): Promise<KeySource> {
  const { h, bj } = await noteCrypto();
  if (seed !== undefined) return { keys: notes.deriveNoteKeys(h, bj, seed), from: `seed file ${seedFile}` };
  if (signer === undefined) throw new Error("no seed and no wallet to derive the note keys from");
  const signature = await signer.signMessage(ACCOUNT_KEY_MESSAGE);
  return { keys: notes.deriveNoteKeys(h, bj, getBytes(signature)), from: `account ${await signer.getAddress()}` };
}

/** The wallet store's path: --wallet, else the default for this chain, pool and owner key. */
export function walletPath(opts: NotesOptions, chainId: bigint, pool: string, keys: notes.NoteKeys): string {
  if (opts.wallet !== undefined) return opts.wallet;
  const dir = process.env.PLIMSOLL_NOTES || DEFAULT_NOTES_DIR;
  return join(dir, chainId.toString(), pool.toLowerCase(), `${keys.ownerKey.toString(16).padStart(64, "0").slice(0, 16)}.json`);
}

/** What a notes command works with. */
export interface NotesContext {
  c: Chain & { signer?: Signer };
  /** The ShieldedPool, connected to the signer when there is one. */
  pool: Contract;
  keys: notes.NoteKeys;
  /** Where the keys came from (for messages). */
  from: string;
  /** The wallet store's path. */
  path: string;
}

/**
 * Opens the chain (with the signer when `signer` is true, or when the keys come from the account),
 * checks the deployment's pool, derives the keys; the seed file is read before any network call.
 */
export async function openNotes(opts: NotesOptions, need: { signer: boolean; createSeed?: boolean }): Promise<NotesContext & { seedCreated: boolean }> {
  const file = seedPath(opts);
  let seed: Uint8Array | undefined;
  let seedCreated = false;
  if (file !== undefined) {
    if (need.createSeed && !existsSync(file)) {
      seed = createSeed(file);
      seedCreated = true;
    } else seed = readSeed(file);
  }
  const withSigner = need.signer || seed === undefined;
  const c = await openChain(opts as ChainFlags, withSigner ? (p, id) => signerOf(opts as ChainFlags, p, id) : undefined);
  try {
    const address = c.d.contracts.shieldedPool;
    if (address === undefined) throw new UsageError("the deployment file names no shieldedPool: it predates the shielded pool; deploy again ('plimsoll deploy --force')");
    if ((await c.provider.getCode(address)) === "0x") throw new UsageError(`the deployment's shieldedPool ${address} has no code on chain ${c.chainId} (was the node restarted? deploy again)`);
    const pool = new Contract(address, abiOf("ShieldedPool"), c.signer ?? c.provider);
    const { keys, from } = await noteKeys(file, seed, c.signer);
    return { c, pool, keys, from, path: walletPath(opts, c.chainId, address, keys), seedCreated };
  } catch (err) {
    c.close();
    throw err;
  }
}

/** Runs `body` on an open notes context (see `openNotes`); closes the chain after. */
export async function withNotes<T>(opts: NotesOptions, need: { signer: boolean; createSeed?: boolean }, body: (ctx: NotesContext & { seedCreated: boolean }) => Promise<T>): Promise<T> {
  const ctx = await openNotes(opts, need);
  try {
    return await body(ctx);
  } finally {
    ctx.c.close();
  }
}

/** Opens the wallet store of `ctx` (refusing one of another pool, chain or key). */
export async function openWallet(ctx: NotesContext): Promise<notes.NoteWallet> {
  if (!existsSync(ctx.path)) throw new UsageError(`no note wallet at ${ctx.path} for the keys of the ${ctx.from}: run 'plimsoll notes init' first (with the same --seed or account), or pass --wallet`);
  let w: notes.NoteWallet;
  try {
    w = await notes.NoteWallet.open({ keys: ctx.keys, path: ctx.path });
  } catch (err) {
    const e = err as Error;
    if (e.name === "WitnessInputError" && /do not own/.test(e.message)) throw new UsageError(`--wallet ${ctx.path}: the keys of the ${ctx.from} do not own this wallet (pass the --seed, or use the account, it was created with)`);
    throw new UsageError(`--wallet ${ctx.path}: ${e.message}`);
  }
  if (w.chainId !== ctx.c.chainId || w.pool !== (await ctx.pool.getAddress()).toLowerCase()) {
    throw new UsageError(`--wallet ${ctx.path} belongs to pool ${w.pool} on chain ${w.chainId}, not the deployment's ${(await ctx.pool.getAddress()).toLowerCase()} on chain ${ctx.c.chainId}`);
  }
  return w;
}

/** Creates the parent folder of a new wallet store (the store's lock file needs it). */
export function prepareWalletFolder(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
}

/** The deployment's token in `slot`. */
export function tokenOfSlot(c: Chain, slot: number): DeployedToken {
  const t = c.d.tokens.find((x) => x.slot === slot);
  if (t === undefined) throw new Error(`a note names slot ${slot}, which the deployment file has no token for`);
  return t;
}

/** `12.5 WETH`. */
export function tokens(c: Chain, slot: number, amount: bigint): string {
  const t = tokenOfSlot(c, slot);
  return `${formatUnits(amount, t.decimals)} ${t.symbol}`;
}

/** One note as the commands print it. */
export function noteView(c: Chain, n: notes.WalletNote): { leaf: number; slot: number; asset: string; amount: string; spent: boolean; inTree: boolean; status: string } {
  const t = tokenOfSlot(c, n.slot);
  return { leaf: n.leafIndex, slot: n.slot, asset: t.symbol, amount: formatUnits(n.amount, t.decimals), spent: n.spent, inTree: n.inTree, status: n.spent ? "spent" : n.inTree ? "spendable" : "waiting for its batch" };
}

/** Per asset: the unspent total and what can be spent now, in tokens. */
export function balances(c: Chain, w: notes.NoteWallet): Record<string, { total: string; spendable: string }> {
  return Object.fromEntries(c.d.tokens.map((t) => [t.symbol, { total: formatUnits(w.balance(t.slot), t.decimals), spendable: formatUnits(w.balance(t.slot, true), t.decimals) }]));
}

/** `USDC 1200 (1000 spendable), WETH 0`: the balances on one line. */
export function balanceLine(c: Chain, w: notes.NoteWallet): string {
  return c.d.tokens.map((t) => {
    const total = w.balance(t.slot);
    const spendable = w.balance(t.slot, true);
    return `${formatUnits(total, t.decimals)} ${t.symbol}${total === spendable ? "" : ` (${formatUnits(spendable, t.decimals)} spendable)`}`;
  }).join(", ");
}
