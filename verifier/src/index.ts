export { CIRCUITS, parseProofFile, readProofFile, type CircuitName, type ParsedProof, type ProofFile } from "./proofFile.js";
export { accountUpdateClaims, readVerificationKey, verifyProof, type AccountUpdateClaims, type VerifyResult } from "./verify.js";
export { packProof, proofTuple, type SolidityProof, type SnarkjsProof } from "../../prover/src/calldata.js";
