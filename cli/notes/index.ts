/**
 * `plimsoll notes`: the shielded note wallet on the deployment's ShieldedPool (contracts/notes/README.md).
 *
 *   plimsoll notes init [--seed seed.json]            a wallet store for this chain and pool
 *   plimsoll notes address                             the pz1 shielded address to give senders
 *   plimsoll notes shield --asset USDC --amount 100    tokens into a note
 *   plimsoll notes flush                               insert the queued notes into the tree (a proof)
 *   plimsoll notes transfer --to pz1... --asset USDC --amount 40
 *   plimsoll notes unshield --asset USDC --amount 50 --to 0x... [--relayer 0x... --fee 1]
 *   plimsoll notes absorb --leaf 3                     the account absorbs a note into its basket
 *   plimsoll notes emit --asset USDC --amount 20       the account emits a note out of its basket
 *
 * `runNotes(argv)` takes the arguments after `notes` and returns the exit code (0 ok, 1 a failure,
 * 2 bad input), printing errors as `plimsoll notes: ...`.
 */
import { isDirectRun, runGroup, type CommandGroup } from "../command.js";
import { CHAIN_HELP } from "../chain/connect.js";
import { DEFAULT_STORE, SUB_HELP } from "../trader/account.js";
import { absorb, emit } from "./account.js";
import { address, flush, init, list, scan, shield, transfer, unshield } from "./pool.js";
import { NOTES_OPTIONS, SEED_HELP, WALLET_HELP } from "./wallet.js";

/** One line per command, for the top-level `plimsoll --help`. */
export const NOTES_SUMMARY = `  notes init       Create a note wallet for the deployment's shielded pool (keys from a seed file or the account)
  notes address    The wallet's shielded address (pz1...) to give senders
  notes scan       Read the pool's new events: notes received, notes spent, batches inserted
  notes list       The wallet's notes (asset, amount, leaf, spent, in the tree) and balances
  notes shield     Tokens into a shielded note (approve and shield; no proof)
  notes transfer   Send shielded value to a pz1 address privately (a join-split proof)
  notes unshield   Shielded value out to an address, optionally through a relayer for a fee
  notes flush      Prove and submit the insertion of the queued notes, so that they can be spent
  notes absorb     The account absorbs one of the wallet's notes into its basket (slot and amount private)
  notes emit       The account emits a note out of its basket (initial margin must still hold)`;

export const NOTES_HELP = `plimsoll notes — shielded collateral notes

Usage: plimsoll notes <init|address|scan|list|shield|transfer|unshield|flush|absorb|emit> [options]

${NOTES_SUMMARY}

Run 'plimsoll notes <command> --help' for its options. Every command accepts --json.
The commands that change state scan the pool first, so the wallet is current. A note can be spent
(transfer, unshield, absorb) once its batch is in the tree: after 16 notes, or a 'notes flush'.`;

const CHAIN = `${CHAIN_HELP}
  --json         machine-readable output`;

const COMMON = `${SEED_HELP}
${WALLET_HELP}
${CHAIN}`;

const ACCOUNT_COMMON = `  --store        opening store folder of the account (default $PLIMSOLL_STORE or ${DEFAULT_STORE}); PRIVATE
  --keeper-id    the keeper to encrypt the account's new opening to (required while the account names none)
${SUB_HELP}
${COMMON}`;

