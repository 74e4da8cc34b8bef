// DesignWare AXI DMAC (0x50000000): 64-bit registers; channel n at 0x100 + 0x100 * n. The
// channel's handshake interface n is fed by whatever SYSCTL DMA_SELn routes to it.
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "dmac.h"
#include "sysctl.h"

#define TT_FC_PER_TO_MEM  (2u)
#define WIDTH_32          (2u)
#define WIDTH_64          (3u)
#define MSIZE_8           (2u)
#define INT_DMA_TFR_DONE  (1ull << 1)

static uintptr_t ch(int n, uint32_t off) {
    return DMAC_BASE + DMAC_CH(n) + off;
}

void dmac_stop(int n) {
    mmio_write64(DMAC_BASE + DMAC_CHEN, (1ull << (n + 8)));   // write-enable bit set, enable bit 0
}

static int start(int n, uint32_t request, uint64_t src, uint64_t dst, uint32_t beats, uint32_t width) {
    if (n < 0 || n > 5 || beats == 0) {
        return -EINVAL;
    }
    sysctl_dma_select(n, request);
    dmac_stop(n);
    mmio_write64(DMAC_BASE + DMAC_CFG, 1);                     // controller on, interrupts to us by polling
    mmio_write64(ch(n, DMAC_CH_INTCLEAR), 0xFFFFFFFFull);
    mmio_write64(ch(n, DMAC_CH_INTSTATUS_EN), INT_DMA_TFR_DONE);
    // cfg before sar/dar/block_ts: hardware handshake on the source, memory destination
    mmio_write64(ch(n, DMAC_CH_CFG), DMAC_CFG_TT_FC(TT_FC_PER_TO_MEM) | DMAC_CFG_HS_SEL_DST_SW
        | DMAC_CFG_SRC_PER(n) | DMAC_CFG_DST_PER(n));
    mmio_write64(ch(n, DMAC_CH_SAR), src);
    mmio_write64(ch(n, DMAC_CH_DAR), dst);
    mmio_write64(ch(n, DMAC_CH_CTL), DMAC_CTL_DMS_MASTER2 | DMAC_CTL_SINC_FIXED
        | DMAC_CTL_SRC_WIDTH(width) | DMAC_CTL_DST_WIDTH(width)
        | DMAC_CTL_SRC_MSIZE(MSIZE_8) | DMAC_CTL_DST_MSIZE(MSIZE_8));
    mmio_write64(ch(n, DMAC_CH_BLOCK_TS), beats - 1u);
    mmio_fence();
    mmio_write64(DMAC_BASE + DMAC_CHEN, (1ull << n) | (1ull << (n + 8)));
    return 0;
}

int dmac_start_from_device(int n, uint32_t request, uint64_t src, uint64_t dst, uint32_t beats) {
    return start(n, request, src, dst, beats, WIDTH_64);
}

int dmac_start_from_device32(int n, uint32_t request, uint64_t src, uint64_t dst, uint32_t beats) {
    return start(n, request, src, dst, beats, WIDTH_32);
}

int dmac_wait(int n, uint64_t deadline) {
    while (!(mmio_read64(ch(n, DMAC_CH_INTSTATUS)) & INT_DMA_TFR_DONE)) {
        if (clint_expired(deadline)) {
            dmac_stop(n);
            return -ETIMEDOUT;
        }
    }
    mmio_write64(ch(n, DMAC_CH_INTCLEAR), 0xFFFFFFFFull);
    mmio_fence();
    return 0;
}
