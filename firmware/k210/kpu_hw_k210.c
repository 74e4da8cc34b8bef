// The kpu_hw seam on a real K210 (modules/kpu/kpu_hw.h): the 12 argument words of a layer go to
// the KPU's layer argument FIFO (0x40800000); completion is polled from the raw calc_done flag
// (interrupts stay masked) or, for a layer that streams its output to main memory, from DMA
// channel 5 draining fifo_data_out (docs/kpu.md, "Memory and registers").
#include <errno.h>
#include <stddef.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "dmac.h"
#include "kpu_args.h"
#include "kpu_hw.h"
#include "kpu_mem.h"
#include "sysctl.h"

#define KPU_DMA_CHANNEL   (5)
#define WORD0_INT_EN      (1ull)             // interrupt_enabe.int_en: raise calc_done
#define AI_SRAM_UNCACHED  (K210_AI_SRAM_BASE - K210_UNCACHED_DELTA)

static int initialised;

int kpu_hw_init(void) {
    sysctl_clock_enable(0, PERI_AI | PERI_DMA);
    sysctl_peri_reset(PERI_AI);
    mmio_write64(KPU_BASE + KPU_INT_CLEAR, 7);
    mmio_write64(KPU_BASE + KPU_FIFO_THRESHOLD, 10u | (1u << 4));   // full 10, empty 1
    mmio_write64(KPU_BASE + KPU_EIGHT_BIT_MODE, 1);   // u8 weights until told otherwise
    mmio_write64(KPU_BASE + KPU_INT_MASK, 7);   // all masked: we poll the raw status
    initialised = 1;
    return 0;
}

uint8_t *kpu_hw_ai_sram(void) {
#ifdef K210_FAKE_MMIO
    return kpu_mem()->ai_sram;
#else
    return (uint8_t *)(uintptr_t)AI_SRAM_UNCACHED;   // the KPU writes it behind the D-cache
#endif
}

void kpu_hw_set_weight_bits(int bits) {
    if (!initialised) {
        kpu_hw_init();
    }
    mmio_write64(KPU_BASE + KPU_EIGHT_BIT_MODE, bits == 8 ? 1 : 0);   // else u16 LE weights
}

void kpu_hw_set_act_rule(kpu_act_rule_t rule) {
    (void)rule;   // silicon has one rule; the model chose the compiler that matches it
}

// The words carry 15-bit line numbers and 32-bit bus addresses; a wrong one makes silicon read
// garbage, so the fields that address memory are checked like the behavioural KPU checks them.
static int addresses_ok(const kpu_args_t *a) {
    return kpu_mem_cpu_ptr(a->bn_addr, 8) != NULL && kpu_mem_cpu_ptr(a->weights_addr, 1) != NULL
        && kpu_mem_cpu_ptr(a->act_addr, 144) != NULL;
}

static int wait_calc_done(uint64_t deadline) {
    while (!(mmio_read64(KPU_BASE + KPU_INT_RAW) & KPU_INT_CALC_DONE)) {
        if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
    return 0;
}

int kpu_hw_run_layer(const uint64_t args[12], uint8_t *dma_out, size_t dma_bytes, uint32_t timeout_ms) {
    if (!initialised) {
        int r = kpu_hw_init();
        if (r != 0) {
            return r;
        }
    }
    kpu_args_t a;
    kpu_args_decode(args, &a);
    int send = a.send_data_out != 0;
    if (!addresses_ok(&a) || (send != (dma_out != NULL))
        || (send && dma_bytes != (size_t)a.dma_total_byte + 1u)) {
        return -EINVAL;
    }
    uint64_t deadline = clint_deadline_us(timeout_ms > 4000000u ? 4000000000u : timeout_ms * 1000u);
    if (dma_out) {
        uint32_t dst = kpu_mem_bus_addr(dma_out);
        if (dst == 0) {
            return -EINVAL;   // the DMA cannot reach it
        }
        // the DMA moves whole 64-bit beats: (bytes + 7) / 8 of them
        int r = dmac_start_from_device(KPU_DMA_CHANNEL, DMA_SELECT_AI_RX_REQ, KPU_BASE + KPU_FIFO_DATA_OUT,
            dst, (uint32_t)((dma_bytes + 7u) / 8u));
        if (r != 0) {
            return r;
        }
    }
    // The words go out as given (int_en first, dma_parameter last). A layer that neither
    // raises calc_done nor streams to the DMA could not be seen finishing: it gets int_en.
    int int_en = a.int_en || dma_out == NULL;
    mmio_write64(KPU_BASE + KPU_INT_CLEAR, 7);
    mmio_fence();   // weights and inputs written by the CPU reach SRAM before the KPU reads them
    for (int i = 0; i < 12; i++) {
        mmio_write64(KPU_BASE + KPU_LAYER_ARG_FIFO, i == 0 && int_en ? args[0] | WORD0_INT_EN : args[i]);
    }
    int r = int_en ? wait_calc_done(deadline) : 0;
    if (r == 0 && dma_out) {
        r = dmac_wait(KPU_DMA_CHANNEL, deadline);
    }
    mmio_write64(KPU_BASE + KPU_INT_CLEAR, 7);
    if (r != 0 && dma_out) {
        dmac_stop(KPU_DMA_CHANNEL);
    }
    return r;
}
