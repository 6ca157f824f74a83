/**
 * Isolated sub-accounts (contracts/accounts/): an owner's sub-account `index` is an EIP-1167 clone of
 * the factory's `SubAccount` with the owner appended to its code, created with CREATE2 and salt
 * `index`, so its address is known before it exists. Each is an engine account of its own (commitment,
 * positions, lease, keeper): a `Trader` with `account` set acts for it through its forwarder. Collateral
 * moves between two sub-accounts of one owner privately, as a shielded note (`moveCollateral`).
 */
import { concat, Contract, getCreate2Address, keccak256, toBeHex, zeroPadValue, type ContractRunner, type ContractTransactionResponse } from "ethers";
import type { NoteWallet } from "./notes/wallet.js";
import { proveBatchInsert } from "./notes/prove.js";
import type { Prover } from "./prover.js";
import type { ActionReport, Trader } from "./trader.js";

/** The sub-account's forwarder: the engine's account calls, plus its owner and a sweep. */
export const SUB_ACCOUNT_ABI = [
  "function owner() view returns (address)",
  "function engine() view returns (address)",
  "function deposit(uint8 asset, uint256 amount, uint64 epoch, uint256 newCommitment, (uint64 keeperId, uint256[2] ephemeralKey, uint256[9] ciphertext) note, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function withdraw(uint8 asset, uint256 amount, uint64 epoch, uint256 newCommitment, (uint64 keeperId, uint256[2] ephemeralKey, uint256[9] ciphertext) note, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function trade(uint8 market, int256 sizeDelta, uint64 epoch, uint256 newCommitment, (uint64 keeperId, uint256[2] ephemeralKey, uint256[9] ciphertext) note, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function renewLease(uint64 epoch, uint256 newCommitment, (uint64 keeperId, uint256[2] ephemeralKey, uint256[9] ciphertext) note, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function settle(uint64 epoch, uint256 newCommitment, (uint64 keeperId, uint256[2] ephemeralKey, uint256[9] ciphertext) note, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function absorbNote(uint64 epoch, uint256 newCommitment, (uint64 keeperId, uint256[2] ephemeralKey, uint256[9] ciphertext) note, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof, uint256 root, uint256 nullifier)",
  "function emitNote(uint64 epoch, uint256 newCommitment, (uint64 keeperId, uint256[2] ephemeralKey, uint256[9] ciphertext) note, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof, uint256 noteCommitment, (uint256[2] ephemeralKey, uint256[2] ciphertext) encrypted)",
  "function sweep(address token)",
  "error NotOwner(address caller, address owner)",
  "error ApproveFailed(address token, address spender, uint256 amount)",
  "event Swept(address indexed token, address indexed owner, uint256 amount)",
] as const;

/** The factory's calls. */
export const SUB_ACCOUNT_FACTORY_ABI = [
  "function engine() view returns (address)",
  "function implementation() view returns (address)",
  "function create(uint256 index) returns (address)",
  "function subAccountOf(address owner, uint256 index) view returns (address)",
  "error SubAccountExists(address owner, uint256 index, address account)",
  "event SubAccountCreated(address indexed owner, uint256 indexed index, address account)",
] as const;

/** The largest sub-account index the CLI and the library accept (the contract takes any uint256). */
export const MAX_SUB_ACCOUNT_INDEX = 2n ** 32n - 1n;

/** EIP-1167 creation code of a clone of `implementation` whose 65-byte runtime ends with `owner`. */
export function subAccountInitCode(implementation: string, owner: string): string {
  return concat(["0x3d604180600a3d3981f3363d3d373d3d3d363d73", implementation, "0x5af43d82803e903d91602b57fd5bf3", owner]);
}

/** The address of `owner`'s sub-account `index` from `factory` (whose clones delegate to `implementation`). */
export function subAccountAddress(factory: string, implementation: string, owner: string, index: bigint): string {
  if (index < 0n || index >= 2n ** 256n) throw new RangeError(`index ${index} is not a uint256`);
  return getCreate2Address(factory, zeroPadValue(toBeHex(index), 32), keccak256(subAccountInitCode(implementation, owner)));
}

