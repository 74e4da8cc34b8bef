"""Words that silicon would silently misread are refused with -EINVAL, and a refused layer
leaves AI SRAM untouched."""
import pytest

from kpusim_lib import EINVAL, IDENTITY_ACT, IDENTITY_BN, conv_layer, store_map


def _valid(sim, **over):
    store_map(sim.ai, 0, [[[i * 4 + j for j in range(4)] for i in range(4)]] * 2)
    return conv_layer(sim, c=2, h=4, w=4, oc=2, k=3, weights=bytes(range(18)) * 2,
                      bn=[IDENTITY_BN] * 2, act=IDENTITY_ACT, src=0, dst=8, **over)


def _refused(sim, words, dma=None):
    before = bytes(sim.ai)
    rc, _ = sim.run(words, dma)
    return rc == -EINVAL and bytes(sim.ai) == before


def test_valid_layer_runs(kpusim):
    assert kpusim.run(_valid(kpusim).pack())[0] == 0


@pytest.mark.parametrize("field,value", [
    ("ram_flag", 1), ("full_add", 1), ("pad_type", 1), ("first_stride", 1), ("bypass_conv", 1),
    ("coef_column_offset", 1), ("coef_row_offset", 3), ("coef_size", 1),       # undocumented modes
    ("load_para", 0), ("load_coor", 0), ("load_act", 0),                      # stale parameters
    ("kernel_type", 2), ("kernel_type", 7), ("pool_type", 10), ("pool_type", 15),
    ("o_row_wid", 1), ("o_col_high", 4),                                      # size vs pooling
    ("channel_switch_addr", 5), ("row_switch_addr", 2), ("coef_group", 2),    # input layout
    ("wb_channel_switch_addr", 3), ("wb_row_switch_addr", 0), ("wb_group", 1),  # output layout
    ("o_ch_num_coef", 2), ("load_time", 1), ("para_size", 35),                # weight loads
    ("depth_wise_layer", 1),                                                  # para_size then wrong
    ("image_dst_addr", 3),                                                    # overlaps the input
    ("image_src_addr", 32767),                                                # past 2 MiB
    ("image_dst_addr", 32766),
    ("para_start_addr", 0x90000000),                                          # not SRAM
    ("para_start_addr", 0x80600000),                                          # AI SRAM
    ("para_start_addr", 0x805FFFF0),                                          # runs past 6 MiB
    ("bwsx_base_addr", 0), ("active_addr", 0x10000000), ("active_addr", 0x807FFFC0),
    ("i_row_wid", 960),                                                       # 961 columns
])
def test_bad_field_refused(kpusim, field, value):
    a = _valid(kpusim)
    setattr(a, field, value)
    assert _refused(kpusim, a.pack())


@pytest.mark.parametrize("word,bit", [(0, 4), (0, 63), (1, 15), (1, 47), (2, 10), (2, 63), (3, 19),
                                      (3, 51), (4, 11), (4, 15), (5, 7), (5, 14), (7, 15), (8, 15),
                                      (8, 23), (8, 63), (9, 56), (10, 40), (11, 1), (11, 15)])
def test_reserved_bit_refused(kpusim, word, bit):
    a = _valid(kpusim, extra={word: 1 << bit})
    assert _refused(kpusim, a.pack())


def test_uncached_alias_accepted(kpusim):
    a = _valid(kpusim)
    a.para_start_addr -= 0x40000000
    a.bwsx_base_addr -= 0x40000000
    a.active_addr -= 0x40000000
    assert kpusim.run(a.pack())[0] == 0


def test_depthwise_needs_equal_channels(kpusim):
    store_map(kpusim.ai, 0, [[[1] * 4] * 4] * 2)
    a = conv_layer(kpusim, c=2, h=4, w=4, oc=3, weights=bytes(3), bn=[IDENTITY_BN] * 3,
                   act=IDENTITY_ACT, src=0, dst=8, depthwise=True)
    assert _refused(kpusim, a.pack())


def test_dma_request_must_match_words(kpusim):
    a = _valid(kpusim, send=True)
    assert _refused(kpusim, a.pack())               # stream requested, nobody drains it
    assert _refused(kpusim, a.pack(), 31)           # buffer of the wrong size
    a.dma_total_byte = 30
    assert _refused(kpusim, a.pack(), 31)           # dma_total_byte disagrees with the map
    a = _valid(kpusim, send=True, channel_byte_num=14)
    assert _refused(kpusim, a.pack(), 32)
    a = _valid(kpusim)
    assert _refused(kpusim, a.pack(), 32)           # buffer given, send_data_out clear
    a = _valid(kpusim, send=True)
    rc, dma = kpusim.run(a.pack(), 32)
    assert rc == 0 and len(dma) == 32
