// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IShieldedPool} from "../notes/IShieldedPool.sol";

/// @title IMarginEngine
/// @notice Types, errors, events and external functions of the Plimsoll margin engine.
interface IMarginEngine {
    /// @notice Everything the engine is built from; fixed forever at deployment.
    struct Config {
        /// The parameter oracle; its asset slots are the engine's collateral slots.
        address oracle;
        /// The account-update verifier.
        address updateVerifier;
        /// The insolvency verifier.
        address insolvencyVerifier;
        /// circomlibjs Poseidon hasher for three inputs.
        address poseidon3;
        /// basketHash of the zero basket (prover/src/encoding.ts).
        uint256 emptyBasketHash;
        /// Slot whose token is the perp market's quote token (realised PnL is paid in it).
        uint8 settlementAsset;
        /// Seconds after its epoch that a lease lapses (> 0).
        uint64 leaseMaxAge;
        /// Seconds a lapsed lease may still be renewed before force-close.
        uint64 leaseGrace;
        /// The keeper registry: every account names a keeper there and encrypts its opening to it.
        address keeperRegistry;
        /// The market (an `IMarket`, not yet bound): its pool is every trade's counterparty and its
        /// quoter prices its instruments. The constructor binds it to this engine (`bindEngine()`).
        address market;
        /// The insurance fund (an `IInsuranceFund`, not yet bound) backing the market's pool. The
        /// constructor binds it to this engine.
        address insuranceFund;
        /// The shielded note pool (an `IShieldedPool` on the same oracle, not yet bound). The constructor
        /// binds it: this engine holds its tokens, and accounts absorb and emit its notes.
        address shieldedPool;
        /// The verifier of account updates that absorb a note (circuits/main/account_absorb.circom).
        address absorbVerifier;
        /// The verifier of account updates that emit a note (circuits/main/account_emit.circom).
        address emitVerifier;
        /// The verifier of portfolio-margin account updates (circuits/main/account_update_portfolio.circom).
        address portfolioVerifier;
        /// Where a partial liquidation restores an account: the target ratio is mm + targetHealthBps / 10,000
        /// of (im - mm), in (0, 10,000).
        uint16 targetHealthBps;
        /// The Dutch auction's opening bonus, as a fraction (out of 10,000) of the oracle's bound (<= 10,000).
        uint16 auctionStartBps;
        /// Seconds over which the auction's bonus rises to the oracle's bound (> 0).
        uint64 auctionDuration;
        /// Seconds after it froze that a frozen account's unsettled debt may be seized (`seizeFrozen`).
        uint64 seizeDelay;
    }

    /// @notice The new opening of an account, encrypted to its keeper (the proof shows it is right).
    struct KeeperNote {
        /// The keeper the account names (its registry id); a new one must be nameable.
        uint64 keeperId;
        /// Baby Jubjub ephemeral public key k * Base8.
        uint256[2] ephemeralKey;
        /// The opening (8 packed amount pairs and the blinding) plus the keystream.
        uint256[9] ciphertext;
    }

    /// @notice What a liquidator takes from a basket: up to two slots (a second amount of 0 if one).
    struct Seizure {
        uint8 indexA;
        uint96 amountA;
        uint8 indexB;
        uint96 amountB;
    }

    /// @notice A Groth16 proof as the generated verifier takes it.
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice An account's on-chain state. The basket itself is never stored, only its commitment.
    struct Account {
        /// Poseidon(basketHash, blinding, owner); 0 until the first update (the empty-basket commitment applies).
        uint256 commitment;
        /// Epoch of the last proof that showed maintenance margin (0: never): the solvency lease.
        uint64 leaseEpoch;
        /// Timestamp of that epoch; while frozen, when it froze (a frozen account has no position and no lease:
        /// its debt may be seized `seizeDelay` after this).
        uint64 leaseTimestamp;
        /// The oracle's price regime at that epoch: the lease lapses when a new regime starts.
        uint64 leaseRegime;
        /// Bit j set when the account has an open position in market j.
        uint8 openMarkets;
        /// Set when positions were closed by force and the realised PnL awaits `settle`.
        bool frozen;
        /// The keeper the account named (0: none yet); its key receives every new opening.
        uint40 keeperId;
        /// Portfolio margin (`chooseMarginMode`): every margin proof is a scenario test (PortfolioMargin.sol)
        /// with the portfolio verifier. False (the default): simple margin.
        bool portfolio;
    }

