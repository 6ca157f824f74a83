// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPerpMarket} from "./IPerpMarket.sol";
import {MarketPool} from "./MarketPool.sol";
import {IMarket, IMarketQuoter} from "../interfaces/IMarket.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";

/// @title PerpMarket
/// @notice The smallest venue that makes the margin engine real: positions are priced at the
///         oracle's mark and a pool of quote tokens (`MarketPool`) is the counterparty. It plugs into one
///         margin engine through `IMarket`: the engine stores the positions and calls it to settle PnL.
/// @dev Governance-free: the oracle, quote token and funding rule are immutable, and the engine is bound
///      once by `bindEngine()`, which the engine's constructor calls; there is no owner and no setter.
contract PerpMarket is MarketPool, IPerpMarket {
    /// @notice The parameter oracle: it quotes every perp instrument (instrument j is its market j).
    IPlimsollOracle public immutable oracle;
    /// @notice Funding rate per grid step per unit of open-interest skew (WAD); see `funding`.
    uint256 public immutable fundingCoefficient;
    /// @notice Bound of the funding rate per grid step (WAD); 0: no funding.
    uint256 public immutable fundingCap;
    /// @notice Open interest (units of 1e-5 of the underlying) below which the skew is divided by this floor.
    uint256 public immutable fundingFloor;

    /// @param oracle_ The parameter oracle whose perp markets are this market's instruments.
    /// @param quoteToken_ The quote (settlement) token of the pool.
    /// @param quoteDecimals_ Decimals of the quote token.
    /// @param funding_ [coefficient, cap, floor] of the funding rate (see `funding`; the engine bounds them).
    constructor(IPlimsollOracle oracle_, address quoteToken_, uint8 quoteDecimals_, uint256[3] memory funding_)
        MarketPool(quoteToken_, quoteDecimals_)
    {
        oracle = oracle_;
        fundingCoefficient = funding_[0];
        fundingCap = funding_[1];
        fundingFloor = funding_[2];
    }

    /// @inheritdoc IPerpMarket
    function funding() external view returns (uint256 coefficient, uint256 cap, uint256 floor) {
        return (fundingCoefficient, fundingCap, fundingFloor);
    }

    /// @inheritdoc IMarket
    function marketCount() external view returns (uint256) {
        return oracle.marketCount();
    }

    /// @inheritdoc IMarket
    function quoter() external view returns (IMarketQuoter) {
        return IMarketQuoter(address(oracle));
    }
}
