pragma circom 2.1.6;

// Reserves batch: B = 16 clients, N = 16 assets, a tree of depth 20 (2^20 clients).
// Statement and signals: see ReservesBatch in circuits/src/reserves.circom.
// circom 2.2.3 (npm circom2) --O2: 64,912 non-linear constraints, 0 linear, 64,913 wires,
// 4 public inputs: 64,916 < 2^16, fits the power-16 phase-1 file.

include "../src/reserves.circom";

component main {public [stateIn, stateOut, reserveWeightsHash, tagIndex]} = ReservesBatch(16, 16, 20);
