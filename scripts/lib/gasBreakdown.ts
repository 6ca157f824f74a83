/**
 * Where a transaction's gas goes, measured from its opcode trace (`debug_traceTransaction`, struct
 * logs with stacks), not estimated. Used by `npm run bench` for each gated action (issue 14's report).
 *
 * The transaction's gas is split into:
 *   - base:      the 21,000 every transaction pays;
 *   - calldata:  the rest of the intrinsic gas (EIP-2028: 4 per zero byte, 16 per non-zero byte);
 *   - one line per labelled contract the entry contract calls (CALL or STATICCALL): the whole cost of
 *                the call, the callee's execution and the cold or warm account access included, as
 *                `verifier`, `token transfers`, `oracle reads` and so on (the caller's labels);
 *   - storage writes, storage reads (SSTORE, SLOAD, the cold-slot surcharge included), events (LOG0-4)
 *                and keccak (KECCAK256) of the entry contract's own code;
 *   - execution: every other opcode of the entry contract's own code, unlabelled calls' overhead, and
 *                precompiles called from its own code;
 *   - refund:    the storage refund the EVM gave back (negative; capped at a fifth of the gas used).
 *
 * "The entry contract's own code" includes DELEGATECALLs (linked libraries run in its context) and
 * calls to unlabelled contracts: their opcodes are attributed by kind as the entry contract's are.
 * The parts sum to the receipt's gasUsed exactly; `breakdown` throws if they do not.
 */

/** One opcode of a struct-log trace, as Hardhat's network returns it. */
interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
  refund?: number;
}

interface Trace {
  gas: number;
  failed: boolean;
  structLogs: StructLog[];
}

/** The JSON-RPC surface this needs (an ethers provider has it). */
export interface TraceProvider {
  send(method: string, params: unknown[]): Promise<unknown>;
  getTransaction(hash: string): Promise<{ gasLimit: bigint; data: string } | null>;
  getTransactionReceipt(hash: string): Promise<{ gasUsed: bigint } | null>;
}

export const BASE = "base";
export const CALLDATA = "calldata";
export const STORAGE_WRITES = "storage writes";
export const STORAGE_READS = "storage reads";
export const EVENTS = "events";
export const KECCAK = "keccak";
export const EXECUTION = "execution";
export const REFUND = "refund";

/** Gas by part, in a fixed order: base, calldata, the labels in first-seen order, then the opcode kinds. */
export type GasBreakdown = Map<string, number>;

const CALLS = new Set(["CALL", "STATICCALL", "CALLCODE", "DELEGATECALL"]);

/** Gas the EVM charges for calldata (EIP-2028): 4 per zero byte, 16 per non-zero byte. */
export function calldataGas(data: string): number {
  let gas = 0;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4 : 16;
  return gas;
}

function kindOf(op: string): string {
  if (op === "SSTORE") return STORAGE_WRITES;
  if (op === "SLOAD") return STORAGE_READS;
  if (op.startsWith("LOG")) return EVENTS;
  if (op === "KECCAK256") return KECCAK;
  return EXECUTION;
}

/** The callee of a call opcode: the second stack item from the top, as a lower-case address. */
function callee(log: StructLog): string {
  const stack = log.stack;
  if (!stack || stack.length < 2) throw new Error(`${log.op} without a stack: trace with stacks enabled`);
  return `0x${BigInt(stack[stack.length - 2]!).toString(16).padStart(40, "0")}`;
}

/**
 * The breakdown of transaction `hash`. `labels` maps contract addresses (any case) to the line their
 * calls are counted under; several addresses may share a label.
 */
