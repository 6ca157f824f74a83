// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InternalLeanIMT, LeanIMTData} from "@zk-kit/lean-imt.sol/InternalLeanIMT.sol";
import {PoseidonT3} from "poseidon-solidity/PoseidonT3.sol";

/// @notice Test and benchmark only: zk-kit's lean IMT (with poseidon-solidity's PoseidonT3) as the
///         alternative to the pool's batched insertion, and a probe of one on-chain Poseidon(2).
///         `seed` writes a tree state of any size directly (non-zero side nodes, as a long-lived tree
///         has), so that an insert can be measured at 2^20 leaves without inserting 2^20 leaves.
contract LeanIMTBench {
    using InternalLeanIMT for LeanIMTData;

    LeanIMTData internal _tree;
    uint256 public lastRoot;

    function insert(uint256 leaf) external returns (uint256 root) {
        root = _tree._insert(leaf);
        lastRoot = root;
    }

    function seed(uint256 size_, uint256 depth_, uint256[] calldata sideNodes) external {
        _tree.size = size_;
        _tree.depth = depth_;
        for (uint256 i = 0; i < sideNodes.length; ++i) {
            _tree.sideNodes[i] = sideNodes[i];
        }
    }

    function size() external view returns (uint256) {
        return _tree.size;
    }

    /// @notice Execution gas of one PoseidonT3.hash (library call included).
    function poseidonGas(uint256 a, uint256 b) external view returns (uint256 gasUsed, uint256 out) {
        uint256 g = gasleft();
        out = PoseidonT3.hash([a, b]);
        gasUsed = g - gasleft();
    }
}
