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
/// @dev Governance-free: the oracle and quote token are immutable, and the engine is bound once by
///      `bindEngine()`, which the engine's constructor calls; there is no owner and no setter.
contract PerpMarket is MarketPool, IPerpMarket {
    /// @notice The parameter oracle: it quotes every perp instrument (instrument j is its market j).
    IPlimsollOracle public immutable oracle;

    /// @param oracle_ The parameter oracle whose perp markets are this market's instruments.
    /// @param quoteToken_ The quote (settlement) token of the pool.
    /// @param quoteDecimals_ Decimals of the quote token.
    constructor(IPlimsollOracle oracle_, address quoteToken_, uint8 quoteDecimals_) MarketPool(quoteToken_, quoteDecimals_) {
        oracle = oracle_;
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
