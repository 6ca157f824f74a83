// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Quotes the instruments of a market for the margin engine: one call per open position.
/// @dev `PlimsollOracle` implements it for its perp markets, so the perp market names the oracle as its
///      quoter and the engine reads a perp quote with the one oracle call it always made. Another market
///      (options) names its own pricer.
interface IMarketQuoter {
    /// @notice The quote of instrument `instrument`.
    /// @return mark The price a position is settled at (8 decimals, USD per whole unit); 0 means "no price yet".
    /// @return initialRatio Initial margin per unit of notional at the mark (WAD).
    /// @return maintenanceRatio Maintenance margin per unit of notional at the mark (WAD).
    /// @return halted True while the instrument takes no new risk (its price is frozen or cooling off): the
    ///         engine then refuses every initial-margin check that includes it (opening, growing, withdrawing).
    function marketQuote(uint256 instrument)
        external
        view
        returns (uint256 mark, uint256 initialRatio, uint256 maintenanceRatio, bool halted);
}

/// @notice What a market asks of the margin engine it is bound to.
interface IMarketEngine {
    /// @notice What the market's pool must keep to pay the traders: the unrealised profit of the open
    ///         positions at the current marks plus a buffer, in quote-token base units. Liquidity withdrawals
    ///         may not take the pool below it.
    function poolReserve() external view returns (uint256);
}

/// @title IMarket
/// @notice How a market plugs into the margin engine. The engine holds every account's positions (a signed
///         size and an entry price per instrument) and margins them as linear claims: a position's
///         requirement is `ceil(|size| * mark * ratio)` plus its unrealised loss, and its realised PnL is
///         `size * (mark - entry)`, both at the quoter's mark and ratios. A market brings:
///         - its instruments (`marketCount`) and who quotes them (`quoter`);
///         - the pool that is the counterparty of every trade: it pays profits (`payProfit`) and receives
///           losses as plain transfers of `quoteToken`, which must be the engine's settlement token.
/// @dev Admission is fixed at construction: the engine's constructor takes the market, checks it, and
///      calls `bindEngine()`, which binds the market to that engine forever. There is no owner, no setter and
///      no way to admit or remove a market later; a new market means a new engine (same bytecode).
interface IMarket {
    /// @notice Thrown when a caller other than the margin engine calls an engine-only function.
    error OnlyEngine(address caller);
    /// @notice Thrown when `bindEngine` is called on a market already bound to an engine.
    error EngineAlreadyBound(address engine);

    /// @notice Emitted once, when the margin engine binds the market to itself.
    event EngineBound(address indexed engine);

    /// @notice Binds the market to the caller, the margin engine, forever. Only the first call succeeds; the
    ///         engine calls it from its constructor, so a front-runner can only make that deployment fail.
    function bindEngine() external;

    /// @notice The margin engine the market is bound to (zero until `bindEngine`).
    function engine() external view returns (address);

    /// @notice The token profits and losses are paid in (the engine's settlement token).
    function quoteToken() external view returns (address);

    /// @notice Decimals of `quoteToken`.
    function quoteDecimals() external view returns (uint8);

    /// @notice Number of instruments; the engine's market index j (< 8) is instrument j.
    function marketCount() external view returns (uint256);

    /// @notice The contract that quotes the instruments: instrument j is `quoter().marketQuote(j)`.
    function quoter() external view returns (IMarketQuoter);

    /// @notice Pays a trader's realised profit to the margin engine (engine only).
    function payProfit(uint256 amount) external;
}
