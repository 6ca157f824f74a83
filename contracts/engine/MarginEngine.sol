// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {IAccountUpdateVerifier, IInsolvencyVerifier} from "../interfaces/IAccountUpdateVerifier.sol";
import {IPoseidon3} from "../interfaces/IPoseidon.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";
import {PerpMarket} from "../market/PerpMarket.sol";
import {InsuranceFund} from "../fund/InsuranceFund.sol";
import {IKeeperRegistry} from "../keeper/IKeeperRegistry.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title MarginEngine
/// @notice Holds the collateral of private baskets and lets an account change only with a
///         zero-knowledge proof that its basket still clears the margin its public positions need.
/// @dev Governance-free: no owner, no setter, no pause, no proxy. Every dependency is immutable.
///      The chain stores one commitment per account; the basket (amounts and blinding) stays with
///      the trader. The requirement a proof must clear is always computed here from the account's
///      public positions and the oracle's current epoch, never taken from calldata.
contract MarginEngine is IMarginEngine {
    using SafeTransferLib for address;

    /// @notice BN254 scalar field modulus.
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Number of collateral slots the account-update circuit is compiled for.
    uint256 public constant N_ASSETS = 16;
    /// @notice Token amounts and basket deltas are below 2^96.
    uint256 internal constant AMOUNT_LIMIT = 1 << 96;
    /// @notice 1.0 in the oracle's fixed point.
    uint256 internal constant WAD = 1e18;
    /// @notice The liquidator's tag in the insolvency statement: the low 95 bits of its address.
    uint256 internal constant LIQUIDATOR_TAG_MASK = (1 << 95) - 1;
    /// @notice Bit offsets of the packed public `statement` (see prover/src/encoding.ts).
    uint256 internal constant MAGNITUDE_SHIFT = 150;
    uint256 internal constant SIGN_SHIFT = 246;
    uint256 internal constant INDEX_SHIFT = 247;

    /// @notice The governance-free parameter oracle.
    IPlimsollOracle public immutable oracle;
    /// @notice The generated Groth16 verifier of the account-update circuit.
    IAccountUpdateVerifier public immutable verifier;
    /// @notice The generated Groth16 verifier of the insolvency circuit.
    IInsolvencyVerifier public immutable insolvencyVerifier;
    /// @notice circomlibjs Poseidon hasher for three inputs.
    IPoseidon3 public immutable poseidon3;
    /// @notice basketHash of the all-zero basket, so that a new account starts from a known commitment.
    uint256 public immutable emptyBasketHash;
    /// @notice The asset slot in which realised perp PnL is paid (the market's quote token).
    uint8 public immutable settlementAsset;
    /// @notice ERC-20 token of the settlement slot.
    address public immutable settlementToken;
    /// @notice Decimals of the settlement token (realised PnL is paid in its base units).
    uint8 public immutable quoteDecimals;
    /// @notice The reference perp market (its liquidity pool is every trade's counterparty).
    PerpMarket public immutable market;
    /// @notice Number of collateral slots the oracle configures.
    uint256 public immutable assetCount;
    /// @notice Number of perp markets the oracle configures.
    uint256 public immutable marketCount;
    /// @notice An epoch older than this (two oracle grid steps) is stale: updates wait for a poke.
    uint256 public immutable maxEpochAge;
    /// @notice The insurance fund backing the pool (deployed by this engine).
    InsuranceFund public immutable insuranceFund;
    /// @notice The keeper registry accounts name their keepers in.
    IKeeperRegistry public immutable keeperRegistry;
    /// @notice A lease lapses this many seconds after the epoch it was proved at.
    uint64 public immutable leaseMaxAge;
    /// @notice After a lease lapses, the owner has this many seconds to renew before anyone may force-close.
    uint64 public immutable leaseGrace;

    /// @notice Collateral token of each slot; written once in the constructor.
    address[N_ASSETS] internal _tokens;

    mapping(address account => Account) internal _accounts;
    mapping(address account => mapping(uint256 market => Position)) internal _positions;
    mapping(address account => Settlement) internal _settlements;

    uint256 private transient _locked;

    modifier nonReentrant() {
        if (_locked != 0) revert Reentrancy();
        _locked = 1;
        _;
        _locked = 0;
    }

    /// @param config The oracle, verifiers, hasher and constants (see `Config`).
    constructor(Config memory config) {
        IPlimsollOracle oracle_ = IPlimsollOracle(config.oracle);
        uint8 settlementAsset_ = config.settlementAsset;
        oracle = oracle_;
        verifier = IAccountUpdateVerifier(config.updateVerifier);
        insolvencyVerifier = IInsolvencyVerifier(config.insolvencyVerifier);
        poseidon3 = IPoseidon3(config.poseidon3);
        emptyBasketHash = config.emptyBasketHash;
        uint256 assets = oracle_.assetCount();
        if (settlementAsset_ >= assets) revert UnknownAsset(settlementAsset_);
        assetCount = assets;
        marketCount = oracle_.marketCount();
        maxEpochAge = 2 * uint256(oracle_.gridSeconds());
        for (uint256 i; i < assets; ++i) {
            (address token,) = oracle_.asset(i);
            _tokens[i] = token;
        }
        settlementAsset = settlementAsset_;
        (address quote, uint8 quoteDecimals_) = oracle_.asset(settlementAsset_);
        settlementToken = quote;
        quoteDecimals = quoteDecimals_;
        market = new PerpMarket(address(this), quote, quoteDecimals_);
        insuranceFund = new InsuranceFund(address(this), quote, address(market));
        keeperRegistry = IKeeperRegistry(config.keeperRegistry);
        if (config.leaseMaxAge == 0) revert ZeroAmount();
        leaseMaxAge = config.leaseMaxAge;
        leaseGrace = config.leaseGrace;
    }

    // ------------------------------------------------------------------------------------------
    // Account updates
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IMarginEngine
    /// @dev Collateral tokens are the oracle's; a fee-on-transfer or rebasing token would break the
    ///      equality between custody and baskets and must not be configured.
    ///      A deposit can only raise the basket's value, so its proof clears a requirement of 0:
    ///      an account below initial margin must always be able to top up. It renews the lease only
    ///      when the account has no open position (its maintenance requirement is then 0).
    function deposit(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external nonReentrant {
        address token = _token(asset);
        _checkAmount(amount);
        _update(Action.Deposit, Margin.None, epoch, newCommitment, note, proof, asset, int256(amount));
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IMarginEngine
    /// @param asset Collateral slot to withdraw from.
    /// @param amount Base units to withdraw (0 < amount < 2^96).
    /// @param epoch The oracle's current epoch, which the proof is bound to.
    /// @param newCommitment Commitment to the basket after the withdrawal.
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-update proof at initial margin of the open positions.
    function withdraw(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof
    ) external nonReentrant {
        address token = _token(asset);
        _checkAmount(amount);
        _requireNotFrozen(msg.sender);
        _update(Action.Withdraw, Margin.Initial, epoch, newCommitment, note, proof, asset, -int256(amount));
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IMarginEngine
    /// @dev Every trade first settles the existing position at the oracle mark (realised PnL moves
    ///      into or out of the settlement slot as the proof's public delta), then re-opens the new
    ///      size at the mark. Growing exposure (or flipping side) needs initial margin; reducing or
    ///      closing needs maintenance margin for what stays open.
    /// @param market_ Market index in the oracle.
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
        if (market_ >= marketCount) revert UnknownMarket(market_);
        if (sizeDelta == 0) revert ZeroAmount();
        _requireNotFrozen(msg.sender);
        (uint256 mark,,) = oracle.marketQuote(market_);
        if (mark == 0) revert NoMarkPrice(market_);

        // |old.size| < 2^96, so bounding sizeDelta first keeps the sum from overflowing.
        if (sizeDelta <= -int256(2 * AMOUNT_LIMIT) || sizeDelta >= int256(2 * AMOUNT_LIMIT)) {
            revert PositionTooLarge(sizeDelta);
        }
        Position memory old = _positions[msg.sender][market_];
        int256 newSize = int256(old.size) + sizeDelta;
        if (newSize <= -int256(AMOUNT_LIMIT) || newSize >= int256(AMOUNT_LIMIT)) revert PositionTooLarge(newSize);
        int256 pnl = MarginMath.realisedPnl(old.size, old.entryPrice, mark, quoteDecimals);
        if (pnl <= -int256(AMOUNT_LIMIT) || pnl >= int256(AMOUNT_LIMIT)) revert PnlTooLarge(pnl);

        // Effects on positions first: the requirement below is computed on the new positions.
        // A closed position keeps the last mark as its (unused) entry price: the slot stays non-zero,
        // so re-opening costs a storage update instead of a new slot.
        _positions[msg.sender][market_] = Position(int128(newSize), uint128(mark));
        Account storage acct = _accounts[msg.sender];
        if (newSize == 0) acct.openMarkets &= ~uint8(1 << market_);
        else acct.openMarkets |= uint8(1 << market_);
        emit PositionChanged(msg.sender, market_, old.size, newSize, mark, pnl);

        bool flips = (old.size > 0 && newSize < 0) || (old.size < 0 && newSize > 0);
        bool grows = flips || MarginMath.abs(newSize) > MarginMath.abs(old.size);
        _update(
            Action.Trade,
            grows ? Margin.Initial : Margin.Maintenance,
            epoch,
            newCommitment,
            note,
            proof,
            settlementAsset,
            pnl
        );

        if (pnl > 0) market.payProfit(uint256(pnl));
        else if (pnl < 0) settlementToken.safeTransfer(address(market), uint256(-pnl));
    }

    /// @inheritdoc IMarginEngine
    /// @param epoch The oracle's current epoch.
    /// @param newCommitment A fresh commitment to the unchanged basket (new blinding).
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-update proof at maintenance margin.
    function renewLease(uint64 epoch, uint256 newCommitment, KeeperNote calldata note, Proof calldata proof)
        external
        nonReentrant
    {
        _requireNotFrozen(msg.sender);
        _update(Action.RenewLease, Margin.Maintenance, epoch, newCommitment, note, proof, 0, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Lease expiry
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IMarginEngine
    /// @dev Permissionless once the lease lapsed (age or a new oracle price regime) and the grace period
    ///      passed. Every position closes at the current epoch's mark; the realised PnL becomes the
    ///      account's pending settlement and the account is frozen until `settle`. A loss is advanced
    ///      to the pool by the insurance fund as far as it can; a profit is paid by the pool into
    ///      custody, owed to the basket.
    /// @param account The account whose lease expired.
    function forceClose(address account) external nonReentrant {
        Account storage acct = _accounts[account];
        if (acct.openMarkets == 0) revert NoOpenPosition(account);
        uint256 closableAt = uint256(_lapsesAt(acct)) + leaseGrace;
        if (block.timestamp < closableAt) revert LeaseNotExpired(account, closableAt);
        (uint64 epoch, uint64 timestamp,,) = oracle.currentEpochParams(true);
        if (block.timestamp > timestamp + maxEpochAge) revert OracleStale(timestamp, maxEpochAge);

        int256 pnl = _closeAll(account, acct);
        uint256 covered = _recordSettlement(account, acct, pnl);
        emit ForceClosed(account, msg.sender, epoch, pnl, covered);
    }

    /// @inheritdoc IMarginEngine
    /// @dev The proof shows the stored basket is worth strictly less than the maintenance requirement
    ///      computed here, binds the seized amounts, the remainder commitment (whose opening the owner
    ///      recomputes from the old one) and `msg.sender` (a copied transaction fails). Every position
    ///      closes at the mark. The liquidator pays the pool for the seized assets at the oracle price
    ///      less each asset's liquidation bonus (rounded up), which may not exceed the realised loss;
    ///      the rest of the loss (or a profit) is the account's pending settlement, the fund advancing
    ///      a loss to the pool. The account is frozen until it settles.
    /// @param account The insolvent account.
    /// @param epoch The oracle's current epoch.
    /// @param seizure The assets taken (paid to the liquidator).
    /// @param remainderCommitment Commitment to the basket minus the seized assets.
    /// @param proof Insolvency proof.
    function liquidate(
        address account,
        uint64 epoch,
        Seizure calldata seizure,
        uint256 remainderCommitment,
        Proof calldata proof
    ) external nonReentrant {
        Account storage acct = _accounts[account];
        if (acct.openMarkets == 0) revert NoOpenPosition(account);
        _checkSeizure(seizure);
        uint256[5] memory pub = _insolvencyInputs(account, epoch, seizure, remainderCommitment);
        if (!insolvencyVerifier.verifyProof(proof.a, proof.b, proof.c, pub)) revert InvalidProof();

        acct.commitment = remainderCommitment;
        int256 pnl = _closeAll(account, acct);
        uint256 loss = pnl < 0 ? uint256(-pnl) : 0;
        uint256 payment = _seizurePayment(seizure);
        if (payment > loss) revert SeizureTooLarge(payment, loss);
        // What the liquidator pays is the part of the loss the basket settles now.
        _recordSettlement(account, acct, pnl + int256(payment));
        emit Liquidated(
            account,
            msg.sender,
            epoch,
            pnl,
            seizure.indexA,
            seizure.amountA,
            seizure.indexB,
            seizure.amountB,
            payment,
            remainderCommitment
        );
        _payOut(seizure, payment);
    }

    /// @inheritdoc IMarginEngine
    /// @dev The proof applies the pending settlement as the delta of the settlement slot and clears
    ///      maintenance margin (0: no position is open), which renews the lease. A debt is paid from
    ///      custody to the pool (the part the fund could not advance) and to the fund.
    /// @param epoch The oracle's current epoch.
    /// @param newCommitment Commitment to the basket after the settlement.
    /// @param note The new opening encrypted to the account's keeper.
    /// @param proof Account-update proof with the settlement as its delta.
    function settle(uint64 epoch, uint256 newCommitment, KeeperNote calldata note, Proof calldata proof)
        external
        nonReentrant
    {
        Account storage acct = _accounts[msg.sender];
        if (!acct.frozen) revert NotFrozen(msg.sender);
        Settlement memory st = _settlements[msg.sender];
        _update(Action.Settle, Margin.Maintenance, epoch, newCommitment, note, proof, settlementAsset, st.basketDelta);
        delete _settlements[msg.sender];
        acct.frozen = false;

        uint256 toPool;
        uint256 toFund;
        if (st.basketDelta < 0) {
            uint256 debt = uint256(-int256(st.basketDelta));
            toPool = debt < st.owedToPool ? debt : st.owedToPool;
            toFund = debt - toPool;
        }
        emit Settled(msg.sender, st.basketDelta, toPool, toFund);
        if (toPool != 0) settlementToken.safeTransfer(address(market), toPool);
        if (toFund != 0) settlementToken.safeTransfer(address(insuranceFund), toFund);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice The account's on-chain state.
    function accountOf(address account) external view returns (Account memory) {
        return _accounts[account];
    }

    /// @notice The commitment a proof for `account` must open: the stored one, or the empty basket's.
    function commitmentOf(address account) public view returns (uint256) {
        uint256 stored = _accounts[account].commitment;
        return stored != 0 ? stored : emptyCommitment(account);
    }

    /// @notice Commitment of the empty basket with blinding 0, the starting point of every account.
    function emptyCommitment(address account) public view returns (uint256) {
        return poseidon3.poseidon([emptyBasketHash, 0, uint256(uint160(account))]);
    }

    /// @notice Where the account's solvency lease stands.
    /// @return status Inactive (no position), Current, Lapsed (in grace) or Expired (force-closable).
    /// @return lapsesAt When the lease lapses or lapsed (by age, or at the start of a newer price regime).
    /// @return closableAt When anyone may force-close: `lapsesAt + leaseGrace`.
    function leaseOf(address account) external view returns (LeaseStatus status, uint64 lapsesAt, uint64 closableAt) {
        Account storage acct = _accounts[account];
        lapsesAt = _lapsesAt(acct);
        closableAt = lapsesAt + leaseGrace;
        if (acct.openMarkets == 0) status = LeaseStatus.Inactive;
        else if (block.timestamp < lapsesAt) status = LeaseStatus.Current;
        else if (block.timestamp < closableAt) status = LeaseStatus.Lapsed;
        else status = LeaseStatus.Expired;
    }

    /// @notice What a frozen account owes (negative) or is owed, pending `settle`.
    function settlementOf(address account) external view returns (Settlement memory) {
        return _settlements[account];
    }

    /// @notice The account's position in `market_`.
    function positionOf(address account, uint256 market_) external view returns (Position memory) {
        return _positions[account][market_];
    }

    /// @notice Collateral token of slot `asset`.
    function tokenOf(uint256 asset) external view returns (address) {
        return _token(asset);
    }

    /// @notice The requirement (value units of 1e-30 USD) the account's positions need now.
    /// @param initial True for initial margin, false for maintenance margin.
    function requirementOf(address account, bool initial) external view returns (uint256) {
        return _requirement(account, initial ? Margin.Initial : Margin.Maintenance);
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev Verifies the proof against the public inputs derived here, then stores the new commitment,
    ///      the keeper the account names, and emits the new opening encrypted to that keeper.
    function _update(
        Action action,
        Margin margin,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        Proof calldata proof,
        uint8 asset,
        int256 delta
    ) internal {
        (uint256[6] memory pub, uint64 epochTimestamp, uint64 regime) =
            _publicInputs(margin, epoch, newCommitment, note, asset, delta);
        if (!verifier.verifyProof(proof.a, proof.b, proof.c, pub)) revert InvalidProof();

        Account storage acct = _accounts[msg.sender];
        acct.commitment = newCommitment;
        acct.keeperId = uint40(note.keeperId);
        // The proof shows maintenance margin at this epoch when it cleared the maintenance rule, or
        // the initial one (stricter weights and ratios), or, with no open position, any rule at all
        // (the maintenance requirement is then 0). Each of these renews the lease.
        bool renews = margin != Margin.None || acct.openMarkets == 0;
        if (renews) {
            acct.leaseEpoch = epoch;
            acct.leaseTimestamp = epochTimestamp;
            acct.leaseRegime = regime;
        }
        emit AccountUpdated(
            msg.sender, action, epoch, pub[0], newCommitment, asset, delta, pub[3] & ((1 << MAGNITUDE_SHIFT) - 1), renews
        );
        emit KeeperNoteSent(msg.sender, note.keeperId, epoch, newCommitment, note.ephemeralKey, note.ciphertext);
    }

    /// @dev The circuit's public inputs [oldCommitment, newCommitment, weightsHash, statement,
    ///      challenge, binding], all derived on-chain: the old commitment from storage, the weights hash
    ///      from the current epoch, the requirement from the positions, the challenge and binding from
    ///      the keeper note in calldata and the keeper's registered key. Rejects a stale epoch, a new
    ///      commitment or note element that is not a field element, an unchanged commitment (the proof
    ///      would be replayable) and a keeper the account may not name.
    function _publicInputs(
        Margin margin,
        uint64 epoch,
        uint256 newCommitment,
        KeeperNote calldata note,
        uint8 asset,
        int256 delta
    ) internal view returns (uint256[6] memory pub, uint64 epochTimestamp, uint64 regime) {
        uint64 current;
        uint256 weightsHash;
        (current, epochTimestamp, weightsHash, regime) = oracle.currentEpochParams(margin == Margin.Maintenance);
        if (epoch != current) revert StaleEpoch(epoch, current);
        if (block.timestamp > epochTimestamp + maxEpochAge) revert OracleStale(epochTimestamp, maxEpochAge);
        if (newCommitment >= FIELD_MODULUS) revert CommitmentNotInField(newCommitment);
        uint256 oldCommitment = commitmentOf(msg.sender);
        if (newCommitment == oldCommitment) revert CommitmentUnchanged(newCommitment);

        pub[0] = oldCommitment;
        pub[1] = newCommitment;
        pub[2] = weightsHash;
        pub[3] = _packStatement(_requirement(msg.sender, margin), asset, delta);
        (pub[4], pub[5]) = _bindNote(newCommitment, note, _keeperKey(note.keeperId), epoch);
    }

    /// @dev The key of the keeper `keeperId`, checking the account may name it: a keeper other than the
    ///      current one must be active (nameable); the current one must not have completed its exit.
    function _keeperKey(uint64 keeperId) internal view returns (uint256[2] memory key) {
        if (keeperId >> 40 != 0) revert KeeperIdTooLarge(keeperId);
        IKeeperRegistry.Keeper memory k = keeperRegistry.keeperOf(keeperId);
        if (keeperId != _accounts[msg.sender].keeperId) {
            if (k.status != IKeeperRegistry.Status.Active) revert KeeperNotNameable(keeperId);
        } else if (k.status != IKeeperRegistry.Status.Active && k.status != IKeeperRegistry.Status.Exiting) {
            revert KeeperGone(keeperId);
        }
        key[0] = k.x;
        key[1] = k.y;
    }

    /// @dev challenge r = keccak256(newCommitment, ephemeralKey, ciphertext, key, nonce) >> 128 and
    ///      binding e = sum_i v[i] * r^(i+1) over v = [ciphertext, ephemeralKey, key, nonce], the vector
    ///      the circuit computes from the committed opening (see LinearBind in circuits/src/encryption.circom).
    function _bindNote(uint256 newCommitment, KeeperNote calldata note, uint256[2] memory key, uint64 nonce)
        internal
        pure
        returns (uint256 r, uint256 e)
    {
        r = uint256(keccak256(abi.encode(newCommitment, note.ephemeralKey, note.ciphertext, key, nonce))) >> 128;
        uint256 p = FIELD_MODULUS;
        // Horner from the last element: acc = (acc + v[i]) * r.
        uint256 acc = mulmod(nonce, r, p);
        acc = mulmod(addmod(acc, key[1], p), r, p);
        acc = mulmod(addmod(acc, key[0], p), r, p);
        acc = mulmod(addmod(acc, _inField(note.ephemeralKey[1]), p), r, p);
        acc = mulmod(addmod(acc, _inField(note.ephemeralKey[0]), p), r, p);
        for (uint256 i = 9; i != 0; --i) {
            acc = mulmod(addmod(acc, _inField(note.ciphertext[i - 1]), p), r, p);
        }
        e = acc;
    }

    function _inField(uint256 x) internal pure returns (uint256) {
        if (x >= FIELD_MODULUS) revert NoteNotInField(x);
        return x;
    }

    /// @dev When the lease lapses: `leaseMaxAge` after its epoch, or when the next price regime started,
    ///      whichever is first.
    function _lapsesAt(Account storage acct) internal view returns (uint64 lapsesAt) {
        lapsesAt = acct.leaseTimestamp + leaseMaxAge;
        uint64 leaseRegime = acct.leaseRegime;
        if (oracle.currentRegime() > leaseRegime) {
            uint64 next = oracle.regimeStartedAt(leaseRegime + 1);
            if (next < lapsesAt) lapsesAt = next;
        }
    }

    /// @dev Closes every open position of `account` at the current mark; returns the total realised PnL
    ///      in settlement-token base units (profit rounded down, loss up, per position).
    function _closeAll(address account, Account storage acct) internal returns (int256 total) {
        uint256 open = acct.openMarkets;
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                Position memory p = _positions[account][j];
                (uint256 mark,,) = oracle.marketQuote(j);
                int256 pnl = MarginMath.realisedPnl(p.size, p.entryPrice, mark, quoteDecimals);
                _positions[account][j] = Position(0, uint128(mark));
                emit PositionChanged(account, uint8(j), p.size, 0, mark, pnl);
                total += pnl;
            }
        }
        acct.openMarkets = 0;
    }

    /// @dev Records `pnl` as the account's pending settlement and freezes it. A loss is advanced to the
    ///      pool by the insurance fund as far as the fund can; a profit is paid by the pool into custody.
    function _recordSettlement(address account, Account storage acct, int256 pnl) internal returns (uint256 covered) {
        if (pnl == 0) return 0;
        Settlement storage st = _settlements[account];
        int256 pending = int256(st.basketDelta) + pnl;
        if (pending <= -int256(AMOUNT_LIMIT) || pending >= int256(AMOUNT_LIMIT)) revert PnlTooLarge(pending);
        st.basketDelta = int128(pending);
        acct.frozen = true;
        if (pnl < 0) {
            uint256 loss = uint256(-pnl);
            covered = insuranceFund.cover(loss);
            st.owedToPool += uint128(loss - covered);
        } else {
            market.payProfit(uint256(pnl));
        }
    }

    /// @dev The insolvency circuit's public inputs, all derived here except the seizure and remainder
    ///      the liquidator chooses: [commitment, maintenance weights hash, requirement | indexA << 150 |
    ///      indexB << 154 | (low 95 bits of msg.sender) << 158, amountA | amountB << 96,
    ///      remainderCommitment]. The sender's tag binds the proof to its liquidator: copying the
    ///      transaction needs an address that shares those 95 bits (2^95 work).
    function _insolvencyInputs(address account, uint64 epoch, Seizure calldata seizure, uint256 remainderCommitment)
        internal
        view
        returns (uint256[5] memory pub)
    {
        (uint64 current, uint64 timestamp, uint256 weightsHash,) = oracle.currentEpochParams(true);
        if (epoch != current) revert StaleEpoch(epoch, current);
        if (block.timestamp > timestamp + maxEpochAge) revert OracleStale(timestamp, maxEpochAge);
        if (remainderCommitment >= FIELD_MODULUS) revert CommitmentNotInField(remainderCommitment);
        pub[0] = commitmentOf(account);
        pub[1] = weightsHash;
        pub[2] = _requirement(account, Margin.Maintenance) | (uint256(seizure.indexA) << MAGNITUDE_SHIFT)
            | (uint256(seizure.indexB) << (MAGNITUDE_SHIFT + 4))
            | ((uint256(uint160(msg.sender)) & LIQUIDATOR_TAG_MASK) << (MAGNITUDE_SHIFT + 8));
        pub[3] = uint256(seizure.amountA) | (uint256(seizure.amountB) << 96);
        pub[4] = remainderCommitment;
    }

    function _checkSeizure(Seizure calldata seizure) internal view {
        _token(seizure.indexA);
        _token(seizure.indexB);
        if (seizure.indexA == seizure.indexB && seizure.amountA != 0 && seizure.amountB != 0) {
            revert DuplicateSeizure(seizure.indexA);
        }
    }

    /// @dev What the liquidator pays, in settlement-token base units, for the seized assets: each
    ///      valued at the oracle price and divided by (1 + its liquidation bonus), rounded up. Since
    ///      (1 + bonus)(1 - maintenance haircut) <= 1, this is at least the assets' haircut value.
    function _seizurePayment(Seizure calldata seizure) internal view returns (uint256) {
        uint256 value = _discountedValue(seizure.indexA, seizure.amountA) + _discountedValue(seizure.indexB, seizure.amountB);
        if (value == 0) return 0;
        // value is in 1e-30 USD; one settlement base unit is worth price * 10^(22 - decimals) of those.
        (uint256 price,,) = oracle.seizureQuote(settlementAsset);
        uint256 unit = price * 10 ** (22 - uint256(quoteDecimals));
        return (value + unit - 1) / unit;
    }

    function _discountedValue(uint8 slot, uint256 amount) internal view returns (uint256) {
        if (amount == 0) return 0;
        (uint256 price, uint8 decimals, uint256 bonus) = oracle.seizureQuote(slot);
        uint256 value = amount * price * 10 ** (22 - uint256(decimals));
        return (value * WAD + WAD + bonus - 1) / (WAD + bonus);
    }

    /// @dev Moves the payment and the seized assets. Seized settlement tokens pay the pool first
    ///      (straight from custody), the liquidator pays only the rest: the same net result with fewer
    ///      transfers.
    function _payOut(Seizure calldata seizure, uint256 payment) internal {
        uint256 seizedQuote;
        if (seizure.indexA == settlementAsset) seizedQuote += seizure.amountA;
        if (seizure.indexB == settlementAsset) seizedQuote += seizure.amountB;
        uint256 fromCustody = payment < seizedQuote ? payment : seizedQuote;
        if (fromCustody != 0) settlementToken.safeTransfer(address(market), fromCustody);
        if (payment > fromCustody) settlementToken.safeTransferFrom(msg.sender, address(market), payment - fromCustody);
        if (seizedQuote > fromCustody) settlementToken.safeTransfer(msg.sender, seizedQuote - fromCustody);
        if (seizure.amountA != 0 && seizure.indexA != settlementAsset) {
            _tokens[seizure.indexA].safeTransfer(msg.sender, seizure.amountA);
        }
        if (seizure.amountB != 0 && seizure.indexB != settlementAsset) {
            _tokens[seizure.indexB].safeTransfer(msg.sender, seizure.amountB);
        }
    }

    function _requireNotFrozen(address account) internal view {
        if (_accounts[account].frozen) revert AccountFrozen(account, _settlements[account].basketDelta);
    }

    /// @dev Sum over open positions of margin (rounded up) plus unrealised loss, in 1e-30 USD.
    function _requirement(address account, Margin margin) internal view returns (uint256 total) {
        if (margin == Margin.None) return 0;
        uint256 open = _accounts[account].openMarkets;
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                Position memory p = _positions[account][j];
                (uint256 mark, uint256 imRatio, uint256 mmRatio) = oracle.marketQuote(j);
                total += MarginMath.positionRequirement(
                    p.size, p.entryPrice, mark, margin == Margin.Initial ? imRatio : mmRatio
                );
            }
        }
        if (total >> MAGNITUDE_SHIFT != 0) revert RequirementTooLarge(total);
    }

    /// @dev requirement | |delta| << 150 | sign << 246 | asset << 247, the circuit's packed input.
    function _packStatement(uint256 requirement, uint8 asset, int256 delta) internal pure returns (uint256) {
        uint256 magnitude = delta < 0 ? uint256(-delta) : uint256(delta);
        uint256 sign = delta < 0 ? 1 : 0;
        return requirement | (magnitude << MAGNITUDE_SHIFT) | (sign << SIGN_SHIFT) | (uint256(asset) << INDEX_SHIFT);
    }

    function _token(uint256 asset) internal view returns (address) {
        if (asset >= assetCount) revert UnknownAsset(asset);
        return _tokens[asset];
    }

    function _checkAmount(uint256 amount) internal pure {
        if (amount == 0) revert ZeroAmount();
        if (amount >= AMOUNT_LIMIT) revert AmountTooLarge(amount);
    }
}