    /// @notice What a frozen account owes or is owed, in settlement-token base units.
    struct Settlement {
        /// The change `settle` applies to the basket's settlement slot: negative for a debt.
        int128 basketDelta;
        /// The part of a debt neither the keeper's bond nor the insurance fund could advance: repaid to the pool first.
        uint128 owedToPool;
        /// The part of a debt the bond of keeper `bondKeeper` advanced: repaid into that bond next (the fund last).
        uint128 owedToKeeper;
        /// The keeper whose bond advanced `owedToKeeper` (the account's keeper at the first shortfall).
        uint64 bondKeeper;
    }

    /// @notice What a liquidator was credited and may `claim` (pull payments: liquidations move no token to it).
    ///         `used` stays set once written, so a claim never returns the slot to zero and the next credit is a
    ///         storage update (5,000 gas), not a new slot (22,100).
    struct Claimable {
        uint248 amount;
        bool used;
    }

    /// @notice The Dutch auction's clock of an account.
    struct Distress {
        /// Epoch of the flag (a first insolvency proof); the flag counts only while newer than the lease.
        uint64 flagEpoch;
        /// When it was flagged: the Dutch auction's bonus rises from then.
        uint64 flaggedAt;
    }

    /// @notice Where an account's solvency lease stands.
    enum LeaseStatus {
        /// No open position: nothing to lapse.
        Inactive,
        /// Renewed recently enough and in the oracle's current price regime.
        Current,
        /// Too old or from an earlier price regime; the owner may still renew within the grace period.
        Lapsed,
        /// Lapsed for longer than the grace period: anyone may force-close the positions.
        Expired
    }

    /// @notice A public perp position, in one slot: size in 1e-18 units of the underlying (|size| < 2^96),
    ///         entry price with 8 decimals (< 2^56), and the market's funding index (1e-16 USD per whole unit)
    ///         at which its funding was last realised.
    struct Position {
        int104 size;
        uint56 entryPrice;
        int96 fundingIndex;
    }

    /// @notice One side of a market's open positions as funding sees them: the sum of their sizes (each
    ///         rounded up to `OI_SIZE_UNIT`) and of each such size times the position's funding index.
    ///         `used` stays set once written, so the slot never returns to zero (as `OpenInterest.used`).
    struct FundingSide {
        int192 indexSum;
        uint56 size;
        bool used;
    }

    /// @notice A market's funding: the cumulative index (funding per unit of size since deployment, 1e-16
    ///         USD per whole unit; positive: longs have paid) as of the oracle's grid step `step`, and the
    ///         open sides' sums from which `poolReserve` counts the funding the pool owes.
    struct MarketFunding {
        int96 index;
        uint64 step;
        FundingSide long;
        FundingSide short;
    }

    /// @notice The open interest of one market, per side, in one slot, rounded so that the pool's debt it
    ///         implies is never below the exact one: long size up and long cost down, short size down and
    ///         short cost up. Sizes in units of 1e-5 of the underlying (`OI_SIZE_UNIT` of 1e-18), costs
    ///         (size times entry price) in whole quote tokens; each position adds its own rounded share and
    ///         removes the same share when it changes, so the sums are exact sums of those shares.
    ///         `used` stays set once written, so the slot never returns to zero (re-opening a market costs a
    ///         storage update, not a new slot).
    struct OpenInterest {
        uint56 longSize;
        uint56 shortSize;
        uint64 longCost;
        uint64 shortCost;
        bool used;
    }

    /// @notice The kinds of account update, as logged in `AccountUpdated`.
    enum Action {
        Deposit,
        Withdraw,
        Trade,
        RenewLease,
        Settle,
        AbsorbNote,
        EmitNote
    }

    /// @notice Which margin an update must clear.
    enum Margin {
        None,
        Initial,
        Maintenance
    }

