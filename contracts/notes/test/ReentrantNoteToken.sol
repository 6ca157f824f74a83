// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {NoteTestToken} from "./NoteTestToken.sol";

/// @notice Test only: a token whose `transferFrom` calls back into `target` with `data` first (once) and
///         records how that call reverted, to check the pool's reentrancy guard.
contract ReentrantNoteToken is NoteTestToken {
    address public hookTarget;
    bytes public hookData;
    bytes public lastRevert;

    constructor() NoteTestToken("Reentrant", "RE", 18) {}

    function arm(address target_, bytes calldata data_) external {
        hookTarget = target_;
        hookData = data_;
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        address t = hookTarget;
        if (t != address(0)) {
            hookTarget = address(0);
            (bool ok, bytes memory ret) = t.call(hookData);
            lastRevert = ok ? bytes("") : ret;
        }
        _move(from, to, amount);
        return true;
    }
}
