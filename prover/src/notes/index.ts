/**
 * Shielded notes: keys, the note format (bit for bit with circuits/src/notes.circom), encryption to
 * a viewing key, the tree, witnesses, proving, the wallet and its atomic store.
 */
export * from "./constants.js";
export * from "./note.js";
export * from "./keys.js";
export * from "./encryption.js";
export * from "./tree.js";
export * from "./witness.js";
export * from "./prove.js";
export * from "./store.js";
export * from "./wallet.js";
export * from "./account.js";
