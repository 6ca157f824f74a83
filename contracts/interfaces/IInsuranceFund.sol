// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IInsuranceFund
/// @notice The fund that backs a market's pool: when an account's positions close at a loss its basket
///         cannot pay at once (a force-close, a liquidation shortfall), the fund pays the pool what it can
///         and is repaid when the account settles.
interface IInsuranceFund {
    /// @notice Thrown when a caller other than the margin engine calls `cover`.
    error OnlyEngine(address caller);
    /// @notice Thrown when `bindEngine` is called on a fund already bound to an engine.
    error EngineAlreadyBound(address engine);

    /// @notice Emitted when the fund pays the pool `paid` of a `requested` loss.
    event Covered(uint256 requested, uint256 paid);
    /// @notice Emitted once, when the margin engine binds the fund to itself.
    event EngineBound(address indexed engine);

    /// @notice Binds the fund to the caller, the margin engine, forever. Only the first call succeeds; the
    ///         engine calls it from its constructor, so a front-runner can only make that deployment fail.
    function bindEngine() external;

    /// @notice The margin engine the fund is bound to (zero until `bindEngine`).
    function engine() external view returns (address);

    /// @notice The settlement token the fund holds.
    function token() external view returns (address);

    /// @notice Who receives the fund's payments: the market's pool.
    function pool() external view returns (address);

    /// @notice Tokens the fund holds.
    function balance() external view returns (uint256);

    /// @notice Pays the pool up to `amount` (all the fund has, if less). Engine only.
    /// @param amount The loss to cover, in token base units.
    /// @return paid What the fund paid.
    function cover(uint256 amount) external returns (uint256 paid);
}