    /// @notice Thrown when a proof names an epoch that is not the oracle's current one.
    error StaleEpoch(uint64 given, uint64 current);
    /// @notice Thrown when the oracle's current epoch (sampled at `epochTimestamp`) is older than
    ///         `maxEpochAge` seconds: nobody has poked it for a whole grid step, so its prices are too
    ///         old to trade or prove against. Anyone can call `poke()` on the oracle.
    error OracleStale(uint64 epochTimestamp, uint256 maxEpochAge);
    /// @notice Thrown when the Groth16 proof does not verify against the public inputs the engine derived.
    error InvalidProof();
    /// @notice A portfolio-margin account cannot use a simple-margin proof (note emission, insolvency).
    error PortfolioAccount(address account);
    /// @notice The margin mode changes only with no open position and an account that is not frozen.
    error MarginModeLocked(address account, uint8 openMarkets, bool frozen);
    /// @notice Thrown when the new commitment is not a BN254 field element.
    error CommitmentNotInField(uint256 commitment);
    /// @notice Thrown when the new commitment equals the old one (the proof would be replayable).
    error CommitmentUnchanged(uint256 commitment);
    /// @notice Thrown when an amount or size is zero where a change is required.
    error ZeroAmount();
    /// @notice Thrown when a token amount is not below 2^96.
    error AmountTooLarge(uint256 amount);
    /// @notice Thrown when an asset slot has no collateral token.
    error UnknownAsset(uint256 asset);
    /// @notice Thrown when a market index is not one of the oracle's markets.
    error UnknownMarket(uint256 market);
    /// @notice Thrown when the oracle has no price for a market's underlying yet (or one of 2^56 or more).
    error NoMarkPrice(uint256 market);
    /// @notice Thrown when a position size would leave the supported range (|size| < 2^96).
    error PositionTooLarge(int256 size);
    /// @notice Thrown when a requirement does not fit the circuit's 150-bit requirement field.
    error RequirementTooLarge(uint256 requirement);
    /// @notice Thrown when realised PnL does not fit a single 96-bit basket delta.
    error PnlTooLarge(int256 pnl);
    /// @notice Thrown when a market's funding index would leave its 96 bits.
    error FundingIndexTooLarge(uint256 market, int256 index);
    /// @notice Thrown on a reentrant call.
    error Reentrancy();
    /// @notice Thrown when an account names a keeper that is not registered, has asked to exit, or whose bond was
    ///         drawn and not yet made whole.
    error KeeperNotNameable(uint256 keeperId);
    /// @notice Thrown when an account with open positions names another keeper in an update that does not renew
    ///         its lease (a deposit, an absorbed note): the new keeper would answer for a lease it never saw
    ///         proved, and an account about to lapse could move its force-close onto another keeper's bond.
    error KeeperChangeNeedsRenewal(uint256 current, uint256 keeperId);
    /// @notice Thrown at construction when the keeper registry does not fit (`reason`): its bond token is not the
    ///         settlement token, or it could not be bound to this engine.
    error InvalidKeeperRegistry(address registry, string reason);
    /// @notice Thrown when an account keeps a keeper whose exit has completed: it must name another.
    error KeeperGone(uint256 keeperId);
    /// @notice Thrown when an update that renews the lease of open positions keeps a keeper that has asked to
    ///         exit: no lease may outlive its keeper, so the account must name another.
    error KeeperExiting(uint256 keeperId);
    /// @notice Thrown at construction when the keeper registry's exit delay is shorter than a lease and its
    ///         grace (`needed`): a keeper could then leave while a lease naming it is still current.
    error ExitDelayTooShort(uint256 exitDelay, uint256 needed);
    /// @notice Thrown when an initial-margin check (opening or growing a position, withdrawing) includes a
    ///         market that takes no new risk: its underlying's price is frozen or cooling off after a breaker.
    error MarketHalted(uint256 market);
    /// @notice Thrown when a keeper id does not fit the account's 40-bit field.
    error KeeperIdTooLarge(uint256 keeperId);
    /// @notice Thrown when an element of the keeper note is not a field element.
    error NoteNotInField(uint256 value);
    /// @notice Thrown when a frozen account tries anything but a deposit or `settle`.
    error AccountFrozen(address account, int256 basketDelta);
    /// @notice Thrown when `settle` is called on an account that is not frozen.
    error NotFrozen(address account);
    /// @notice Thrown when `forceClose` targets an account without open positions.
    error NoOpenPosition(address account);
    /// @notice Thrown when `forceClose` comes before the lease lapsed and its grace period ended.
    error LeaseNotExpired(address account, uint256 closableAt);
    /// @notice Thrown when a seizure names the same slot twice with two non-zero amounts.
    error DuplicateSeizure(uint8 index);
    /// @notice Thrown when what the liquidator must pay for the seized assets exceeds the loss to cover.
    error SeizureTooLarge(uint256 payment, uint256 loss);
    /// @notice Thrown when a partial liquidation closes 0 or all (10,000 bps or more) of the positions.
    error CloseOutOfRange(uint256 closeBps);
    /// @notice Thrown when a partial liquidation moves settlement tokens into or out of the basket (its delta is
    ///         not 0) and its second seized slot is not the settlement slot, or is the first one.
    error DeltaSlot(uint8 indexB, uint8 settlementAsset);
    /// @notice Thrown when a partial liquidation bids a bonus factor above the auction's now (out of 10,000).
    error BonusAboveAuction(uint256 bid, uint256 auction);
    /// @notice Thrown when `flagLiquidatable` targets an account already flagged since its last lease.
    error AlreadyFlagged(address account, uint64 flaggedAt);
    /// @notice Thrown when `seizeFrozen` targets an account that is not frozen with a debt.
    error NoDebt(address account, int256 basketDelta);
    /// @notice Thrown when `claim` finds nothing credited to the caller in slot `asset`.
    error NothingToClaim(address liquidator, uint256 asset);
    /// @notice Thrown when `seizeFrozen` comes before `seizeDelay` passed since the account froze.
    error SeizureNotDue(address account, uint256 seizableAt);
    /// @notice Thrown at construction when a liquidation constant is out of range (`name` says which).
    error InvalidLiquidationConfig(string name);
    /// @notice Thrown by the constructor when the market or the fund does not fit the engine (`reason`
    ///         says why: another quote token, too many instruments, a fund for another pool, or an
    ///         `bindEngine()` that did not bind it to this engine).
    error InvalidMarket(address market, string reason);
    /// @notice Thrown by the constructor when the shielded pool does not fit the engine (`reason` says why:
    ///         other asset slots or tokens, or a `bindEngine()` that did not bind it to this engine).
    error InvalidShieldedPool(address pool, string reason);
    /// @notice Thrown when `releaseNote` is called by another address than the shielded pool.
    error NotShieldedPool(address caller);

