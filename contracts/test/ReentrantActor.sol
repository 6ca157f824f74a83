// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ReentrantActor
/// @notice FOR TESTS ONLY: a contract account (a liquidity provider, a keeper operator) that calls a
///         target on its own behalf and, when a `ReentrantERC20` armed with `reenter(...)` calls it back
///         from inside a transfer, calls the target again as itself. This is the reentrancy a token with
///         transfer callbacks would allow: the re-entered call comes from the victim contract's own user,
///         not from the token. Records each re-entered call's success and return or revert data.
contract ReentrantActor {
    address public callee;
    bool[] public succeeded;
    bytes[] public results;

    constructor(address target_) {
        callee = target_;
    }

    /// @notice Approves `spender` for `amount` of `token`, as this account.
    function approve(address token, address spender, uint256 amount) external {
        (bool ok,) = token.call(abi.encodeWithSignature("approve(address,uint256)", spender, amount));
        require(ok, "approve failed");
    }

    /// @notice Calls the target as this account; bubbles up a revert.
    function act(bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory out) = callee.call(data);
        if (!ok) {
            assembly {
                revert(add(out, 32), mload(out))
            }
        }
        return out;
    }

    /// @notice The armed token's callback: calls the target again as this account and records the result.
    function reenter(bytes calldata data) external {
        (bool ok, bytes memory out) = callee.call(data);
        succeeded.push(ok);
        results.push(out);
    }

    function resultCount() external view returns (uint256) {
        return results.length;
    }
}
