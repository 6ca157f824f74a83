/**
 * `plimsoll reserves` on a chain: the reserve registry of the deployment file.
 *
 *   reserves prove ... --weights chain        the registry's current reserve weights (its oracle epoch)
 *   reserves publish --dir period/            openPeriod (the custodian's wallet), every batch, finalize
 *   reserves finalize --dir period/           resumes a publication: the missing batches, then finalize
 *   reserves verify --dir period/ --registry  the audit, checked against the registry's record
 */
import { Contract } from "ethers";
import { publishPeriod, readPeriodBundle, readRegistryState, readRegistryWeights, type RegistryContract, type RegistryStateJson, type ReserveWeights } from "../../prover/src/index.js";
import { openChain, openChainWithSigner, type Chain, type ChainFlags } from "../chain/connect.js";
import { abiOf, explainChainError } from "../chain/contracts.js";
import { printJson } from "../command.js";
import { required, UsageError } from "../usage.js";
import { log, type ReservesOptions } from "./options.js";

function registryOf(c: Chain, runner: unknown): RegistryContract {
  const address = c.d.contracts.reserveRegistry;
  if (address === null || address === undefined) throw new UsageError("the deployment has no reserve registry");
  return new Contract(address, abiOf("ReserveRegistry"), runner as never) as unknown as RegistryContract;
}

/** The registry's current reserve weights (what a period opened now records). */
export async function chainWeights(opts: ReservesOptions): Promise<{ epoch: bigint; weights: ReserveWeights; source: string }> {
  const c = await openChain(opts as ChainFlags);
  try {
    const w = await readRegistryWeights(registryOf(c, c.provider));
    return { epoch: w.epoch, weights: w.weights, source: `the reserve registry ${c.d.contracts.reserveRegistry} (oracle epoch ${w.epoch})` };
  } finally {
    c.close();
  }
}

/** The registry's record of the period in `dir`. */
export async function chainRegistryState(opts: ReservesOptions, dir: string): Promise<RegistryStateJson> {
  const { period } = readBundle(dir);
  const c = await openChain(opts as ChainFlags);
  try {
    return await readRegistryState(registryOf(c, c.provider), period.custodian, period.periodIndex);
  } finally {
    c.close();
  }
}

function readBundle(dir: string): ReturnType<typeof readPeriodBundle> {
  try {
    return readPeriodBundle(dir);
  } catch (err) {
    throw new UsageError(`--dir ${dir}: ${(err as Error).message}`);
  }
}

/** `reserves publish` and `reserves finalize`: publishes (or resumes publishing) the period in --dir. */
export async function publish(opts: ReservesOptions): Promise<number> {
  const dir = required(opts.dir, "dir");
  const bundle = readBundle(dir);
  const c = await openChainWithSigner(opts as ChainFlags);
  try {
    const registry = registryOf(c, c.signer);
    const me = await c.signer.getAddress();
    const count = Number(await registry.periodCount(bundle.period.custodian));
    if (count === bundle.period.periodIndex && me.toLowerCase() !== bundle.period.custodian.toLowerCase()) {
      throw new UsageError(`the period is the custodian ${bundle.period.custodian}'s: openPeriod must be sent by its wallet, not ${me}`);
    }
    let report;
    try {
      report = await publishPeriod(bundle, { registry, onStep: (step, gas) => log(opts, `${step}: gas ${gas}`) });
    } catch (err) {
      const msg = explainChainError(err);
      throw new Error(`publish failed: ${msg}; rerun 'plimsoll reserves finalize --dir ${dir}' to resume`);
    }
    const state = await readRegistryState(registry, bundle.period.custodian, bundle.period.periodIndex);
    const doc = { ...report, verified: state.verified, registry: state.registry, custodian: state.custodian };
    if (opts.json) printJson(doc, 2);
    else console.log(`period ${report.periodIndex} of ${state.custodian}: ${report.openGas === undefined ? "already open" : `opened (gas ${report.openGas})`}, ${report.batchGas.length} batch(es) submitted${report.alreadySubmitted > 0 ? ` (${report.alreadySubmitted} were already)` : ""}, ${report.finalizeGas === undefined ? "not finalized" : `finalized (gas ${report.finalizeGas})`}; verified on-chain: ${state.verified}`);
    return state.verified ? 0 : 1;
  } finally {
    c.close();
  }
}
