/**
 * The browser entry to the library: the modules of prover/src the web app uses, each of which is
 * browser-safe once Vite aliases node:crypto/fs/path/url (vite.config.ts). Never prover/src/index.ts,
 * which also exports the keeper daemon, the reserves prover and file stores.
 */
export * from "../../prover/src/constants.js";
export * from "../../prover/src/encoding.js";
export * from "../../prover/src/poseidon.js";
export * from "../../prover/src/format.js";
export * from "../../prover/src/margin.js";
export * from "../../prover/src/account.js";
export { Trader, type ActionReport, type ChainView, type TraderOptions } from "../../prover/src/trader.js";
export type { AccountKey, OpeningStore } from "../../prover/src/store.js";
export type { CircuitArtifacts, ProofStage, ProofOutput } from "../../prover/src/prover.js";
export type { KeeperTarget } from "../../prover/src/keeperNote/index.js";
export type { EngineContract, OracleContract, TokenContract, KeeperRegistryContract } from "../../prover/src/contracts.js";
export { LeaseStatus } from "../../prover/src/contracts.js";
export { checkInclusion, inclusionProofFromJson, type InclusionProof } from "../../prover/src/reserves/inclusion.js";
export { idHash } from "../../prover/src/reserves/leaf.js";
export { INCLUSION_KIND, type InclusionFileJson, type PeriodFileJson } from "../../prover/src/reserves/files.js";
export { parseUnits, formatUnits } from "../../prover/src/assets.js";
export { basketValue } from "../../prover/src/liquidation/plan.js";
export { formatNormalised } from "../../prover/src/reserves/normalize.js";
export { periodTag, sumsHash } from "../../prover/src/reserves/state.js";
export { revertReason } from "../../prover/src/keeper/revert.js";
