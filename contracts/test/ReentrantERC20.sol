// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title ReentrantERC20
/// @notice FOR TESTS ONLY: a mintable ERC-20 that, once armed, calls back into a target from inside
///         `transfer` and `transferFrom` and records what each call returned.
/// @dev Each armed call is made once, with the token as `msg.sender`; its revert is caught and its
///      return (or revert) data stored, and the transfer then completes normally. This lets a test read
///      the exact error a reentrancy guard raised, which `SafeTransferLib` would otherwise wrap.
contract ReentrantERC20 is MockERC20 {
    /// @notice Target of the armed calls (not `target`: ethers reserves that name for the address).
    address public reentryTarget;
    /// @notice Calldata of each armed call, in order.
    bytes[] internal _calls;
    /// @notice Whether each armed call succeeded, in order.
    bool[] public succeeded;
    /// @notice Return or revert data of each armed call, in order.
    bytes[] public results;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    /// @notice Arms the token: the next `transfer` or `transferFrom` makes `calls` to `target_`.
    function arm(address target_, bytes[] calldata calls) external {
        reentryTarget = target_;
        delete _calls;
        delete succeeded;
        delete results;
        for (uint256 i; i < calls.length; ++i) {
            _calls.push(calls[i]);
        }
    }

    /// @notice Number of armed calls made so far.
    function resultCount() external view returns (uint256) {
        return results.length;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        _reenter();
        return super.transfer(to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        _reenter();
        return super.transferFrom(from, to, amount);
    }

    function _reenter() private {
        uint256 n = _calls.length;
        if (n == 0) return;
        bytes[] memory calls = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            calls[i] = _calls[i];
        }
        delete _calls; // disarm first: one round of calls only
        for (uint256 i; i < n; ++i) {
            (bool ok, bytes memory data) = reentryTarget.call(calls[i]);
            succeeded.push(ok);
            results.push(data);
        }
    }
}
