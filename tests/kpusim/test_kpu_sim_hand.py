"""Hand-computed cases for the behavioural KPU (docs/kpu.md); every expected number
below was worked out by hand from the spec's formulas and is written out literally."""
import pytest

from kpusim_lib import (EINVAL, IDENTITY_ACT, IDENTITY_BN, RULE01, RULE02, SEG_HIGH, SEG_LOW,
                    conv_layer, load_map, pixel_offset, store_map)


def test_conv1x1_4x4_offsets_bn(kpusim):
    # 2 input channels, 1 output channel. x0 = 1..16, x1 = 10; weights (2, 3);
    # arg_x = -1 (weight zero point 1), arg_w = -2 (input zero point 2), arg_add = 2 per channel.
    # acc = S - Sx - 2*Sw + 2*2 = sum (x - 2)(w - 1) = (x0 - 2) + 8*2 = x0 + 14.
    # BN: v = (3 * acc >> 1) - 5. Act: segment 1 from 0, slope 1.
    x0 = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]
    x1 = [[10] * 4 for _ in range(4)]
    store_map(kpusim.ai, 10, [x0, x1])
    act = [(SEG_LOW, 0, 0, 0), (0, 1, 0, 0)] + [(SEG_HIGH, 0, 0, 255)] * 14
    a = conv_layer(kpusim, c=2, h=4, w=4, oc=1, weights=bytes([2, 3]), bn=[(3, 1, -5)], act=act,
                   src=10, dst=20, arg_x=-1, arg_w=-2, arg_add=2, send=True)
    rc, dma = kpusim.run(a.pack(), 16)
    assert rc == 0
    expect = [[17, 19, 20, 22], [23, 25, 26, 28], [29, 31, 32, 34], [35, 37, 38, 40]]
    assert load_map(kpusim.ai, 20, 1, 4, 4) == [expect]
    assert list(dma) == [v for row in expect for v in row]
    # W = 4: one row per line, the channel in slot 0: pixel (0, y, x) at 20*64 + y*64 + x
    assert kpusim.ai[1280 + 64 * 3 + 2] == 38


def test_conv3x3_pad_value_and_depthwise(kpusim):
    # 3x3 all-ones kernel on a 3x3 map with pad_value 7: out = neighbourhood sum, padding 7.
    # Channel 0 = 1..9, channel 1 = all 0 (depthwise, weights all 1 for both).
    ch0 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    ch1 = [[0] * 3 for _ in range(3)]
    store_map(kpusim.ai, 0, [ch0, ch1])
    a = conv_layer(kpusim, c=2, h=3, w=3, oc=2, k=3, depthwise=True, weights=bytes([1] * 18),
                   bn=[IDENTITY_BN] * 2, act=IDENTITY_ACT, src=0, dst=8, pad_value=7)
    assert kpusim.run(a.pack())[0] == 0
    # corner (0,0): 5 pads * 7 + 1+2+4+5 = 47; edge (0,1): 3*7 + 1+2+3+4+5+6 = 42;
    # centre: 45; (1,0): 3*7 + 1+2+4+5+7+8 = 48 ...
    exp0 = [[47, 42, 51], [48, 45, 54], [59, 60, 63]]
    exp1 = [[35, 21, 35], [21, 0, 21], [35, 21, 35]]
    assert load_map(kpusim.ai, 8, 2, 3, 3) == [exp0, exp1]


def test_conv3x3_normal_two_inputs(kpusim):
    # normal 3x3 conv, 2 inputs -> 1 output, pad 0; weights: input 0 centre tap 2,
    # input 1 the right tap (ky=1,kx=2) 1. out(y,x) = 2*a(y,x) + b(y,x+1) (0 past the edge).
    a_ = [[1, 2, 3, 4], [5, 6, 7, 8]]
    b_ = [[10, 20, 30, 40], [50, 60, 70, 80]]
    store_map(kpusim.ai, 0, [a_, b_])
    w = [0, 0, 0, 0, 2, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 1, 0, 0, 0]
    a = conv_layer(kpusim, c=2, h=2, w=4, oc=1, k=3, weights=bytes(w), bn=[IDENTITY_BN],
                   act=IDENTITY_ACT, src=0, dst=4)
    assert kpusim.run(a.pack())[0] == 0
    assert load_map(kpusim.ai, 4, 1, 2, 4) == [[[22, 34, 46, 8], [70, 82, 94, 16]]]


