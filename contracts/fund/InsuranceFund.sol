// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

interface IERC20BalanceOf {
    function balanceOf(address) external view returns (uint256);
}

/// @title InsuranceFund
/// @notice Backs the perp pool: when an account's positions close at a loss its basket cannot pay at
///         once (a force-close, later a liquidation shortfall), the fund pays the pool what it can
///         and is repaid when the account settles. Anyone may top it up with a plain transfer.
/// @dev Governance-free: deployed by the margin engine, which alone may draw on it; no owner, no
///      withdrawal other than `cover`.
contract InsuranceFund {
    using SafeTransferLib for address;

    /// @notice Thrown when a caller other than the margin engine calls `cover`.
    error OnlyEngine(address caller);

    /// @notice Emitted when the fund pays the pool `paid` of a `requested` loss.
    event Covered(uint256 requested, uint256 paid);

    /// @notice The margin engine that deployed the fund.
    address public immutable engine;
    /// @notice The settlement token the fund holds.
    address public immutable token;
    /// @notice Who receives the fund's payments: the perp market's pool.
    address public immutable pool;

    constructor(address engine_, address token_, address pool_) {
        engine = engine_;
        token = token_;
        pool = pool_;
    }

    /// @notice Tokens the fund holds.
    function balance() public view returns (uint256) {
        return IERC20BalanceOf(token).balanceOf(address(this));
    }

    /// @notice Pays the pool up to `amount` (all the fund has, if less). Engine only.
    /// @param amount The loss to cover, in token base units.
    /// @return paid What the fund paid.
    function cover(uint256 amount) external returns (uint256 paid) {
        if (msg.sender != engine) revert OnlyEngine(msg.sender);
        uint256 available = balance();
        paid = amount < available ? amount : available;
        emit Covered(amount, paid);
        if (paid != 0) token.safeTransfer(pool, paid);
    }
}
