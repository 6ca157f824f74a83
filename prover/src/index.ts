/**
 * The Plimsoll TypeScript library: everything a trader, a keeper, a custodian or a tool needs,
 * from one import. Scripts, Ignition modules, the verifier and the CLI import only this file.
 *
 *   import { Trader, Prover, OpeningStore, artifacts } from "plimsoll/prover/src/index.js";
 *
 * Importing it loads neither snarkjs nor circomlibjs: snarkjs is loaded by the prover's child
 * process and by `loadSnarkjs()`, circomlibjs when the first hash or curve operation is built
 * (`initPoseidon`, `initNoteCrypto`, `getBabyJub`).
 */

// Conventions and formats shared with the circuits and the contracts
export * from "./constants.js";
export * from "./encoding.js";
export * from "./poseidon.js";
export * from "./babyjub.js";
export * from "./calldata.js";
export * from "./validate.js";
export * from "./format.js";
export * from "./prng.js";

// Where the keys are, and files
export * from "./artifacts.js";
export * from "./fs/index.js";
export * from "./snarkjs.js";

// Assets, the development world, the contracts' ABI slices
export * from "./assets.js";
export * from "./devnet.js";
export * from "./contracts.js";

// Margin arithmetic and the oracle's formula
export * from "./margin.js";
export * from "./oracle/index.js";
export * as options from "./options/index.js";

// The trader: openings, the account-update witness, proving, storage, the live client
export * from "./account.js";
export * from "./witness.js";
export * from "./prover.js";
export * from "./store.js";
export * from "./trader.js";
export * from "./subAccounts.js";

// The keeper note (a trader's opening encrypted to its keeper), liquidation, the keeper daemon
export * from "./keeperNote/index.js";
export * from "./liquidation/index.js";
export * from "./keeper/index.js";

// Proof of reserves
export * from "./reserves/index.js";

// Shielded notes, as a namespace (`notes.NoteWallet`, ...): the notes tree's `zeroHashes` is not the
// reserves tree's.
export * as notes from "./notes/index.js";
