/**
 * Constants of the shielded pool, each the twin of a circom function in circuits/src/notes.circom
 * and of a constant of contracts/notes/ShieldedPool.sol (test/notes checks they agree).
 */

/** Children per node: the note tree is quaternary (Poseidon(4) nodes). */
export const NOTE_TREE_ARITY = 4;
/** Levels of the note tree (NOTE_TREE_LEVELS(), TREE_LEVELS): 4^12 = 2^24 leaf positions. */
export const NOTE_TREE_LEVELS = 12;
/** log2 of the leaf positions. */
export const NOTE_TREE_DEPTH_BITS = 2 * NOTE_TREE_LEVELS;
/** Levels of one batch's subtree (NOTE_BATCH_LEVELS()): 16 leaves. */
export const NOTE_BATCH_LEVELS = 2;
/** log2 of the batch size (BATCH_LOG). */
export const NOTE_BATCH_LOG = 2 * NOTE_BATCH_LEVELS;
/** Leaves per batch (BATCH_SIZE). */
export const NOTE_BATCH_SIZE = 1 << NOTE_BATCH_LOG;
/** Batches the tree holds: 2^20, so at least 2^20 notes even if every batch is a flush of one. */
export const NOTE_MAX_BATCHES = 1 << (NOTE_TREE_DEPTH_BITS - NOTE_BATCH_LOG);
/** Bits of an asset slot in a note (NOTE_SLOT_BITS()): 16 slots. */
export const NOTE_SLOT_BITS = 4;
/** Roots the pool accepts: the current one and the 63 before it (ROOT_HISTORY). */
export const NOTE_ROOT_HISTORY = 64;
/**
 * Nonce of the note-encryption keystream: ASCII "plimsoll.note" as a big-endian integer. Keeper
 * notes use oracle epochs (< 2^64) as nonces; this is far above, so the two never share a keystream.
 */
export const NOTE_NONCE = 0x706c696d736f6c6c2e6e6f7465n;

/** Circuit names (circuits/main/<name>.circom; the build writes build/circuits/<name>, build/keys/<name>.zkey). */
export const JOIN_SPLIT_CIRCUIT = "note_join_split";
export const BATCH_INSERT_CIRCUIT = "note_batch_insert";