    /// @notice Emitted on every accepted account update. `leaseRenewed` is true when the proof showed
    ///         maintenance margin (or stricter) at `epoch`, which renews the solvency lease.
    event MarginModeChanged(address indexed account, bool portfolio);

    event AccountUpdated(
        address indexed account,
        Action indexed action,
        uint64 indexed epoch,
        uint256 oldCommitment,
        uint256 newCommitment,
        uint8 asset,
        int256 delta,
        uint256 requirement,
        bool leaseRenewed
    );
    /// @notice Emitted when a position changes; realised PnL (of the price, funding apart) is in
    ///         settlement-token base units.
    event PositionChanged(
        address indexed account,
        uint8 indexed market,
        int256 oldSize,
        int256 newSize,
        uint256 price,
        int256 realisedPnl
    );
    /// @notice Emitted when a position's funding is realised into the settlement slot (trade, renewal,
    ///         force-close, liquidation): `owed` > 0 the basket paid the pool (rounded up), < 0 it received
    ///         (rounded toward zero); `index` is the market's funding index it was realised at.
    event FundingPaid(address indexed account, uint8 indexed market, int256 owed, int256 index);

    /// @notice Emitted when an expired lease's positions are closed by force at the oracle mark.
    /// @param realisedPnl Total realised PnL and funding in settlement-token base units (negative: the account owes it).
    /// @param covered The part of a loss paid to the pool at once: by the keeper's bond first, then the insurance fund.
    event ForceClosed(
        address indexed account, address indexed caller, uint64 indexed epoch, int256 realisedPnl, uint256 covered
    );
    /// @notice Emitted with every account update: the new opening, encrypted to the account's keeper.
    ///         The nonce of the encryption is `epoch`.
    event KeeperNoteSent(
        address indexed account,
        uint64 indexed keeperId,
        uint64 indexed epoch,
        uint256 commitment,
        uint256[2] ephemeralKey,
        uint256[9] ciphertext
    );
    /// @notice Emitted when an insolvent account is liquidated.
    /// @param realisedPnl Total realised PnL and funding of the closed positions (settlement-token base units).
    /// @param payment What the liquidator paid the pool for the seized assets (at the oracle price less the bonus).
    /// @param remainderCommitment The commitment to what stays in the basket.
    event Liquidated(
        address indexed account,
        address indexed liquidator,
        uint64 indexed epoch,
        int256 realisedPnl,
        uint8 indexA,
        uint256 amountA,
        uint8 indexB,
        uint256 amountB,
        uint256 payment,
        uint256 remainderCommitment
    );
    /// @notice Emitted when part of an insolvent account's positions is closed and its basket restored.
    /// @param closeBps The part of every position closed, out of 10,000.
    /// @param realisedPnl Realised PnL of the closed part plus the funding of the whole positions (settlement-token base units).
    /// @param payment What the liquidator paid for the seized assets (at the oracle price less the auction bonus).
    /// @param basketDelta realisedPnl + payment: what the basket's settlement slot (indexB) gained or lost.
    event PartiallyLiquidated(
        address indexed account,
        address indexed liquidator,
        uint64 indexed epoch,
        uint16 closeBps,
        int256 realisedPnl,
        uint8 indexA,
        uint256 amountA,
        uint8 indexB,
        uint256 amountB,
        uint256 payment,
        int256 basketDelta,
        uint256 remainderCommitment
    );
    /// @notice Emitted when an insolvency proof flags an account: the Dutch auction's bonus rises from now.
    event Flagged(address indexed account, address indexed flagger, uint64 indexed epoch);
    /// @notice Emitted when a frozen account's basket is seized against its debt.
    event FrozenSeized(
        address indexed account,
        address indexed keeper,
        uint64 indexed epoch,
        uint8 indexA,
        uint256 amountA,
        uint8 indexB,
        uint256 amountB,
        uint256 repaidToPool,
        uint256 repaidToFund,
        uint256 remainderCommitment
    );
    /// @notice Emitted when a liquidator takes what liquidations credited it in slot `asset`.
    event Claimed(address indexed liquidator, uint256 indexed asset, address to, uint256 amount);
    /// @notice Emitted when a frozen account settles: `basketDelta` moved into its basket's settlement slot.
    event Settled(address indexed account, int256 basketDelta, uint256 repaidToPool, uint256 repaidToFund);

