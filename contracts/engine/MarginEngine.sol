// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {AccountUpdates} from "./AccountUpdates.sol";
import {Positions} from "./Positions.sol";
import {Leases} from "./Leases.sol";
import {Liquidation} from "./Liquidation.sol";
import {NoteUpdates} from "./NoteUpdates.sol";
import {INoteCustody, IShieldedPool} from "../notes/IShieldedPool.sol";
import {IMarket, IMarketEngine, IMarketQuoter} from "../interfaces/IMarket.sol";
import {IPerpMarket} from "../market/IPerpMarket.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {IAccountAbsorbVerifier, IAccountEmitVerifier, IAccountUpdatePortfolioVerifier, IAccountUpdateVerifier, IInsolvencyVerifier} from "../interfaces/IVerifiers.sol";
import {IPoseidon3} from "../interfaces/IPoseidon.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";
import {IKeeperRegistry} from "../keeper/IKeeperRegistry.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {BPS, MAX_MARKETS, N_ASSETS as COLLATERAL_SLOTS} from "../libraries/Constants.sol";

/// @title MarginEngine
/// @notice Holds the collateral of private baskets and lets an account change only with a
///         zero-knowledge proof that its basket still clears the margin its public positions need.
/// @dev Governance-free: no owner, no setter, no pause, no proxy. Every dependency is immutable.
///      The chain stores one commitment per account; the basket (amounts and blinding) stays with
///      the trader. The requirement a proof must clear is always computed here from the account's
///      public positions and the oracle's current epoch, never taken from calldata.
///
///      The engine is split by concept (see contracts/engine/README.md), in the manner of Uniswap v4's
///      PoolManager and its concept libraries. This contract holds the state, the custody, the entry
///      points, the views and `forceClose`. The linked libraries hold the rest: `AccountUpdates`
///      (deposit, withdraw, renewLease, and every account-update proof's public inputs), `Positions`
///      (trade, requirement), `Leases` (settle, lease expiry) and `Liquidation` (liquidate). A linked
///      library runs by DELEGATECALL in the engine's context: storage, custody, `msg.sender`, events
///      and errors are the engine's.
///
///      The market and its insurance fund are not built here: they are deployed first and passed in,
///      and the constructor binds both to this engine with their one-time `bindEngine()`. Nothing can
///      admit another market, replace one, or unbind it later.
contract MarginEngine is IMarginEngine, IMarketEngine, INoteCustody {
    using SafeTransferLib for address;

    /// @notice Thrown by the constructor when the oracle's haircut horizon (`horizonSamples * gridSeconds`,
    ///         seconds) is shorter than the engine's time from insolvency to liquidation: one grid step, the
    ///         lease grace and the keeper's time (`maxEpochAge`, two grid steps).
    error HorizonTooShort(uint256 horizonSeconds, uint256 neededSeconds);

    /// @notice Number of collateral slots the account-update circuit is compiled for.
    uint256 public constant N_ASSETS = COLLATERAL_SLOTS;

    /// @notice The governance-free parameter oracle.
    IPlimsollOracle public immutable oracle;
    /// @notice The generated Groth16 verifier of the account-update circuit.
    IAccountUpdateVerifier public immutable verifier;
    /// @notice The generated Groth16 verifier of the portfolio-margin account-update circuit.
    IAccountUpdatePortfolioVerifier public immutable portfolioVerifier;
    /// @notice The generated Groth16 verifier of the insolvency circuit.
    IInsolvencyVerifier public immutable insolvencyVerifier;
    /// @notice The generated Groth16 verifier of account updates that absorb a shielded note.
    IAccountAbsorbVerifier public immutable absorbVerifier;
    /// @notice The generated Groth16 verifier of account updates that emit a shielded note.
    IAccountEmitVerifier public immutable emitVerifier;
    /// @notice The shielded note pool whose tokens this engine holds, bound at construction.
    IShieldedPool public immutable shieldedPool;
    /// @notice circomlibjs Poseidon hasher for three inputs.
    IPoseidon3 public immutable poseidon3;
    /// @notice basketHash of the all-zero basket, so that a new account starts from a known commitment.
    uint256 public immutable emptyBasketHash;
    /// @notice The asset slot in which realised PnL is paid (the market's quote token).
    uint8 public immutable settlementAsset;
    /// @notice ERC-20 token of the settlement slot.
    address public immutable settlementToken;
    /// @notice Decimals of the settlement token (realised PnL is paid in its base units).
    uint8 public immutable quoteDecimals;
    /// @notice The market (its liquidity pool is every trade's counterparty), admitted at construction.
    IMarket public immutable market;
    /// @notice Quotes the market's instruments (the market's `quoter()`, read once at construction).
    IMarketQuoter public immutable quoter;
    /// @notice Number of collateral slots the oracle configures.
    uint256 public immutable assetCount;
    /// @notice Number of instruments of the market (engine market index j is the market's instrument j).
    uint256 public immutable marketCount;
    /// @notice An epoch older than this (two oracle grid steps) is stale: updates wait for a poke.
    uint256 public immutable maxEpochAge;
    /// @notice The insurance fund backing the market's pool, admitted at construction.
    IInsuranceFund public immutable insuranceFund;
    /// @notice The keeper registry accounts name their keepers in.
    IKeeperRegistry public immutable keeperRegistry;
    /// @notice A lease lapses this many seconds after the epoch it was proved at.
    uint64 public immutable leaseMaxAge;
    /// @notice After a lease lapses, the owner has this many seconds to renew before anyone may force-close.
    uint64 public immutable leaseGrace;

    /// @notice A partial liquidation restores the target ratio mm + targetHealthBps / 10,000 of (im - mm).
    uint16 public immutable targetHealthBps;
    /// @notice The Dutch auction opens at this fraction (out of 10,000) of the oracle's liquidation bonus.
    uint16 public immutable auctionStartBps;
    /// @notice Seconds over which the auction's bonus rises to the oracle's bound.
    uint64 public immutable auctionDuration;
    /// @notice Seconds after it froze that a frozen account's unsettled debt may be seized.
    uint64 public immutable seizeDelay;

    /// @notice Funding rate per oracle grid step (WAD): clamp(fundingCoefficient * (long - short) /
    ///         max(long + short, fundingFloor), -fundingCap, fundingCap) of each market's open interest, read
    ///         once from the market's `funding()` (a market without it has no funding: all three 0).
    uint256 public immutable fundingCoefficient;
    /// @notice The funding rate's bound per grid step (WAD, at most 1%); 0: no funding.
    uint256 public immutable fundingCap;
    /// @notice The open interest (units of 1e-5 of the underlying) below which the skew is divided by this floor.
    uint256 public immutable fundingFloor;
    /// @notice Bounds of the market's funding parameters (a larger rate could outgrow the 96-bit index).
    uint256 public constant MAX_FUNDING_CAP = 1e16;
    uint256 public constant MAX_FUNDING_COEFFICIENT = 1e20;

    EngineState internal _s;

    uint256 private transient _locked;

    modifier nonReentrant() {
        if (_locked != 0) revert Reentrancy();
        _locked = 1;
        _;
        _locked = 0;
    }

    /// @param config The oracle, verifiers, hasher, keeper registry, market, fund and constants (see `Config`).
    /// @dev Admits the market, the fund and the keeper registry: checks that they fit (same settlement token, at
    ///      most 8 instruments, the fund pays this market's pool, the keeper bonds are in the settlement token),
    ///      then binds each with `bindEngine()` and checks that it now names this engine. A market, fund or
    ///      registry someone else bound first makes the deployment fail.
    constructor(Config memory config) {
        IPlimsollOracle oracle_ = IPlimsollOracle(config.oracle);
        uint8 settlementAsset_ = config.settlementAsset;
        oracle = oracle_;
        verifier = IAccountUpdateVerifier(config.updateVerifier);
        portfolioVerifier = IAccountUpdatePortfolioVerifier(config.portfolioVerifier);
        insolvencyVerifier = IInsolvencyVerifier(config.insolvencyVerifier);
        poseidon3 = IPoseidon3(config.poseidon3);
        emptyBasketHash = config.emptyBasketHash;
        uint256 assets = oracle_.assetCount();
        if (settlementAsset_ >= assets) revert UnknownAsset(settlementAsset_);
        assetCount = assets;
        maxEpochAge = 2 * uint256(oracle_.gridSeconds());
        for (uint256 i; i < assets; ++i) {
            (address token,) = oracle_.asset(i);
            _s.tokens[i] = token;
        }
        settlementAsset = settlementAsset_;
        (address quote, uint8 quoteDecimals_) = oracle_.asset(settlementAsset_);
        settlementToken = quote;
        quoteDecimals = quoteDecimals_;
        keeperRegistry = IKeeperRegistry(config.keeperRegistry);
        if (config.leaseMaxAge == 0) revert ZeroAmount();
        leaseMaxAge = config.leaseMaxAge;
        leaseGrace = config.leaseGrace;
        // The haircuts must cover the move from insolvency to liquidation: one grid step, plus the lease grace,
        // plus the time a keeper has to land a proof on an epoch (maxEpochAge).
        uint256 horizonSeconds = uint256(oracle_.horizonSamples()) * oracle_.gridSeconds();
        uint256 neededSeconds = uint256(oracle_.gridSeconds()) + config.leaseGrace + maxEpochAge;
        if (horizonSeconds < neededSeconds) revert HorizonTooShort(horizonSeconds, neededSeconds);
        // No lease outlives its keeper: a lease renewed while the keeper was active lapses, grace included,
        // before the keeper can complete an exit (renewals that keep an exiting keeper are refused).
        uint256 exitDelay = keeperRegistry.exitDelay();
        if (exitDelay < uint256(config.leaseMaxAge) + config.leaseGrace) {
            revert ExitDelayTooShort(exitDelay, uint256(config.leaseMaxAge) + config.leaseGrace);
        }

        if (config.targetHealthBps == 0 || config.targetHealthBps >= BPS) {
            revert InvalidLiquidationConfig("targetHealthBps");
        }
        if (config.auctionStartBps > BPS) revert InvalidLiquidationConfig("auctionStartBps");
        if (config.auctionDuration == 0) revert InvalidLiquidationConfig("auctionDuration");
        targetHealthBps = config.targetHealthBps;
        auctionStartBps = config.auctionStartBps;
        auctionDuration = config.auctionDuration;
        seizeDelay = config.seizeDelay;

        IMarket market_ = IMarket(config.market);
        IInsuranceFund fund = IInsuranceFund(config.insuranceFund);
        if (market_.quoteToken() != quote || market_.quoteDecimals() != quoteDecimals_) {
            revert InvalidMarket(address(market_), "quote token is not the settlement token");
        }
        uint256 instruments = market_.marketCount();
        if (instruments > MAX_MARKETS) revert InvalidMarket(address(market_), "more than 8 instruments");
        if (fund.token() != quote || fund.pool() != address(market_)) {
            revert InvalidMarket(address(fund), "fund does not back this market's pool");
        }
        // The keeper bonds back the pool ahead of the fund: they must be in the settlement token.
        IKeeperRegistry registry = keeperRegistry;
        if (registry.bondToken() != quote) {
            revert InvalidKeeperRegistry(address(registry), "bond token is not the settlement token");
        }
        market_.bindEngine();
        if (market_.engine() != address(this)) revert InvalidMarket(address(market_), "bindEngine did not bind it");
        fund.bindEngine();
        if (fund.engine() != address(this)) revert InvalidMarket(address(fund), "bindEngine did not bind it");
        registry.bindEngine();
        if (registry.engine() != address(this)) revert InvalidKeeperRegistry(address(registry), "bindEngine did not bind it");
        market = market_;
        quoter = market_.quoter();
        (uint256 k, uint256 cap, uint256 floor) = (0, 0, 0);
        try IPerpMarket(address(market_)).funding() returns (uint256 k_, uint256 cap_, uint256 floor_) {
            (k, cap, floor) = (k_, cap_, floor_);
        } catch {}
        if (cap > MAX_FUNDING_CAP || k > MAX_FUNDING_COEFFICIENT || floor >> 64 != 0) {
            revert InvalidMarket(address(market_), "funding out of range");
        }
        fundingCoefficient = k;
        fundingCap = cap;
        fundingFloor = floor;
        marketCount = instruments;
        insuranceFund = fund;

        // One custody for baskets and notes: the pool must name the same slots and tokens.
        IShieldedPool pool = IShieldedPool(config.shieldedPool);
        if (pool.assetCount() != assets) revert InvalidShieldedPool(address(pool), "other asset slots");
        for (uint256 i; i < assets; ++i) {
            if (pool.token(i) != _s.tokens[i]) revert InvalidShieldedPool(address(pool), "other tokens");
        }
        pool.bindEngine();
        if (pool.engine() != address(this)) revert InvalidShieldedPool(address(pool), "bindEngine did not bind it");
        shieldedPool = pool;
        absorbVerifier = IAccountAbsorbVerifier(config.absorbVerifier);
        emitVerifier = IAccountEmitVerifier(config.emitVerifier);
    }

    // ------------------------------------------------------------------------------------------
    // Account updates (AccountUpdates)
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IMarginEngine
    /// @dev Collateral tokens are the oracle's; a fee-on-transfer or rebasing token would break the
    ///      equality between custody and baskets and must not be configured.
    ///      A deposit can only raise the basket's value, so its proof clears a requirement of 0:
    ///      an account below initial margin must always be able to top up. It renews the lease only
    ///      when the account has no open position (its maintenance requirement is then 0).
    ///      Runs `AccountUpdates.deposit`.
    function deposit(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external nonReentrant {
        AccountUpdates.deposit(_s, _deps(), asset, amount, epoch, newCommitment, note, proof);
    }

    /// @inheritdoc IMarginEngine
    /// @param asset Collateral slot to withdraw from.
    /// @param amount Base units to withdraw (0 < amount < 2^96).
    /// @param epoch The oracle's current epoch, which the proof is bound to.
    /// @param newCommitment Commitment to the basket after the withdrawal.
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-update proof at initial margin of the open positions.
    /// @dev Runs `AccountUpdates.withdraw`.
    function withdraw(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external nonReentrant {
        AccountUpdates.withdraw(_s, _deps(), asset, amount, epoch, newCommitment, note, proof);
    }

    /// @inheritdoc IMarginEngine
    /// @param epoch The oracle's current epoch.
    /// @param newCommitment A fresh commitment to the unchanged basket (new blinding).
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-update proof at maintenance margin.
    /// @dev Runs `AccountUpdates.renewLease`.
    function renewLease(uint64 epoch, uint256 newCommitment, KeeperNote calldata note, Proof calldata proof)
        external
        nonReentrant
    {
        AccountUpdates.renewLease(_s, _deps(), epoch, newCommitment, note, proof);
    }

    // ------------------------------------------------------------------------------------------
    // Shielded notes (NoteUpdates)
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IMarginEngine
    /// @param epoch The oracle's current epoch.
    /// @param newCommitment Commitment to the basket with the note's amount added at its slot.
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-absorb proof (membership at `root`, the note's `nullifier`).
    /// @param root A root of the pool's recent history.
    /// @param nullifier The note's nullifier, marked spent in the pool.
    /// @dev Runs `NoteUpdates.absorb`.
    function absorbNote(
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof,
        uint256 root,
        uint256 nullifier
    ) external nonReentrant {
        NoteUpdates.absorb(_s, _deps(), epoch, newCommitment, note, proof, root, nullifier);
    }

    /// @inheritdoc IMarginEngine
    /// @param epoch The oracle's current epoch.
    /// @param newCommitment Commitment to the basket without the note's amount.
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-emit proof at initial margin of the open positions.
    /// @param noteCommitment The new note's commitment, queued in the pool.
    /// @param encrypted The new note's opening for its recipient (not checked: the recipient checks it).
    /// @dev Runs `NoteUpdates.emitNote`.
    function emitNote(
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof,
        uint256 noteCommitment,
        IShieldedPool.EncryptedNote calldata encrypted
    ) external nonReentrant {
        NoteUpdates.emitNote(_s, _deps(), epoch, newCommitment, note, proof, noteCommitment, encrypted);
    }

    /// @inheritdoc INoteCustody
    /// @dev The pool has checked the unshield's proof, nullifiers and fee; the slot is one of the pool's,
    ///      which are this engine's.
    function releaseNote(uint256 slot, address to, uint256 amount) external nonReentrant {
        if (msg.sender != address(shieldedPool)) revert NotShieldedPool(msg.sender);
        _s.tokens[slot].safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Positions and trading (Positions)
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IMarginEngine
    /// @dev Every trade first settles the existing position at the mark (realised PnL less its funding moves
    ///      into or out of the settlement slot as the proof's public delta), then re-opens the new size at the mark.
    ///      Growing exposure (or flipping side) needs initial margin; reducing or closing needs
    ///      maintenance margin for what stays open. Runs `Positions.trade`.
    /// @param market_ Market index (instrument of the market).
    /// @param sizeDelta Signed change of the position, in 1e-18 units of the underlying.
    /// @param epoch The oracle's current epoch.
    /// @param newCommitment Commitment to the basket after the realised PnL.
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-update proof.
    function trade(
        uint8 market_,
        int256 sizeDelta,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external nonReentrant {
        Positions.trade(_s, _deps(), market_, sizeDelta, epoch, newCommitment, note, proof);
    }

    // ------------------------------------------------------------------------------------------
    // Leases and force-close (Leases)
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IMarginEngine
    function chooseMarginMode(bool portfolio) external nonReentrant {
        Account storage acct = _s.accounts[msg.sender];
        if (acct.openMarkets != 0 || acct.frozen) revert MarginModeLocked(msg.sender, acct.openMarkets, acct.frozen);
        acct.portfolio = portfolio;
        emit MarginModeChanged(msg.sender, portfolio);
    }

    /// @inheritdoc IMarginEngine
    /// @dev Permissionless once the lease lapsed (age or a new oracle price regime) and the grace period
    ///      passed. Every position closes at the current epoch's mark; the realised PnL becomes the
    ///      account's pending settlement and the account is frozen until `settle`. A loss is advanced
    ///      to the pool by the bond of the account's keeper (up to the registry's draw cap), then by the
    ///      insurance fund as far as it can; a profit is paid by the pool into custody, owed to the basket.
    /// @param account The account whose lease expired.
    function forceClose(address account) external nonReentrant {
        Leases.forceClose(_s, _deps(), account);
    }

    /// @inheritdoc IMarginEngine
    /// @dev The proof applies the pending settlement as the delta of the settlement slot and clears
    ///      maintenance margin (0: no position is open), which renews the lease. A debt is paid from
    ///      custody to the pool (the part nobody advanced), to the keeper's bond (what it advanced) and to
    ///      the fund. Runs `Leases.settle`.
    /// @param epoch The oracle's current epoch.
    /// @param newCommitment Commitment to the basket after the settlement.
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-update proof with the settlement as its delta.
    function settle(uint64 epoch, uint256 newCommitment, KeeperNote calldata note, Proof calldata proof)
        external
        nonReentrant
    {
        Leases.settle(_s, _deps(), epoch, newCommitment, note, proof);
    }

    // ------------------------------------------------------------------------------------------
    // Liquidation (Liquidation)
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IMarginEngine
    /// @dev A full close, for an account that cannot be restored: the proof shows the stored basket is worth
    ///      strictly less than half the maintenance margin plus the unrealised loss, computed here (above that,
    ///      `liquidatePartial` restores it), binds the seized amounts, the remainder commitment (whose opening the owner
    ///      recomputes from the old one) and `msg.sender` (a copied transaction fails). Every position
    ///      closes at the mark. The liquidator pays the pool for the seized assets at the oracle price
    ///      less each asset's liquidation bonus (rounded up), which may not exceed the realised loss;
    ///      the rest of the loss (or a profit) is the account's pending settlement, the keeper's bond and
    ///      then the fund advancing a loss to the pool. The account is frozen until it settles. Runs `Liquidation.liquidate`.
    /// @param account The insolvent account.
    /// @param epoch The oracle's current epoch.
    /// @param seizure The assets taken (credited to the liquidator, who takes them with `claim`).
    /// @param remainderCommitment Commitment to the basket minus the seized assets.
    /// @param proof Insolvency proof.
    function liquidate(
        address account,
        uint64 epoch,
        Seizure calldata seizure,
        uint256 remainderCommitment,
        Proof calldata proof
    ) external nonReentrant {
        Liquidation.liquidate(_s, _deps(), account, epoch, seizure, remainderCommitment, proof);
    }

    /// @inheritdoc IMarginEngine
    /// @dev The proof shows the stored basket below the maintenance requirement of the open positions, and that
    ///      after `closeBps` / 10,000 of every position closes at the mark, the seizure, and the delta
    ///      `realisedPnl + payment` at the settlement slot (the seizure's `indexB` when not 0), what remains is
    ///      worth at least the target requirement of what stays open and less than its initial requirement.
    ///      The payment (the oracle price less the auction bonus) is at most the closed loss plus the closed
    ///      part's maintenance margin. The lease is renewed at this epoch. Runs `Liquidation.liquidatePartial`.
    /// @param account The insolvent account.
    /// @param epoch The oracle's current epoch.
    /// @param closeBps The part of every position to close, in (0, 10,000).
    /// @param bonusBps The liquidator's bid: the part (out of 10,000) of the oracle's bonus it takes, at most the
    ///        Dutch auction's now (`BonusAboveAuction`); the payment is priced at it, so the proof's delta does
    ///        not depend on the block the transaction lands in.
    /// @param seizure The assets taken (credited to the liquidator, who takes them with `claim`).
    /// @param remainderCommitment Commitment to the basket after the seizure and the delta.
    /// @param proof Insolvency proof.
    function liquidatePartial(
        address account,
        uint64 epoch,
        uint16 closeBps,
        uint16 bonusBps,
        Seizure calldata seizure,
        uint256 remainderCommitment,
        Proof calldata proof
    ) external nonReentrant {
        Liquidation.liquidatePartial(
            _s, _deps(), account, epoch, closeBps, bonusBps, seizure, remainderCommitment, proof
        );
    }

    /// @inheritdoc IMarginEngine
    /// @dev Once per lease: the flag counts until the account renews its lease (or a partial liquidation restores
    ///      it). Runs `Liquidation.flag`.
    /// @param account The insolvent account.
    /// @param epoch The oracle's current epoch.
    /// @param remainderCommitment The remainder commitment of the proof (nothing seized; not stored).
    /// @param proof Insolvency proof with nothing seized.
    function flagLiquidatable(address account, uint64 epoch, uint256 remainderCommitment, Proof calldata proof)
        external
        nonReentrant
    {
        Liquidation.flag(_s, _deps(), account, epoch, remainderCommitment, proof);
    }

    /// @inheritdoc IMarginEngine
    /// @dev The proof opens the stored commitment (no insolvency to show: the debt is public) and binds the
    ///      seizure and the remainder. The keeper pays the seized assets at the auction's price, the auction
    ///      starting at the deadline; the payment is at most the debt and repays what the fund could not advance
    ///      to the pool first, then the fund. A debt repaid in full unfreezes the account. Runs
    ///      `Liquidation.seizeFrozen`.
    /// @param account The frozen account.
    /// @param epoch The oracle's current epoch.
    /// @param seizure The assets taken (paid to the keeper).
    /// @param remainderCommitment Commitment to the basket minus the seized assets.
    /// @param proof Insolvency proof at requirement 2^150 - 1.
    function seizeFrozen(
        address account,
        uint64 epoch,
        Seizure calldata seizure,
        uint256 remainderCommitment,
        Proof calldata proof
    ) external nonReentrant {
        Liquidation.seizeFrozen(_s, _deps(), account, epoch, seizure, remainderCommitment, proof);
    }

    /// @inheritdoc IMarginEngine
    function claim(uint256 asset, address to) external nonReentrant returns (uint256 amount) {
        return Liquidation.claim(_s, _deps(), asset, to);
    }

    // ------------------------------------------------------------------------------------------
    // Views

    /// @notice What liquidations credited `liquidator` in slot `asset` and `claim` would send.
    function claimableOf(address liquidator, uint256 asset) external view returns (uint256) {
        return _s.claimable[liquidator][asset].amount;
    }

    /// @notice The account's flag (the Dutch auction's clock; it counts only while newer than the lease).
    function distressOf(address account) external view returns (Distress memory) {
        return _s.distress[account];
    }
    // ------------------------------------------------------------------------------------------

    /// @notice The account's on-chain state.
    function accountOf(address account) external view returns (Account memory) {
        return _s.accounts[account];
    }

    /// @notice The commitment a proof for `account` must open: the stored one, or the empty basket's.
    function commitmentOf(address account) external view returns (uint256) {
        return AccountUpdates.commitmentOf(_s, _deps(), account);
    }

    /// @notice Commitment of the empty basket with blinding 0, the starting point of every account.
    function emptyCommitment(address account) external view returns (uint256) {
        return AccountUpdates.emptyCommitment(_deps(), account);
    }

    /// @notice Where the account's solvency lease stands.
    /// @return status Inactive (no position), Current, Lapsed (in grace) or Expired (force-closable).
    /// @return lapsesAt When the lease lapses or lapsed (by age, or at the start of a newer price regime).
    /// @return closableAt When anyone may force-close: `lapsesAt + leaseGrace`.
    function leaseOf(address account) external view returns (LeaseStatus status, uint64 lapsesAt, uint64 closableAt) {
        Account storage acct = _s.accounts[account];
        lapsesAt = Leases.lapsesAt(_deps(), acct, oracle.currentRegime());
        closableAt = lapsesAt + leaseGrace;
        if (acct.openMarkets == 0) status = LeaseStatus.Inactive;
        else if (block.timestamp < lapsesAt) status = LeaseStatus.Current;
        else if (block.timestamp < closableAt) status = LeaseStatus.Lapsed;
        else status = LeaseStatus.Expired;
    }

    /// @notice What a frozen account owes (negative) or is owed, pending `settle`.
    function settlementOf(address account) external view returns (Settlement memory) {
        return _s.settlements[account];
    }

    /// @inheritdoc IMarketEngine
    function poolReserve() external view returns (uint256) {
        return Positions.poolReserve(_s, _deps());
    }

    /// @notice The open interest of `market_` (rounded as `OpenInterest` says).
    function openInterestOf(uint256 market_) external view returns (OpenInterest memory) {
        return _s.openInterest[market_];
    }

    /// @notice Market `market_`'s stored funding (index, grid step, the open sides' sums).
    function fundingOf(uint256 market_) external view returns (MarketFunding memory) {
        return _s.funding[market_];
    }

    /// @notice Market `market_`'s funding index now (1e-16 USD per whole unit; positive: longs have paid), the
    ///         one a trade, renewal or close at the current epoch realises at: a position owes
    ///         `size * (index - position.fundingIndex)` (see `MarginMath.funding`).
    function fundingIndexOf(uint256 market_) external view returns (int256) {
        (uint256 mark,,,) = quoter.marketQuote(market_);
        EngineDeps memory d = _deps();
        return Positions.fundingIndex(_s, d, market_, mark, Positions.fundingStepNow(d));
    }

    /// @notice The account's position in `market_`.
    function positionOf(address account, uint256 market_) external view returns (Position memory) {
        return _s.positions[account][market_];
    }

    /// @notice Collateral token of slot `asset`.
    function tokenOf(uint256 asset) external view returns (address) {
        return AccountUpdates.token(_s, _deps(), asset);
    }

    /// @notice The requirement (value units of 1e-30 USD) the account's positions need now. While a market
    ///         of the account is halted, no update can meet the initial one (`MarketHalted`); it is still given.
    /// @param initial True for initial margin, false for maintenance margin.
    function requirementOf(address account, bool initial) external view returns (uint256) {
        return Positions.requirement(_s, _deps(), account, initial ? Margin.Initial : Margin.Maintenance, false);
    }

    /// @notice The packed floors a portfolio-margin proof of `account` must clear now (PortfolioMargin.sol):
    ///         scenarios 0-3 in `lo`, 4-7 in `hi`, 62 bits each, in 1e-6 USD; halted markets not refused.
    function portfolioFloorsOf(address account, bool initial) external view returns (uint256 lo, uint256 hi) {
        return AccountUpdates.portfolioFloorsOf(_s, _deps(), account, initial);
    }

    /// @dev The immutables, for the concept libraries (which cannot read them).
    function _deps() internal view returns (EngineDeps memory) {
        return EngineDeps({
            oracle: oracle,
            quoter: quoter,
            verifier: verifier,
            portfolioVerifier: portfolioVerifier,
            insolvencyVerifier: insolvencyVerifier,
            absorbVerifier: absorbVerifier,
            emitVerifier: emitVerifier,
            shieldedPool: shieldedPool,
            poseidon3: poseidon3,
            keeperRegistry: keeperRegistry,
            market: market,
            insuranceFund: insuranceFund,
            settlementToken: settlementToken,
            emptyBasketHash: emptyBasketHash,
            assetCount: assetCount,
            marketCount: marketCount,
            maxEpochAge: maxEpochAge,
            leaseMaxAge: leaseMaxAge,
            leaseGrace: leaseGrace,
            auctionDuration: auctionDuration,
            seizeDelay: seizeDelay,
            targetHealthBps: targetHealthBps,
            auctionStartBps: auctionStartBps,
            settlementAsset: settlementAsset,
            quoteDecimals: quoteDecimals,
            fundingCoefficient: fundingCoefficient,
            fundingCap: fundingCap,
            fundingFloor: fundingFloor
        });
    }
}