export async function breakdown(provider: TraceProvider, hash: string, labels: ReadonlyMap<string, string>): Promise<GasBreakdown> {
  const [tx, receipt, trace] = await Promise.all([
    provider.getTransaction(hash),
    provider.getTransactionReceipt(hash),
    provider.send("debug_traceTransaction", [hash, { disableStack: false, disableMemory: true, disableStorage: true }]) as Promise<Trace>,
  ]);
  if (!tx || !receipt) throw new Error(`no transaction ${hash}`);
  const label = new Map([...labels].map(([a, l]) => [a.toLowerCase(), l]));
  const logs = trace.structLogs;
  const parts: GasBreakdown = new Map([[BASE, 21_000], [CALLDATA, calldataGas(tx.data)]]);
  const add = (part: string, gas: number): void => {
    parts.set(part, (parts.get(part) ?? 0) + gas);
  };
  const intrinsic = Number(tx.gasLimit) - (logs[0]?.gas ?? Number(tx.gasLimit) - Number(receipt.gasUsed));
  // Intrinsic gas beyond base and calldata (an access list, contract creation): counted as execution.
  add(EXECUTION, intrinsic - 21_000 - parts.get(CALLDATA)!);

  // The gas the opcode at index i consumed: the gas left at it less the gas left at the next opcode of
  // the same depth, which for a call includes the callee's execution; the last opcode of a frame (the
  // next one is the caller's, with its own gas counter) consumed its own cost.
  const consumed = (i: number): number => {
    const d = logs[i]!.depth;
    for (let j = i + 1; j < logs.length; j++) {
      if (logs[j]!.depth === d) return logs[i]!.gas - logs[j]!.gas;
      if (logs[j]!.depth < d) break;
    }
    return logs[i]!.gasCost;
  };
  // Index of the last opcode of the callee of the call at i (i itself when the call ran no code).
  const lastOfCallee = (i: number): number => {
    let j = i;
    while (j + 1 < logs.length && logs[j + 1]!.depth > logs[i]!.depth) j++;
    return j;
  };

  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    if (!CALLS.has(log.op)) {
      add(kindOf(log.op), consumed(i));
      continue;
    }
    const total = consumed(i);
    const to = log.op === "DELEGATECALL" ? undefined : label.get(callee(log));
    const end = lastOfCallee(i);
    if (to !== undefined) {
      add(to, total);
      i = end; // the callee's opcodes are in `total`
    } else if (end > i) {
      // Attribute the callee's opcodes one by one, as this contract's own; the call's own overhead is
      // what `total` has beyond the gas the callee used (its starting gas less what it had left).
      const used = logs[i + 1]!.gas - (logs[end]!.gas - logs[end]!.gasCost);
      add(EXECUTION, total - used);
    } else {
      add(EXECUTION, total); // a precompile, or an account without code
    }
  }

  const executed = logs.length === 0 ? 0 : [...parts.values()].reduce((a, b) => a + b, 0);
  const refund = Math.min(logs.at(-1)?.refund ?? 0, Math.floor(executed / 5));
  if (refund > 0) parts.set(REFUND, -refund);
  const sum = [...parts.values()].reduce((a, b) => a + b, 0);
  if (logs.length > 0 && sum !== Number(receipt.gasUsed)) {
    throw new Error(`gas breakdown of ${hash} sums to ${sum}, the receipt says ${receipt.gasUsed}`);
  }
  return parts;
}

/** The contracts a deployment's engine calls, under the lines `npm run bench` reports them. */
export async function deploymentLabels(d: {
  oracle: Addressable;
  market: Addressable;
  insuranceFund: Addressable;
  verifier: Addressable;
  insolvencyVerifier: Addressable;
  shieldedPool: Addressable;
  keeperRegistry: Addressable;
  poseidon3: Addressable;
  poseidon4: Addressable;
  tokens: readonly Addressable[];
  noteVerifiers: object;
}): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  const put = async (c: Addressable | string, l: string) => labels.set((typeof c === "string" ? c : await c.getAddress()).toLowerCase(), l);
  await put(d.verifier, "verifier");
  await put(d.insolvencyVerifier, "verifier");
  for (const v of Object.values(d.noteVerifiers) as string[]) await put(v, "verifier");
  for (const t of d.tokens) await put(t, "token transfers");
  await put(d.oracle, "oracle reads");
  await put(d.keeperRegistry, "keeper registry");
  await put(d.poseidon3, "poseidon");
  await put(d.poseidon4, "poseidon");
  await put(d.market, "market and fund");
  await put(d.insuranceFund, "market and fund");
  await put(d.shieldedPool, "note pool");
  return labels;
}

interface Addressable {
  getAddress(): Promise<string>;
}
