/**
 * The verifier's whole public API: proof files, off-chain Groth16 verification of account-update
 * proofs, the auditor's report of a reserves period and a client's inclusion check. It depends on
 * the prover library (prover/src/index.ts) for the shared formats; the library never imports the
 * verifier. snarkjs is loaded on the first verification, not when this module is imported.
 */
export { CIRCUITS, parseProofFile, readProofFile, type CircuitName, type ParsedProof, type ProofFile } from "./proofFile.js";
export { accountUpdateClaims, readVerificationKey, verifyProof, type AccountUpdateClaims, type VerifyResult } from "./verify.js";
export { auditBundle, auditPeriod, auditReportJson, formatAuditReport, formatCoverage, type AssetLine, type AuditCheck, type AuditOptions, type AuditReport } from "./reserves/report.js";
export {
  checkClientInclusion,
  formatInclusion,
  readInclusionFile,
  type InclusionCheckOptions,
  type InclusionResult,
  type ParsedInclusion,
  type RootSource,
} from "./reserves/inclusion.js";
/** The one helper that packs a proof into verifier calldata (prover/src/calldata.ts), re-exported for verifier users. */
export { packProof, proofTuple, type SolidityProof, type SnarkjsProof } from "../../prover/src/index.js";