def test_sixteen_bit_weights(kpusim):
    # u16 LE weights 300 and 1000 on inputs 1 and 2: S = 2300; BN >> 4 -> 143.
    store_map(kpusim.ai, 0, [[[1] * 4] * 4, [[2] * 4] * 4])
    kpusim.weight_bits(16)
    w = (300).to_bytes(2, "little") + (1000).to_bytes(2, "little")
    act = [(SEG_LOW, 0, 0, 0), (0, 1, 0, 0)] + [(SEG_HIGH, 0, 0, 255)] * 14
    a = conv_layer(kpusim, c=2, h=4, w=4, oc=1, weights=w, bn=[(1, 4, 0)], act=act,
                   src=0, dst=4, weight_bytes=2)
    assert kpusim.run(a.pack())[0] == 0
    assert load_map(kpusim.ai, 4, 1, 4, 4) == [[[143] * 4] * 4]
    # the same words in 8-bit mode disagree with para_size (2 bytes per weight): refused
    kpusim.weight_bits(8)
    assert kpusim.run(a.pack())[0] == -EINVAL


POOL_IN = [[1, 5, 2, 8], [3, 4, 9, 0], [7, 7, 1, 1], [250, 6, 2, 3]]
POOL_EXPECT = {
    0: POOL_IN,
    1: [[5, 9], [250, 3]],
    2: [[3, 4], [67, 1]],                 # 13/4, 19/4, 270/4, 7/4 truncated
    3: [[250]],
    4: [[19]],                            # 309 / 16
    5: [[1, 2], [7, 1]],
    6: [[5, 8], [7, 1]],                  # (2oy, 2ox+1)
    7: [[1]],
    8: [[3, 5, 4, 4], [5, 5, 2, 0], [67, 4, 1, 2], [128, 4, 2, 3]],   # edge replicated
    9: [[5, 9, 9, 8], [7, 9, 9, 1], [250, 7, 3, 3], [250, 6, 3, 3]],  # missing taps = 0
}


@pytest.mark.parametrize("pool", range(10))
def test_pool_types_4x4(kpusim, pool):
    store_map(kpusim.ai, 0, [POOL_IN])
    a = conv_layer(kpusim, c=1, h=4, w=4, oc=1, pool=pool, weights=b"\x01", bn=[IDENTITY_BN],
                   act=IDENTITY_ACT, src=0, dst=4, send=True)
    exp = POOL_EXPECT[pool]
    rc, dma = kpusim.run(a.pack(), len(exp) * len(exp[0]))
    assert rc == 0
    assert load_map(kpusim.ai, 4, 1, len(exp), len(exp[0])) == [exp]
    assert list(dma) == [v for row in exp for v in row]


def test_pool_size_must_match_output_size(kpusim):
    store_map(kpusim.ai, 0, [POOL_IN])
    a = conv_layer(kpusim, c=1, h=4, w=4, oc=1, pool=1, weights=b"\x01", bn=[IDENTITY_BN],
                   act=IDENTITY_ACT, src=0, dst=4, o_row_wid=3)
    assert kpusim.run(a.pack())[0] == -EINVAL


# Activation: v = input pixel (weight 1, BN identity). Segments: 1 from 10 (slope 1/2, bias
# 100), 2 from 20 (slope 3/4, bias 200), 3 from 40 (slope -1/2, bias 50).
ACT_RULES = [(SEG_LOW, 0, 0, 0), (10, 1, 1, 100), (20, 3, 2, 200), (40, -1, 1, 50)] + \
            [(SEG_HIGH, 0, 0, 255)] * 12
