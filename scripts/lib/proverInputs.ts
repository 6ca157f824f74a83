/**
 * One valid circuit input for each circuit the prover benchmark (scripts/benchProver.ts) and the warm
 * prover's test prove: a reserves batch (BATCH_SIZE clients), an account update (no change, requirement
 * 0) and an insolvency (a basket one unit below its requirement, two seizures).
 */
import { BATCH_SIZE, buildInsolvencyInput, generateKeeperKey, initNoteCrypto, initPoseidon, N_ASSETS, NO_DELTA, planPeriod, planUpdate, reserveWeights, toCircuitInput } from "../../prover/src/index.js";

export const EXAMPLE_CIRCUITS = ["reserves_batch", "account_update", "insolvency"] as const;
export type ExampleCircuit = (typeof EXAMPLE_CIRCUITS)[number];

const WEIGHTS = Array.from({ length: N_ASSETS }, (_, i) => 10n ** 12n * BigInt(i + 1));
const OPENING = { owner: 0x5b38n, amounts: Array.from({ length: N_ASSETS }, (_, i) => BigInt(1_000 * (i + 1))), blinding: 77n };

export async function exampleInput(circuit: ExampleCircuit): Promise<Record<string, unknown>> {
  const h = await initPoseidon();
  switch (circuit) {
    case "reserves_batch": {
      const weights = reserveWeights(new Array<bigint>(N_ASSETS).fill(10n ** 8n), new Array<bigint>(N_ASSETS).fill(10n ** 17n));
      const clients = Array.from({ length: BATCH_SIZE }, (_, k) => {
        const assets = new Array<bigint>(N_ASSETS).fill(0n);
        const liabilities = new Array<bigint>(N_ASSETS).fill(0n);
        assets[k % N_ASSETS] = 10n ** 12n + BigInt(k);
        liabilities[(k + 9) % N_ASSETS] = 10n ** 8n;
        return { id: `client-${k}`, assets, liabilities };
      });
      const period = planPeriod({ h, custodian: "0x5b38da6a701c568545dcfcb03fcb875f56beddc4", periodIndex: 0, clients, weights });
      return toCircuitInput(period.batches[0]!.input);
    }
    case "account_update": {
      const key = await generateKeeperKey();
      const keeper = { crypto: await initNoteCrypto(), keeper: { keeperId: 1n, key: key.publicKey }, nonce: 42n };
      return planUpdate(h, OPENING, NO_DELTA, 0n, WEIGHTS, keeper, 5n).input;
    }
    case "insolvency": {
      const value = OPENING.amounts.reduce((s, a, i) => s + a * WEIGHTS[i]!, 0n);
      return buildInsolvencyInput(h, {
        opening: OPENING,
        weights: WEIGHTS,
        requirement: value + 1n,
        seizures: [{ index: 0, amount: 1n }, { index: 1, amount: 1n }],
        liquidator: 0x1234n,
      }).input;
    }
  }
}