export const NOTES_COMMAND_HELP: Record<string, string> = {
  init: `Usage: plimsoll notes init [--seed <file>] [--wallet <file>] [chain options] [--json]

Creates an empty note wallet store for the deployment's shielded pool (scanning will start at the
deployment block) and prints its shielded address. Refuses to replace an existing wallet store.
The note keys are never written by the CLI: every command derives them again, from --seed or,
without it, from the chain wallet's signature of a fixed message (the same account always gives
the same keys; that signature is a spending key, so never sign the message anywhere else).
With --seed naming a file that does not exist, init writes a fresh 32-byte seed there (mode 0600,
atomically): back it up, it spends the wallet's notes. To keep the notes unlinked from your
account, use a seed file and send transactions from another wallet.
${COMMON}`,
  address: `Usage: plimsoll notes address [--show-secrets] [--seed <file>] [chain options] [--json]

Prints the wallet's shielded address: pz1 and 192 hex digits (owner key, viewing key). Give it to
senders ('notes transfer --to', 'notes shield --to', 'notes emit --to').
  --show-secrets print the spending and viewing secrets too (whoever has the spending secret spends the notes)
${SEED_HELP}
${CHAIN}`,
  scan: `Usage: plimsoll notes scan [--seed <file>] [--wallet <file>] [chain options] [--json]

Reads the pool's events since the last scan (NoteQueued, BatchInserted, NullifiersSpent,
NoteAbsorbed), rebuilds the tree and checks each root against the pool's, finds the notes sent to
this wallet by trial decryption, marks its spent ones, and saves the wallet. Prints what was new.
${COMMON}`,
  list: `Usage: plimsoll notes list [--all] [--seed <file>] [--wallet <file>] [chain options] [--json]

Scans, then prints the wallet's unspent notes: leaf index, asset, amount, and whether it is in the
tree (spendable) or waiting for its batch; and the balance of each asset (total and spendable).
  --all          include spent notes
${COMMON}`,
  shield: `Usage: plimsoll notes shield --asset <SYMBOL|slot> --amount <tokens> [--to <pz1...>] [chain options] [--json]

Approves the pool for the amount when needed and shields it from the chain wallet into a new note,
for this wallet (default) or --to. The deposit is public (depositor, asset, amount); the note's owner
is not. No proof. The note can be spent once its batch is inserted ('plimsoll notes flush').
  --asset        the token, by symbol or asset slot (required)
  --amount       whole tokens, e.g. 250.5 (required)
  --to           the recipient's shielded address (default: this wallet)
${COMMON}`,
  transfer: `Usage: plimsoll notes transfer --to <pz1...> --asset <SYMBOL|slot> --amount <tokens> [chain options] [--json]

Sends --amount privately to a shielded address: proves a join-split that spends one or two of the
wallet's notes already in the tree and makes the recipient's note and this wallet's change note
(their openings encrypted to each owner's viewing key). Nothing but the fact of a transfer is
public. The chain wallet sends the transaction.
  --to           the recipient's shielded address (required)
  --asset        the token, by symbol or asset slot (required)
  --amount       whole tokens (required; at most what two notes in the tree hold)
${COMMON}`,
  unshield: `Usage: plimsoll notes unshield --asset <SYMBOL|slot> --amount <tokens> --to <0x...> [--relayer <0x...> --fee <tokens>] [chain options] [--json]

Takes --amount out of the pool: proves a join-split that spends one or two of the wallet's notes
(the change goes back to the wallet as a note); the recipient receives --amount minus --fee and the
relayer --fee. Recipient, relayer and fee are bound in the proof, so whoever sends the transaction
cannot change them. The chain wallet sends it (pass the relayer's wallet to have it send).
Public: the asset, the amount, the recipient, the relayer and the fee.
  --asset        the token, by symbol or asset slot (required)
  --amount       whole tokens taken from the notes, fee included (required)
  --to           the recipient address (required; a fresh one keeps it unlinked)
  --relayer      the address the fee is paid to
  --fee          whole tokens out of --amount for the relayer (default 0; needs --relayer)
${COMMON}`,
  flush: `Usage: plimsoll notes flush [--seed <file>] [--wallet <file>] [chain options] [--json]

Scans, then proves and submits the insertion of every batch waiting in the queue (the open batch
too, padded: a flush of one note wastes 15 leaf positions), so that the queued notes (anyone's)
become spendable. Anyone may flush; it costs about 270k gas per batch. Without a wallet store for
these keys it rebuilds the tree from the pool's events in a temporary store (removed after). When another note or another
insertion comes first, it scans and proves again. Flushing right after your own shield links your
timing to your note's batch.
${COMMON}`,
  absorb: `Usage: plimsoll notes absorb --leaf <index> [--keeper-id <id>] [chain options] [--json]

The chain wallet's account (or its sub-account --sub n) absorbs the wallet's note at --leaf (in the tree, unspent) into its
basket, at the note's asset: an account-update proof with the note's membership and nullifier.
No margin requirement (as a deposit); the slot and the amount stay private (the engine logs delta 0)
and no token moves. The new opening goes to the account's keeper and the opening store.
  --leaf         the note's leaf index, from 'plimsoll notes list' (required)
${ACCOUNT_COMMON}`,
  emit: `Usage: plimsoll notes emit --asset <SYMBOL|slot> --amount <tokens> [--to <pz1...>] [chain options] [--json]

The chain wallet's account (or its sub-account --sub n) emits a note of --amount out of its basket, for this wallet (default) or
--to: an account-update proof at initial margin (what stays must clear the initial requirement of
the open positions, as a withdrawal). The slot and the amount stay private (delta 0) and no token
moves. The note can be spent once its batch is inserted ('plimsoll notes flush').
  --asset        the token, by symbol or asset slot (required)
  --amount       whole tokens (required; at most what the basket holds)
  --to           the recipient's shielded address (default: this wallet)
${ACCOUNT_COMMON}`,
};

const RUN = { init, address, scan, list, shield, transfer, unshield, flush, absorb, emit };

/** The notes group. */
export const notesGroup: CommandGroup<typeof NOTES_OPTIONS> = {
  prefix: "plimsoll notes",
  commandPrefix: "notes ",
  help: NOTES_HELP,
  options: NOTES_OPTIONS,
  commands: Object.fromEntries(Object.entries(RUN).map(([name, run]) => [name, { help: NOTES_COMMAND_HELP[name]!, run }])),
  // A note-input error of the library (a malformed address, an amount out of range) is bad input.
  isInputError: (err) => err instanceof Error && err.name === "WitnessInputError",
  helpCommand: "plimsoll notes --help",
};

/** Runs `plimsoll notes ...` (argv after `notes`). */
export function runNotes(argv: string[]): Promise<number> {
  return runGroup(notesGroup, argv);
}

if (isDirectRun(import.meta.url)) process.exit(await runNotes(process.argv.slice(2)));