    /// @notice Deposits `amount` of asset slot `asset` into the caller's private basket.
    function deposit(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external;

    /// @notice Withdraws `amount` of asset slot `asset`; what stays must clear initial margin.
    function withdraw(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external;

    /// @notice Opens, grows, reduces or closes a perp position by `sizeDelta`.
    function trade(
        uint8 market,
        int256 sizeDelta,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external;

    /// @notice Chooses the caller's margin mode: portfolio (a scenario test, PortfolioMargin.sol) or simple
    ///         (the default). Only with no open position and an account that is not frozen (`MarginModeLocked`);
    ///         the basket and its commitment do not change.
    function chooseMarginMode(bool portfolio) external;

    /// @notice Renews the maintenance lease with a proof at the current epoch; the open positions' funding is
    ///         realised into the settlement slot (the proof's delta; none without funding).
    function renewLease(uint64 epoch, uint256 newCommitment, KeeperNote calldata note, Proof calldata proof) external;

    /// @notice Absorbs a shielded note into the caller's basket at the note's own slot. The proof shows the
    ///         note is in the pool's tree at `root` and that `nullifier` is its nullifier; slot and amount
    ///         stay private. No requirement (as a deposit): allowed for a frozen account.
    function absorbNote(
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof,
        uint256 root,
        uint256 nullifier
    ) external;

    /// @notice Emits a shielded note out of the caller's basket; what stays must clear initial margin (as a
    ///         withdrawal). Slot, amount and recipient stay private.
    function emitNote(
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof,
        uint256 noteCommitment,
        IShieldedPool.EncryptedNote calldata encrypted
    ) external;

    /// @notice Closes every position of `account` at the oracle mark once its lease has expired.
    function forceClose(address account) external;

    /// @notice Liquidates an account below maintenance margin, proved with an insolvency proof.
    function liquidate(
        address account,
        uint64 epoch,
        Seizure calldata seizure,
        uint256 remainderCommitment,
        Proof calldata proof
    ) external;

    /// @notice Closes `closeBps` / 10,000 of every position of an account below maintenance margin and seizes
    ///         part of its basket, proved with an insolvency proof that the remainder clears the target.
    function liquidatePartial(
        address account,
        uint64 epoch,
        uint16 closeBps,
        uint16 bonusBps,
        Seizure calldata seizure,
        uint256 remainderCommitment,
        Proof calldata proof
    ) external;

    /// @notice Flags an account below maintenance margin (an insolvency proof seizing nothing): the Dutch
    ///         auction's bonus rises from now.
    function flagLiquidatable(address account, uint64 epoch, uint256 remainderCommitment, Proof calldata proof)
        external;

    /// @notice Seizes a frozen account's assets against its unsettled debt, `seizeDelay` after it froze.
    function seizeFrozen(
        address account,
        uint64 epoch,
        Seizure calldata seizure,
        uint256 remainderCommitment,
        Proof calldata proof
    ) external;

    /// @notice Sends `to` everything liquidations (`liquidate`, `liquidatePartial`, `seizeFrozen`) credited the
    ///         caller in slot `asset`: the seized assets and any seized settlement tokens beyond its payment.
    ///         Credited rather than sent, so a liquidation makes no transfer to its liquidator; a token that
    ///         refuses the transfer fails the claim only (claim to another address).
    function claim(uint256 asset, address to) external returns (uint256 amount);

    /// @notice Moves a frozen account's pending settlement into its basket with a proof, and unfreezes it.
    function settle(uint64 epoch, uint256 newCommitment, KeeperNote calldata note, Proof calldata proof) external;
}
