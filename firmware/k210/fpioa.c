// FPIOA (0x502B0000): one 32-bit word per pad: function number in bits 0-7, drive strength,
// output/input enables (with the SPI block's own direction signals inverted for data lines).
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "fpioa.h"

uint32_t fpioa_config_word(uint32_t func, fpioa_kind_t kind, int pull_up) {
    uint32_t w = func & 0xFFu;
    switch (kind) {
        case FPIOA_KIND_OUTPUT:
            w |= (0xFu << FPIOA_DS_SHIFT) | FPIOA_OE_EN;
            break;
        case FPIOA_KIND_INPUT:
            w |= FPIOA_IE_EN | FPIOA_ST;
            break;
        case FPIOA_KIND_SPI_DATA:   // the SSI drives "output disable" active high: invert both
            w |= (0xFu << FPIOA_DS_SHIFT) | FPIOA_OE_EN | FPIOA_OE_INV | FPIOA_IE_EN | FPIOA_IE_INV | FPIOA_ST;
            break;
        case FPIOA_KIND_GPIO:
            w |= (0xFu << FPIOA_DS_SHIFT) | FPIOA_OE_EN | FPIOA_IE_EN | FPIOA_ST;
            break;
        case FPIOA_KIND_OPEN_DRAIN:   // the SCCB master drives "output enable" low to pull the line down
            w |= FPIOA_OE_EN | FPIOA_OE_INV | FPIOA_PU | FPIOA_SL | FPIOA_IE_EN | FPIOA_ST;
            break;
    }
    if (pull_up) {
        w |= FPIOA_PU;
    }
    return w;
}

int fpioa_set(uint32_t pin, uint32_t func, fpioa_kind_t kind, int pull_up) {
    if (pin >= FPIOA_NUM_IO || func > 255u) {
        return -EINVAL;
    }
    mmio_write32(FPIOA_BASE + FPIOA_IO(pin), fpioa_config_word(func, kind, pull_up));
    return 0;
}

int fpioa_apply(const fpioa_map_t *map, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        int r = fpioa_set(map[i].pin, map[i].func, (fpioa_kind_t)map[i].kind, map[i].pull_up);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}
