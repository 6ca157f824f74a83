/**
 * Proof of reserves for custodians (DESIGN.md section 3, "Reserves"): the public API.
 * See prover/src/reserves/README.md for the formats and circuits/README.md ("Reserves") for the
 * statements.
 */
export * from "./constants.js";
export * from "./types.js";
export * from "./normalize.js";
export * from "./leaf.js";
export * from "./tree.js";
export * from "./state.js";
export * from "./witness.js";
export * from "./inclusion.js";
export * from "./csv.js";
export * from "./files.js";
export * from "./prepare.js";
export * from "./runState.js";
export * from "./prove.js";
export * from "./queue.js";
export * from "./lock.js";
export * from "./memory.js";
export * from "./progress.js";
export * from "./registry.js";