ACT_V = [10, 11, 13, 20, 21, 22, 23, 26, 40, 41, 43, 5, 0, 255, 12, 30]
ACT_EXPECT = {
    # v=10 on segment 1's start: strict -> segment 0 -> 0; non-strict -> 100 + 0.
    # v=11: t=1, s=1 = 0.5: banker -> 0 (even), SDK half-up -> 1.
    # v=13: 1.5 -> 2 both. v=20: strict: seg 1, t=10 -> 5 -> 105; non-strict: seg 2, 200.
    # v=21: 3/4 -> 1. v=22: 6/4 = 1.5 -> 2 both. v=23: 9/4 -> 2. v=26: 18/4 = 4.5: 4 / 5.
    # v=40: strict: seg 2, t=60, 60/4 = 15 -> 215; non-strict: seg 3, 50.
    # v=41: t=-1, -0.5: banker q=-1 odd -> -2; SDK u=-1 odd -> -2: 48 both.
    # v=43: t=-3, -1.5: banker q=-2 even -> -2 (48); SDK (-3>>1)-1 = -3 (47).
    # v=255: t=-215 -> about -108 -> clamps to 0. v=12: t=2 -> 1 -> 101. v=30: 30/4 = 7.5:
    # banker q=7 odd -> 8 (208); SDK u=15 odd -> 8 (208).
    RULE02: [0, 100, 102, 105, 201, 202, 202, 204, 215, 48, 48, 0, 0, 0, 101, 208],
    RULE01: [100, 101, 102, 200, 201, 202, 202, 205, 50, 48, 47, 0, 0, 0, 101, 208],
}


@pytest.mark.parametrize("rule", [RULE02, RULE01])
def test_activation_segment_start_and_half(kpusim, rule):
    store_map(kpusim.ai, 0, [[ACT_V[0:4], ACT_V[4:8], ACT_V[8:12], ACT_V[12:16]]])
    kpusim.rule(rule)
    a = conv_layer(kpusim, c=1, h=4, w=4, oc=1, weights=b"\x01", bn=[(1, 0, 0)], act=ACT_RULES,
                   src=0, dst=4, send=True)
    rc, dma = kpusim.run(a.pack(), 16)
    assert rc == 0
    assert list(dma) == ACT_EXPECT[rule]


@pytest.mark.parametrize("t,s,banker,sdk", [
    (0, 0, 0, 0), (5, 0, 5, 5), (1, 1, 0, 1), (3, 1, 2, 2), (-1, 1, -2, -2), (-3, 1, -2, -3),
    (-1, 2, -2, -2), (6, 2, 2, 2), (10, 2, 2, 3), (-10, 2, -4, -4), (7, 2, 2, 2),
    (1 << 40, 41, 0, 1), (3 << 39, 40, 2, 2), (-5, 100, -2, -2), (5, 100, 0, 0)])
def test_carry_shifts(kpusim, t, s, banker, sdk):
    # banker: q=floor, f vs half, ties to even q (sign-directed); SDK: the SDK carry (docs/kpu.md, "Rounding").
    assert kpusim.lib.kpu_sim_round_banker(t, s) == banker
    assert kpusim.lib.kpu_sim_round_sdk(t, s) == sdk


@pytest.mark.parametrize("w,h,c,pixel,offset", [
    (4, 4, 6, (5, 2, 3), 256 + 128 + 16 + 3),          # 4 channels per line, 16-byte slots
    (20, 3, 3, (2, 1, 19), 192 + 64 + 19),             # 2 per line, 32-byte slots
    (20, 3, 3, (1, 2, 7), 2 * 64 + 32 + 7),
    (40, 2, 2, (1, 1, 39), 128 + 64 + 39),             # one channel per line
    (100, 2, 2, (1, 1, 99), 256 + 128 + 99),           # two lines per row
    (100, 2, 2, (0, 1, 70), 128 + 70),
])
def test_row_layout(kpusim, w, h, c, pixel, offset):
    # identity 1x1 conv (w[o][i] = 1 if o == i) from line 0 to line 100: the output pixel
    # must be at the hand-computed byte offset from line 100.
    assert pixel_offset(100, *pixel, h, w) == 6400 + offset
    data = [[[(ci * 7 + y * 3 + x) % 251 for x in range(w)] for y in range(h)] for ci in range(c)]
    store_map(kpusim.ai, 0, data)
    ident = bytes(1 if o == i else 0 for o in range(c) for i in range(c))
    a = conv_layer(kpusim, c=c, h=h, w=w, oc=c, weights=ident, bn=[IDENTITY_BN] * c,
                   act=IDENTITY_ACT, src=0, dst=100)
    assert kpusim.run(a.pack())[0] == 0
    ci, y, x = pixel
    assert kpusim.ai[6400 + offset] == data[ci][y][x]


