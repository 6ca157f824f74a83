// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {INoteCustody, IShieldedPool} from "../IShieldedPool.sol";
import {SafeTransferLib} from "../../libraries/SafeTransferLib.sol";

/// @notice Test-only custody for a shielded pool without a margin engine (the pool's own suites and its
///         benchmark): binds the pool, holds its tokens and pays unshields, as `MarginEngine.releaseNote`
///         does. Tests of absorbing and emitting notes use the real engine.
contract NoteCustodyHarness is INoteCustody {
    using SafeTransferLib for address;

    IShieldedPool public immutable pool;

    error NotPool(address caller);

    constructor(IShieldedPool pool_) {
        pool = pool_;
        pool_.bindEngine();
    }

    function releaseNote(uint256 slot, address to, uint256 amount) external {
        if (msg.sender != address(pool)) revert NotPool(msg.sender);
        pool.token(slot).safeTransfer(to, amount);
    }
}
