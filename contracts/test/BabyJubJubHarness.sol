// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BabyJubJub} from "../libraries/BabyJubJub.sol";

/// @title BabyJubJubHarness
/// @notice FOR TESTS ONLY: exposes the internal BabyJubJub library, one input or a batch at a time, and
///         measures the gas of its hot paths with `gasleft()`.
contract BabyJubJubHarness {
    /// @notice The library's constants, to check them against circomlibjs.
    function constants()
        external
        pure
        returns (
            uint256 p,
            uint256 a,
            uint256 d,
            uint256 subOrder,
            uint256 base8x,
            uint256 base8y,
            uint256 sqrtNegA,
            uint256 invSqrtNegA,
            uint256 d1
        )
    {
        return (
            BabyJubJub.P,
            BabyJubJub.A,
            BabyJubJub.D,
            BabyJubJub.SUB_ORDER,
            BabyJubJub.BASE8_X,
            BabyJubJub.BASE8_Y,
            BabyJubJub.SQRT_NEG_A,
            BabyJubJub.INV_SQRT_NEG_A,
            BabyJubJub.D1
        );
    }

    function isOnCurve(uint256 x, uint256 y) external pure returns (bool) {
        return BabyJubJub.isOnCurve(x, y);
    }

    function isInSubgroup(uint256 x, uint256 y) external pure returns (bool) {
        return BabyJubJub.isInSubgroup(x, y);
    }

    function add(uint256 x1, uint256 y1, uint256 x2, uint256 y2) external view returns (uint256, uint256) {
        return BabyJubJub.add(x1, y1, x2, y2);
    }

    function double(uint256 x, uint256 y) external view returns (uint256, uint256) {
        return BabyJubJub.double(x, y);
    }

    function mul(uint256 scalar, uint256 x, uint256 y) external view returns (uint256, uint256) {
        return BabyJubJub.mul(scalar, x, y);
    }

    /// @notice `mul` over equal-length arrays (one call for many random cases).
    function mulBatch(uint256[] calldata scalars, uint256[2][] calldata points)
        external
        view
        returns (uint256[2][] memory out)
    {
        out = new uint256[2][](scalars.length);
        for (uint256 i; i < scalars.length; ++i) {
            (out[i][0], out[i][1]) = BabyJubJub.mul(scalars[i], points[i][0], points[i][1]);
        }
    }

    /// @notice `add` over equal-length arrays.
    function addBatch(uint256[2][] calldata a, uint256[2][] calldata b) external view returns (uint256[2][] memory out) {
        out = new uint256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            (out[i][0], out[i][1]) = BabyJubJub.add(a[i][0], a[i][1], b[i][0], b[i][1]);
        }
    }

    /// @notice `isOnCurve` and `isInSubgroup` of each point.
    function classify(uint256[2][] calldata points)
        external
        pure
        returns (bool[] memory onCurve, bool[] memory inSubgroup)
    {
        onCurve = new bool[](points.length);
        inSubgroup = new bool[](points.length);
        for (uint256 i; i < points.length; ++i) {
            onCurve[i] = BabyJubJub.isOnCurve(points[i][0], points[i][1]);
            inSubgroup[i] = BabyJubJub.isInSubgroup(points[i][0], points[i][1]);
        }
    }

    function isSchnorrValid(uint256 s, uint256 c, uint256 ax, uint256 ay, uint256 rx, uint256 ry)
        external
        pure
        returns (bool)
    {
        return BabyJubJub.isSchnorrValid(s, c, ax, ay, rx, ry);
    }

    /// @notice Gas of one `isSchnorrValid` call, measured around the library call.
    function gasOfIsSchnorrValid(uint256 s, uint256 c, uint256 ax, uint256 ay, uint256 rx, uint256 ry)
        external
        view
        returns (bool result, uint256 gasUsed)
    {
        uint256 before = gasleft();
        result = BabyJubJub.isSchnorrValid(s, c, ax, ay, rx, ry);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of one `isInSubgroup` call, measured around the library call.
    function gasOfIsInSubgroup(uint256 x, uint256 y) external view returns (bool result, uint256 gasUsed) {
        uint256 before = gasleft();
        result = BabyJubJub.isInSubgroup(x, y);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of one `mul` call, measured around the library call.
    function gasOfMul(uint256 scalar, uint256 x, uint256 y) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        BabyJubJub.mul(scalar, x, y);
        gasUsed = before - gasleft();
    }
}
