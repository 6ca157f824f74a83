pragma circom 2.1.6;

// Reserves finalize: N = 16 assets.
// Statement and signals: see ReservesFinalize in circuits/src/reserves.circom.
// circom 2.2.3 (npm circom2) --O2: 7,428 non-linear constraints, 0 linear, 7,416 wires,
// 9 public inputs.

include "../src/reserves.circom";

component main {public [stateFinal, root, tagCount, reserves]} = ReservesFinalize(16);