/** The factory at `address`, for `runner`. */
export function subAccountFactory(address: string, runner: ContractRunner): Contract {
  return new Contract(address, SUB_ACCOUNT_FACTORY_ABI, runner);
}

/** The sub-accounts `owner` created on `factory` (from its `SubAccountCreated` events), by index. */
export async function listSubAccounts(factory: Contract, owner: string, fromBlock = 0): Promise<{ index: bigint; address: string }[]> {
  const logs = await factory.queryFilter(factory.filters.SubAccountCreated!(owner), fromBlock);
  return logs
    .map((l) => { const a = (l as unknown as { args: { index: bigint; account: string } }).args; return { index: BigInt(a.index), address: a.account }; })
    .sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
}

/** What `moveCollateral` did: the emit from `from`, the batch insertion (if it flushed one), the absorb into `to`. */
export interface MoveReport {
  emit: ActionReport & { noteCommitment: bigint };
  /** The (last) batch insertion's transaction, or undefined when the note's batch was already in the tree. */
  insert?: { txHash: string; gasUsed: bigint; proveMs: number };
  absorb: ActionReport;
}

/**
 * Moves `amount` of slot `slot` from account `from` to account `to` privately: `from` emits a note to
 * `wallet` (the owner's note wallet), the note's batch is inserted (a batch-insertion proof sent by
 * `sender`), and `to` absorbs it. Neither account update carries a slot or an amount (the engine logs
 * delta 0), and the note is one leaf among all the pool's. `from` must still clear initial margin after it.
 */
export async function moveCollateral(args: {
  from: Trader;
  to: Trader;
  wallet: NoteWallet;
  /** The shielded pool, connected to the account that sends the batch insertion. */
  pool: Contract;
  prover: Prover;
  slot: number;
  amount: bigint;
}): Promise<MoveReport> {
  const { from, to, wallet, pool } = args;
  if (from.key.owner.toLowerCase() === to.key.owner.toLowerCase()) throw new RangeError("from and to are the same account");
  if (args.amount <= 0n) throw new RangeError("amount must be positive");
  const provider = pool.runner?.provider;
  if (provider == null) throw new Error("the pool contract has no provider");
  const s = wallet.planShield(args.slot, args.amount);
  const emit = await from.emitNote(s.note, s.encrypted);
  // Scan up to (at least) the transaction's own block: a provider may answer "latest" from a cache.
  const upTo = async (block: number): Promise<number> => Math.max(block, await provider.getBlockNumber());
  await wallet.scan(provider, await upTo((await provider.getTransactionReceipt(emit.txHash))?.blockNumber ?? 0));
  let insert: MoveReport["insert"];
  const find = () => wallet.notes({ slot: args.slot }).find((n) => n.commitment === emit.noteCommitment);
  // Insert batches (the note's, and any full one queued before it) until the note is in the tree.
  while (find()?.inTree !== true) {
    const plan = wallet.planBatchInsert();
    if (plan === undefined) throw new Error(`the emitted note ${emit.noteCommitment} is not in the wallet after a scan`);
    const proved = await proveBatchInsert(args.prover, plan);
    const tx = (await pool.getFunction("insertBatch")(plan.newRoot, plan.count, proved.proof)) as ContractTransactionResponse;
    const rc = await tx.wait();
    if (rc === null || rc.status !== 1) throw new Error(`batch insertion ${tx.hash} failed`);
    insert = { txHash: tx.hash, gasUsed: rc.gasUsed, proveMs: proved.ms };
    await wallet.scan(provider, await upTo(rc.blockNumber));
  }
  const note = find();
  if (note === undefined || !note.inTree) throw new Error(`the emitted note ${emit.noteCommitment} is not in the tree after the batch insertion`);
  const absorb = await to.absorbNote({ note, spendingSecret: wallet.keys.spendingSecret, tree: wallet.tree });
  return { emit, ...(insert === undefined ? {} : { insert }), absorb };
}
