// K210_ADD_PADDING: a C-vector becomes pixel (0,0) of a C x 4 x 4 map in AI SRAM (4 channels per
// line, 16-byte slots, 4 lines per channel group) so a 1x1 KPU conv can act as a dense layer.
// The other 15 pixels keep whatever was there, as on the K210.
#include "ops_v3.h"
#include "kpu_layout.h"

void kv3_k210_add_padding(const uint8_t *in, uint8_t *ai, uint32_t line, size_t channels) {
    uint8_t *base = ai + (size_t)line * KPU_LINE_BYTES;
    for (size_t c = 0; c < channels; c++) {
        base[(c / 4) * 4 * KPU_LINE_BYTES + (c % 4) * 16] = in[c];
    }
}
