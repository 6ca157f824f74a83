/**
 * What other scripts (prover, verifier, tests, demo) use from the build: where a circuit's
 * artifacts live and the metadata of its keys. Importing this loads neither snarkjs nor circom.
 */
export { paths, rel, pascalCase, ROOT } from "./paths.js";
export { readKeyMetadata, DEVELOPMENT_NOTE, type KeyMetadata } from "./metadata.js";
