// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPerpMarket} from "./IPerpMarket.sol";
import {IMarket, IMarketEngine, IMarketQuoter} from "../interfaces/IMarket.sol";
import {IERC20Balance} from "../interfaces/IERC20Balance.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title PerpMarket
/// @notice The smallest venue that makes the margin engine real: positions are priced at the
///         oracle's mark and a pool of quote tokens is the counterparty. It plugs into one margin
///         engine through `IMarket`: the engine stores the positions and calls it to settle PnL.
/// @dev Governance-free: the oracle and quote token are immutable, and the engine is bound once by
///      `bindEngine()`, which the engine's constructor calls; there is no owner and no setter.
///      Losses arrive as plain transfers from the engine; profits leave through `payProfit`.
contract PerpMarket is IPerpMarket {
    using SafeTransferLib for address;

    /// @notice The parameter oracle: it quotes every perp instrument (instrument j is its market j).
    IPlimsollOracle public immutable oracle;
    /// @notice The quote (settlement) token.
    address public immutable quoteToken;
    /// @notice Decimals of the quote token.
    uint8 public immutable quoteDecimals;
    /// @notice Funding rate per grid step per unit of open-interest skew (WAD); see `funding`.
    uint256 public immutable fundingCoefficient;
    /// @notice Bound of the funding rate per grid step (WAD); 0: no funding.
    uint256 public immutable fundingCap;
    /// @notice Open interest (units of 1e-5 of the underlying) below which the skew is divided by this floor.
    uint256 public immutable fundingFloor;
    /// @notice The margin engine this market is bound to: zero until the engine's constructor calls `bindEngine`.
    address public engine;

    /// @notice The first deposit into an empty pool must buy at least this many shares, so that a
    ///         donation to the pool cannot make one share worth enough to round later deposits away.
    uint256 public constant MIN_INITIAL_SHARES = 1e6;

    /// @notice Pool shares outstanding in the current generation.
    uint256 public totalShares;
    /// @notice Bumped when a deposit finds the pool emptied (by traders' profits) while shares are
    ///         outstanding: those shares are worth nothing and must not share in the new deposit.
    uint64 public generation;

    struct Holding {
        uint64 generation;
        uint192 shares;
    }

    mapping(address provider => Holding) internal _holdings;

    uint256 private transient _locked;

    /// @dev Pool shares are priced at the live token balance, so no liquidity or payout call may run
    ///      inside another (a quote token that calls back before moving balances would otherwise let a
    ///      nested removal be priced before the outer payout left).
    modifier nonReentrant() {
        if (_locked != 0) revert Reentrancy();
        _locked = 1;
        _;
        _locked = 0;
    }

    /// @param oracle_ The parameter oracle whose perp markets are this market's instruments.
    /// @param quoteToken_ The quote (settlement) token of the pool.
    /// @param quoteDecimals_ Decimals of the quote token.
    /// @param funding_ [coefficient, cap, floor] of the funding rate (see `funding`; the engine bounds them).
    constructor(IPlimsollOracle oracle_, address quoteToken_, uint8 quoteDecimals_, uint256[3] memory funding_) {
        oracle = oracle_;
        quoteToken = quoteToken_;
        quoteDecimals = quoteDecimals_;
        fundingCoefficient = funding_[0];
        fundingCap = funding_[1];
        fundingFloor = funding_[2];
    }

    /// @inheritdoc IPerpMarket
    function funding() external view returns (uint256 coefficient, uint256 cap, uint256 floor) {
        return (fundingCoefficient, fundingCap, fundingFloor);
    }

    /// @inheritdoc IMarket
    function bindEngine() external {
        if (engine != address(0)) revert EngineAlreadyBound(engine);
        engine = msg.sender;
        emit EngineBound(msg.sender);
    }

    /// @inheritdoc IMarket
    function marketCount() external view returns (uint256) {
        return oracle.marketCount();
    }

    /// @inheritdoc IMarket
    function quoter() external view returns (IMarketQuoter) {
        return IMarketQuoter(address(oracle));
    }

    /// @notice Quote tokens the pool holds.
    function poolBalance() public view returns (uint256) {
        return IERC20Balance(quoteToken).balanceOf(address(this));
    }

    /// @notice Pool shares `provider` holds in the current generation.
    function sharesOf(address provider) public view returns (uint256) {
        Holding memory h = _holdings[provider];
        return h.generation == generation ? h.shares : 0;
    }

    /// @inheritdoc IPerpMarket
    function addLiquidity(uint256 amount) external nonReentrant returns (uint256 shares) {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = poolBalance();
        uint256 outstanding = totalShares;
        if (outstanding != 0 && balance == 0) {
            // The old shares have nothing behind them: start a new generation.
            outstanding = 0;
            ++generation;
            emit PoolReset(generation);
        }
        if (outstanding == 0) {
            shares = amount;
            if (shares < MIN_INITIAL_SHARES) revert InitialDepositTooSmall(amount, MIN_INITIAL_SHARES);
        } else {
            shares = amount * outstanding / balance;
            if (shares == 0) revert ZeroAmount();
        }
        totalShares = outstanding + shares;
        _holdings[msg.sender] = Holding(generation, uint192(sharesOf(msg.sender) + shares));
        emit LiquidityAdded(msg.sender, amount, shares);
        quoteToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPerpMarket
    function removeLiquidity(uint256 shares) external nonReentrant returns (uint256 amount) {
        if (shares == 0) revert ZeroAmount();
        uint256 held = sharesOf(msg.sender);
        if (shares > held) revert InsufficientShares(held, shares);
        uint256 balance = poolBalance();
        amount = shares * balance / totalShares;
        uint256 free = _free(balance);
        if (amount > free) revert ReserveLocked(free, amount);
        _holdings[msg.sender].shares = uint192(held - shares);
        totalShares -= shares;
        emit LiquidityRemoved(msg.sender, amount, shares);
        quoteToken.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IPerpMarket
    function freeLiquidity() external view returns (uint256) {
        return _free(poolBalance());
    }

    /// @dev `balance` above the bound engine's `poolReserve` (all of it before binding, or when the engine
    ///      is not a contract, as in tests that drive the market directly).
    function _free(uint256 balance) private view returns (uint256) {
        address e = engine;
        if (e.code.length == 0) return balance;
        uint256 reserve = IMarketEngine(e).poolReserve();
        return balance > reserve ? balance - reserve : 0;
    }

    /// @inheritdoc IPerpMarket
    function realisedPnl(int256 size, uint256 entry, uint256 mark) external view returns (int256) {
        return MarginMath.realisedPnl(size, entry, mark, quoteDecimals);
    }

    /// @inheritdoc IMarket
    function payProfit(uint256 amount) external nonReentrant {
        if (msg.sender != engine) revert OnlyEngine(msg.sender);
        uint256 available = poolBalance();
        if (amount > available) revert PoolInsufficient(available, amount);
        emit ProfitPaid(amount);
        quoteToken.safeTransfer(msg.sender, amount);
    }
}
