/**
 * Runtime code sizes of Plimsoll's contracts against the EIP-170 limit (24,576 bytes): read from the
 * chain for what a deployment holds, and from the compiled artifacts for contracts it does not deploy
 * (the reserve registry and its verifiers). `npm run bench` prints them.
 */
import { artifacts } from "hardhat";
import type { Deployment } from "./deploy.js";

/** EIP-170: the largest runtime code a contract may have. */
export const EIP170_LIMIT = 24_576;
/** The project's budget: every deployed contract keeps at least 30% headroom under EIP-170. */
export const SIZE_BUDGET = Math.floor(EIP170_LIMIT * 0.7);

export interface ContractSize {
  contract: string;
  /** Runtime code, in bytes. */
  bytes: number;
  /** (limit - bytes) / limit, in percent. */
  headroomPct: number;
  /** Where the size was read: the chain (deployed) or the compiled artifact. */
  source: "chain" | "artifact";
}

const sizeOf = (contract: string, hex: string, source: ContractSize["source"]): ContractSize => {
  const bytes = (hex.length - 2) / 2;
  return { contract, bytes, headroomPct: Math.round(((EIP170_LIMIT - bytes) / EIP170_LIMIT) * 1000) / 10, source };
};

/** Sizes of every contract of deployment `d` (from the chain), then of the reserves contracts (from their artifacts). */
export async function contractSizes(
  provider: { getCode(address: string): Promise<string> },
  d: Deployment,
): Promise<ContractSize[]> {
  const deployed: [string, { getAddress(): Promise<string> } | string][] = [
    ["MarginEngine", d.engine],
    ...Object.entries(d.libraries),
    ["PerpMarket", d.market],
    ["InsuranceFund", d.insuranceFund],
    ["PlimsollOracle", d.oracle],
    ["KeeperRegistry", d.keeperRegistry],
    ["AccountUpdateVerifier", d.verifier],
    ["InsolvencyVerifier", d.insolvencyVerifier],
    ["PoseidonT4 (circomlibjs)", d.poseidon3],
    ["PoseidonT5 (circomlibjs)", d.poseidon4],
  ];
  const out: ContractSize[] = [];
  for (const [name, c] of deployed) {
    const address = typeof c === "string" ? c : await c.getAddress();
    out.push(sizeOf(name, await provider.getCode(address), "chain"));
  }
  for (const name of ["ReserveRegistry", "ReservesBatchVerifier", "ReservesFinalizeVerifier"]) {
    out.push(sizeOf(name, (await artifacts.readArtifact(name)).deployedBytecode, "artifact"));
  }
  return out;
}
