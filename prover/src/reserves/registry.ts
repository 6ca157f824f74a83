/**
 * A reserves period on-chain: the registry's contract slice, reading a period (and the weights a
 * new one would record) back, and publishing a proved period (openPeriod, submitBatch, finalize).
 */
import type { ContractTransactionResponse } from "ethers";
import { packProof, proofTuple } from "../calldata.js";
import type { PeriodBundle, RegistryStateJson } from "./files.js";
import type { ReserveWeights } from "./types.js";

const dec = (x: bigint): string => x.toString();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Call<R = any> = (...args: any[]) => Promise<R>;
type Send = Call<ContractTransactionResponse>;

/** The slice of `ReserveRegistry` the TypeScript code calls (an ethers v6 Contract). */
export type RegistryContract = import("ethers").Contract & {
  openPeriod: Send & { staticCall: Call<bigint>; estimateGas: Call<bigint> };
  submitBatch: Send;
  finalize: Send;
  periodCount: Call<bigint>;
  period: Call<{ epoch: bigint; clientCount: bigint; batchCount: bigint; nextBatch: bigint; verified: boolean; weightsHash: bigint; root: bigint; lastState: bigint; packedReserves: bigint[] }>;
  reservesOf: Call<bigint[]>;
  isVerified: Call<boolean>;
  latestVerifiedPeriod: Call<[boolean, bigint]>;
  currentReserveWeights: Call<[bigint, bigint[], bigint[], bigint]> & { estimateGas: Call<bigint> };
  reserveWeightsHashOf: Call<bigint>;
  periodTag: Call<bigint>;
  batchCountFor: Call<bigint>;
  BATCH_SIZE: Call<bigint>;
  MAX_CLIENTS: Call<bigint>;
};

/** Reads one period from the registry. */
export async function readRegistryState(registry: RegistryContract, custodian: string, periodIndex: number): Promise<RegistryStateJson> {
  const p = await registry.period(custodian, periodIndex);
  const reserves = await registry.reservesOf(custodian, periodIndex);
  const network = await registry.runner?.provider?.getNetwork();
  return {
    kind: "plimsoll.reserves.registry-state",
    registry: await registry.getAddress(),
    chainId: dec(network?.chainId ?? 0n),
    custodian,
    periodIndex,
    epoch: dec(p.epoch),
    clientCount: Number(p.clientCount),
    batchCount: Number(p.batchCount),
    nextBatch: Number(p.nextBatch),
    verified: p.verified,
    weightsHash: dec(p.weightsHash),
    root: dec(p.root),
    lastState: dec(p.lastState),
    reserves: [...reserves].map(dec),
  };
}

/** The weights a period opened now would record, as `reserves prove --weights` takes them. */
export async function readRegistryWeights(registry: RegistryContract): Promise<{ epoch: bigint; weights: ReserveWeights; reserveWeightsHash: bigint }> {
  const [epoch, wA, wL, hash] = await registry.currentReserveWeights();
  return { epoch, weights: { assetWeights: [...wA], liabilityWeights: [...wL] }, reserveWeightsHash: hash };
}

/** Gas of each publication step. */
export interface PublishReport {
  periodIndex: number;
  openGas: bigint | undefined;
  batchGas: bigint[];
  finalizeGas: bigint | undefined;
  /** Batches that were already on-chain (a resumed publication). */
  alreadySubmitted: number;
}

/** Options of `publishPeriod`. */
export interface PublishOptions {
  /** The registry connected to the custodian's signer (openPeriod is keyed by msg.sender). */
  registry: RegistryContract;
  /** The registry connected to whoever submits the proofs (default: `registry`). Anyone may. */
  submitter?: RegistryContract;
  /** Called after each step. */
  onStep?: (step: string, gas: bigint) => void;
}

/**
 * Opens the period on the registry (unless already open with the same root), submits every batch
 * not yet verified, in order, and the final proof. Resumable: it picks up at the period's
 * `nextBatch`.
 * @throws Error when the registry's next period index for the custodian is not the bundle's, or an
 *         open period holds another root.
 */
export async function publishPeriod(bundle: PeriodBundle, opts: PublishOptions): Promise<PublishReport> {
  const { period } = bundle;
  const registry = opts.registry;
  const submitter = opts.submitter ?? registry;
  const custodian = period.custodian;
  const signerAddress = await (registry.runner as { getAddress?: () => Promise<string> } | null)?.getAddress?.();
  const count = Number(await registry.periodCount(custodian));
  const report: PublishReport = { periodIndex: period.periodIndex, openGas: undefined, batchGas: [], finalizeGas: undefined, alreadySubmitted: 0 };
  let nextBatch = 0;
  if (count === period.periodIndex) {
    if (signerAddress === undefined || signerAddress.toLowerCase() !== custodian.toLowerCase()) {
      throw new Error(`the period is the custodian ${custodian}'s: openPeriod must be sent by it, not ${signerAddress ?? "an unknown signer"}`);
    }
    const reserves = period.reserves.map((r) => BigInt(r));
    const tx = await registry.openPeriod(BigInt(period.epoch), BigInt(period.root), period.clientCount, reserves);
    const receipt = await tx.wait();
    report.openGas = receipt!.gasUsed;
    opts.onStep?.("openPeriod", receipt!.gasUsed);
  } else if (count > period.periodIndex) {
    const p = await registry.period(custodian, period.periodIndex);
    if (dec(p.root) !== period.root) throw new Error(`the registry's period ${period.periodIndex} of ${custodian} holds root ${p.root}, not this bundle's ${period.root}`);
    if (p.verified) return { ...report, alreadySubmitted: Number(p.batchCount) };
    nextBatch = Number(p.nextBatch);
    report.alreadySubmitted = nextBatch;
  } else {
    throw new Error(`the registry's next period of ${custodian} is ${count}, but the proofs are for period ${period.periodIndex}: prove again with --period ${count}`);
  }
  for (let i = nextBatch; i < bundle.batches.length; i++) {
    const b = bundle.batches[i]!;
    const [stateIn, stateOut] = b.publicSignals.map((s) => BigInt(s));
    const tx = await submitter.submitBatch(custodian, period.periodIndex, i, stateIn, stateOut, proofTuple(packProof(b.proof)));
    const receipt = await tx.wait();
    report.batchGas.push(receipt!.gasUsed);
    opts.onStep?.(`submitBatch ${i}`, receipt!.gasUsed);
  }
  const tx = await submitter.finalize(custodian, period.periodIndex, proofTuple(packProof(bundle.final.proof)));
  const receipt = await tx.wait();
  report.finalizeGas = receipt!.gasUsed;
  opts.onStep?.("finalize", receipt!.gasUsed);
  return report;
}
