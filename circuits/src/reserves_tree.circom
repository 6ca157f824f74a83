pragma circom 2.1.6;

// The client tree of a reserves period: a binary Poseidon Merkle tree of
// depth DEPTH (20 in production), node = Poseidon(2)(left, right), empty
// leaf 0. Batches of B leaves are appended left to right as subtrees of height
// log2(B) into an incremental Merkle tree ("filled subtrees", as in Tornado
// Cash). Twin of prover/src/reserves/tree.ts and state.ts.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// RESERVES_ZERO_HASH(level)
//
// Z_level, the root of an empty subtree of height `level`:
// Z_0 = 0, Z_{k+1} = Poseidon(2)(Z_k, Z_k). Levels 0..32.
// The table is the output of zeroHashes() in prover/src/reserves/tree.ts;
// test/circuits/reserves.test.ts checks every entry against it.
function RESERVES_ZERO_HASH(level) {
    assert(level >= 0);
    assert(level <= 32);
    var z[33];
    z[0] = 0;
    z[1] = 14744269619966411208579211824598458697587494354926760081771325075741142829156;
    z[2] = 7423237065226347324353380772367382631490014989348495481811164164159255474657;
    z[3] = 11286972368698509976183087595462810875513684078608517520839298933882497716792;
    z[4] = 3607627140608796879659380071776844901612302623152076817094415224584923813162;
    z[5] = 19712377064642672829441595136074946683621277828620209496774504837737984048981;
    z[6] = 20775607673010627194014556968476266066927294572720319469184847051418138353016;
    z[7] = 3396914609616007258851405644437304192397291162432396347162513310381425243293;
    z[8] = 21551820661461729022865262380882070649935529853313286572328683688269863701601;
    z[9] = 6573136701248752079028194407151022595060682063033565181951145966236778420039;
    z[10] = 12413880268183407374852357075976609371175688755676981206018884971008854919922;
    z[11] = 14271763308400718165336499097156975241954733520325982997864342600795471836726;
    z[12] = 20066985985293572387227381049700832219069292839614107140851619262827735677018;
    z[13] = 9394776414966240069580838672673694685292165040808226440647796406499139370960;
    z[14] = 11331146992410411304059858900317123658895005918277453009197229807340014528524;
    z[15] = 15819538789928229930262697811477882737253464456578333862691129291651619515538;
    z[16] = 19217088683336594659449020493828377907203207941212636669271704950158751593251;
    z[17] = 21035245323335827719745544373081896983162834604456827698288649288827293579666;
    z[18] = 6939770416153240137322503476966641397417391950902474480970945462551409848591;
    z[19] = 10941962436777715901943463195175331263348098796018438960955633645115732864202;
    z[20] = 15019797232609675441998260052101280400536945603062888308240081994073687793470;
    z[21] = 11702828337982203149177882813338547876343922920234831094975924378932809409969;
    z[22] = 11217067736778784455593535811108456786943573747466706329920902520905755780395;
    z[23] = 16072238744996205792852194127671441602062027943016727953216607508365787157389;
    z[24] = 17681057402012993898104192736393849603097507831571622013521167331642182653248;
    z[25] = 21694045479371014653083846597424257852691458318143380497809004364947786214945;
    z[26] = 8163447297445169709687354538480474434591144168767135863541048304198280615192;
    z[27] = 14081762237856300239452543304351251708585712948734528663957353575674639038357;
    z[28] = 16619959921569409661790279042024627172199214148318086837362003702249041851090;
    z[29] = 7022159125197495734384997711896547675021391130223237843255817587255104160365;
    z[30] = 4114686047564160449611603615418567457008101555090703535405891656262658644463;
    z[31] = 12549363297364877722388257367377629555213421373705596078299904496781819142130;
    z[32] = 21443572485391568159800782191812935835534334817699172242223315142338162256601;
    return z[level];
}

// Log2 of a power of two (compile time).
function RESERVES_LOG2(n) {
    var r = 0;
    var x = 1;
    while (x < n) {
        x = x * 2;
        r++;
    }
    assert(x == n);
    return r;
}

// MerkleSubtreeRoot(B)
//
// Computes: out = root of the complete binary tree over leaves[0..B-1]
// (level by level, node = Poseidon(2)(left, right)).
//
// Inputs:
//   leaves[B]  (private): leaf hashes, any field elements.
// Outputs:
//   out: the subtree root (height log2(B)).
// Cost: B - 1 Poseidon(2).
template MerkleSubtreeRoot(B) {
    var L = RESERVES_LOG2(B);
    assert(L >= 1);

    signal input leaves[B];
    signal output out;

    component nodes[B - 1];
    // Heap layout: node k has children 2k+1, 2k+2; leaves sit at B-1 .. 2B-2.
    signal level[2 * B - 1];
    for (var j = 0; j < B; j++) {
        level[B - 1 + j] <== leaves[j];
    }
    for (var k = B - 2; k >= 0; k--) {
        nodes[k] = Poseidon(2);
        nodes[k].inputs[0] <== level[2 * k + 1];
        nodes[k].inputs[1] <== level[2 * k + 2];
        level[k] <== nodes[k].out;
    }
    out <== level[0];
}

// FrontierAppend(BASE, LEVELS)
//
// Appends one subtree root at position `indexBits` of the level-BASE row of a
// tree of height BASE + LEVELS, whose rows above BASE are summarised by the
// frontier ("filled subtrees": frontierIn[k] is the last left node written at
// level BASE + k). Positions after `index` are empty (Z).
//
// For k = 0 .. LEVELS-1, with node_0 = subtreeRoot and bit = indexBits[k]:
//   left  = bit ? frontierIn[k] : node_k
//   right = bit ? node_k        : Z_{BASE+k}
//   frontierOut[k] = left
//   node_{k+1} = Poseidon(2)(left, right)
// root = node_LEVELS.
//
// Inputs:
//   subtreeRoot     (private): root of the subtree being appended.
//   indexBits[LEVELS] (private): little-endian bits of its position.
//                   PRECONDITION: each is boolean (the caller takes them from Num2Bits).
//   frontierIn[LEVELS] (private): the frontier before the append.
// Outputs:
//   frontierOut[LEVELS]: the frontier after the append.
//   root: the root of the tree with every subtree up to and including this one
//         and empty subtrees after it.
// Soundness: the result is the true root only if frontierIn holds, for every
//   level whose bit is 1, the left sibling written by earlier appends; the
//   caller gets this by chaining appends from the genesis frontier in order
//   (index = number of earlier appends).
// Cost: LEVELS Poseidon(2) + 2 * LEVELS.
template FrontierAppend(BASE, LEVELS) {
    assert(BASE >= 0);
    assert(LEVELS >= 1);
    assert(BASE + LEVELS <= 32);

    signal input subtreeRoot;
    signal input indexBits[LEVELS];
    signal input frontierIn[LEVELS];
    signal output frontierOut[LEVELS];
    signal output root;

    signal node[LEVELS + 1];
    signal left[LEVELS];
    signal right[LEVELS];
    component hashes[LEVELS];

    node[0] <== subtreeRoot;
    for (var k = 0; k < LEVELS; k++) {
        var z = RESERVES_ZERO_HASH(BASE + k);
        left[k] <== node[k] + indexBits[k] * (frontierIn[k] - node[k]);
        right[k] <== z + indexBits[k] * (node[k] - z);
        frontierOut[k] <== left[k];
        hashes[k] = Poseidon(2);
        hashes[k].inputs[0] <== left[k];
        hashes[k].inputs[1] <== right[k];
        node[k + 1] <== hashes[k].out;
    }
    root <== node[LEVELS];
}
