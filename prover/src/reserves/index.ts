/**
 * Proof of reserves for custodians (DESIGN.md section 3, "Reserves"): the public API.
 * See prover/src/reserves/README.md for the formats and circuits/README.md ("Reserves") for the
 * statements.
 */
export * from "./constants.js";
export * from "./normalize.js";
export * from "./leaf.js";
export * from "./tree.js";
export * from "./state.js";
export * from "./witness.js";