def test_wide_rows_equal_planar(kpusim):
    # W = 128: two full lines per row, so the map is byte-identical to planar CHW.
    data = bytes((i * 13) % 256 for i in range(2 * 3 * 128))
    kpusim.ai[0:len(data)] = data
    a = conv_layer(kpusim, c=2, h=3, w=128, oc=2, weights=bytes([1, 0, 0, 1]),
                   bn=[IDENTITY_BN] * 2, act=IDENTITY_ACT, src=0, dst=64)
    assert kpusim.run(a.pack())[0] == 0
    assert bytes(kpusim.ai[64 * 64:64 * 64 + len(data)]) == data


@pytest.mark.parametrize("bits", [8, 16])
def test_accumulator_extremes(kpusim, bits):
    # 1024 input channels, 3x3, every input, pad and weight at its maximum: the largest sum
    # the KPU can form. 8-bit: S = 9216 * 255 * 255 = 599,270,400 (still an int32);
    # 16-bit: S = 9216 * 255 * 65535 = 154,011,340,800 (needs 64 bits).
    # BN: v = S >> 15; act: segment 1 from 0 with slope 1 / 2^s.
    c = 1024
    store_map(kpusim.ai, 0, [[[255] * 4] * 4] * c)
    kpusim.weight_bits(bits)
    wmax = (255).to_bytes(1, "little") if bits == 8 else (65535).to_bytes(2, "little")
    s = 7 if bits == 8 else 15
    act = [(SEG_LOW, 0, 0, 0), (0, 1, s, 0)] + [(SEG_HIGH, 0, 0, 255)] * 14
    a = conv_layer(kpusim, c=c, h=4, w=4, oc=1, k=3, weights=wmax * (9 * c), bn=[(1, 15, 0)],
                   act=act, src=0, dst=2000, pad_value=255, weight_bytes=bits // 8, send=True)
    rc, dma = kpusim.run(a.pack(), 16)
    assert rc == 0
    # 8-bit: 599270400 >> 15 = 18288; / 2^7 = 142.875 -> 143.
    # 16-bit: 154011340800 >> 15 = 4700053; / 2^15 = 143.43 -> 143.
    assert list(dma) == [143] * 16


@pytest.mark.parametrize("h,w", [(1, 1), (1, 5), (3, 1), (2, 2)])
def test_tiny_maps_3x3(kpusim, h, w):
    # 3x3 all-ones kernel, pad 10: out = sum of the in-map neighbours + 10 per missing tap.
    data = [[y * w + x + 1 for x in range(w)] for y in range(h)]
    store_map(kpusim.ai, 0, [data])
    a = conv_layer(kpusim, c=1, h=h, w=w, oc=1, k=3, weights=bytes([1] * 9), bn=[IDENTITY_BN],
                   act=IDENTITY_ACT, src=0, dst=10, pad_value=10)
    assert kpusim.run(a.pack())[0] == 0
    exp = {
        (1, 1): [[1 + 8 * 10]],
        (1, 5): [[1 + 2 + 70, 1 + 2 + 3 + 60, 2 + 3 + 4 + 60, 3 + 4 + 5 + 60, 4 + 5 + 70]],
        (3, 1): [[1 + 2 + 70], [1 + 2 + 3 + 60], [2 + 3 + 70]],
        (2, 2): [[1 + 2 + 3 + 4 + 50] * 2] * 2,
    }[(h, w)]
    assert load_map(kpusim.ai, 10, 1, h, w) == [exp]
