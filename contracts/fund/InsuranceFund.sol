// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {IERC20Balance} from "../interfaces/IERC20Balance.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title InsuranceFund
/// @notice Backs the perp pool: when an account's positions close at a loss its basket cannot pay at
///         once (a force-close, a liquidation shortfall), the fund pays the pool what it can and is
///         repaid when the account settles. Anyone may top it up with a plain transfer.
/// @dev Governance-free: the token and the pool are immutable and the margin engine is bound once by
///      `bindEngine()`, which the engine's constructor calls; the engine alone may draw on the fund. No owner,
///      no setter, no withdrawal other than `cover`.
contract InsuranceFund is IInsuranceFund {
    using SafeTransferLib for address;

    /// @inheritdoc IInsuranceFund
    address public immutable token;
    /// @inheritdoc IInsuranceFund
    address public immutable pool;
    /// @inheritdoc IInsuranceFund
    address public engine;

    /// @param token_ The settlement token the fund holds and pays in.
    /// @param pool_ The market whose pool the fund pays.
    constructor(address token_, address pool_) {
        token = token_;
        pool = pool_;
    }

    /// @inheritdoc IInsuranceFund
    function bindEngine() external {
        if (engine != address(0)) revert EngineAlreadyBound(engine);
        engine = msg.sender;
        emit EngineBound(msg.sender);
    }

    /// @inheritdoc IInsuranceFund
    function balance() public view returns (uint256) {
        return IERC20Balance(token).balanceOf(address(this));
    }

    /// @inheritdoc IInsuranceFund
    function cover(uint256 amount) external returns (uint256 paid) {
        if (msg.sender != engine) revert OnlyEngine(msg.sender);
        uint256 available = balance();
        paid = amount < available ? amount : available;
        emit Covered(amount, paid);
        if (paid != 0) token.safeTransfer(pool, paid);
    }
}
