// K210 system controller (SYSCTL at 0x50440000): PLL programming, clock gates and dividers.
// PLL: f_out = 26 MHz * (clkf + 1) / ((clkr + 1) * (clkod + 1)), VCO = 26 MHz * (clkf + 1) / (clkr + 1).
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "sysctl.h"

#define VCO_MIN_HZ      (350000000ull)
#define VCO_MAX_HZ      (1750000000ull)
#define PLL_LOCK_TIMEOUT_US (10000u)

static uint32_t reg(uint32_t off) {
    return mmio_read32(SYSCTL_BASE + off);
}

static void set(uint32_t off, uint32_t value) {
    mmio_write32(SYSCTL_BASE + off, value);
}

static uint32_t pll_reg(int n) {
    return SYSCTL_PLL0 + 4u * (uint32_t)n;
}

// The reference divider stays 1: the reference must stay above ~13.7 MHz, so 26 MHz / 2 is too low.
int sysctl_pll_compute(uint32_t hz, pll_params_t *out) {
    uint64_t best_err = UINT64_MAX;
    for (uint32_t nf = 1; nf <= 64; nf++) {
        uint64_t vco = (uint64_t)K210_IN0_HZ * nf;
        if (vco < VCO_MIN_HZ || vco > VCO_MAX_HZ) {
            continue;
        }
        for (uint32_t no = 1; no <= 16; no++) {
            uint64_t f = vco / no;
            uint64_t err = f > hz ? f - hz : hz - f;
            if (err < best_err) {   // ties keep the higher VCO found first for a smaller no
                best_err = err;
                *out = (pll_params_t) { .clkr = 0, .clkf = nf - 1, .clkod = no - 1, .hz = (uint32_t)f };
            }
        }
    }
    return best_err == UINT64_MAX ? -EINVAL : 0;
}

static int pll_locked(int n) {
    uint32_t lock = reg(SYSCTL_PLL_LOCK) >> (8 * n);
    return n == 0 ? (lock & 3u) == 3u : (lock & 1u) != 0;
}

uint32_t sysctl_pll_set(int n, uint32_t hz) {
    pll_params_t p;
    if (n < 0 || n > 2 || sysctl_pll_compute(hz, &p) != 0) {
        return 0;
    }
    if (n == 0) {   // the CPU runs from PLL0: move it to the crystal while PLL0 relocks
        set(SYSCTL_CLK_SEL0, reg(SYSCTL_CLK_SEL0) & ~CLK_SEL0_ACLK_PLL0);
    }
    uint32_t v = reg(pll_reg(n));
    v &= ~(PLL_OUT_EN | PLL_PWRD | PLL_BYPASS | PLL_RESET);
    set(pll_reg(n), v);                                   // output off, powered down
    v = (v & ~PLL_PARAM_MASK) | (p.clkr << PLL_CLKR_SHIFT) | (p.clkf << PLL_CLKF_SHIFT)
        | (p.clkod << PLL_CLKOD_SHIFT) | (p.clkf << PLL_BWADJ_SHIFT);
    set(pll_reg(n), v);
    v |= PLL_PWRD;
    set(pll_reg(n), v);                                   // power up, then pulse reset (>100 ns)
    clint_delay_us(1);
    set(pll_reg(n), v | PLL_RESET);
    clint_delay_us(1);
    set(pll_reg(n), v);
    uint64_t deadline = clint_deadline_us(PLL_LOCK_TIMEOUT_US);
    while (!pll_locked(n)) {
        set(SYSCTL_PLL_LOCK, reg(SYSCTL_PLL_LOCK) | PLL_LOCK_SLIP_CLEAR(n));
        if (clint_expired(deadline)) {
            return 0;   // left powered but not routed; the CPU stays on the crystal
        }
    }
    set(pll_reg(n), v | PLL_OUT_EN);
    if (n == 0) {
        set(SYSCTL_CLK_SEL0, reg(SYSCTL_CLK_SEL0) | CLK_SEL0_ACLK_PLL0);
    }
    return p.hz;
}

uint32_t sysctl_pll_freq(int n) {
    uint32_t v = reg(pll_reg(n));
    if (!(v & PLL_PWRD) || !(v & PLL_OUT_EN) || (v & PLL_BYPASS)) {
        return (v & PLL_BYPASS) ? K210_IN0_HZ : 0;
    }
    uint32_t r = ((v >> PLL_CLKR_SHIFT) & 0xF) + 1;
    uint32_t f = ((v >> PLL_CLKF_SHIFT) & 0x3F) + 1;
    uint32_t od = ((v >> PLL_CLKOD_SHIFT) & 0xF) + 1;
    return (uint32_t)((uint64_t)K210_IN0_HZ * f / (r * od));
}

uint32_t sysctl_cpu_freq(void) {
    uint32_t sel = reg(SYSCTL_CLK_SEL0);
    if (!(sel & CLK_SEL0_ACLK_PLL0)) {
        return K210_IN0_HZ;
    }
    return sysctl_pll_freq(0) / (2u << ((sel & CLK_SEL0_ACLK_DIV_MASK) >> CLK_SEL0_ACLK_DIV_SHIFT));
}

uint32_t sysctl_kpu_freq(void) {
    uint32_t th = (reg(SYSCTL_CLK_TH0) & CLK_TH0_AI_MASK) >> CLK_TH0_AI_SHIFT;
    return sysctl_pll_freq(1) / (th + 1);
}

void sysctl_clock_enable(uint32_t cent_bits, uint32_t peri_bits) {
    set(SYSCTL_CLK_EN_CENT, reg(SYSCTL_CLK_EN_CENT) | cent_bits);
    set(SYSCTL_CLK_EN_PERI, reg(SYSCTL_CLK_EN_PERI) | peri_bits);
}

void sysctl_peri_reset(uint32_t peri_bits) {
    set(SYSCTL_PERI_RESET, reg(SYSCTL_PERI_RESET) | peri_bits);
    clint_delay_us(10);
    set(SYSCTL_PERI_RESET, reg(SYSCTL_PERI_RESET) & ~peri_bits);
}

uint32_t sysctl_clocks_init(uint32_t cpu_hz, uint32_t kpu_hz) {
    // ACLK = PLL0 / 2 (divider select 0), changed while the CPU runs from the crystal: the boot
    // ROM's PLL0 setting with a new divider could be out of range for an instant
    set(SYSCTL_CLK_SEL0, reg(SYSCTL_CLK_SEL0) & ~CLK_SEL0_ACLK_PLL0);
    set(SYSCTL_CLK_SEL0, reg(SYSCTL_CLK_SEL0) & ~CLK_SEL0_ACLK_DIV_MASK);
    sysctl_pll_set(0, 2u * cpu_hz);
    sysctl_pll_set(1, kpu_hz);
    // AI clock = PLL1 / 1; SPI1 and SPI3 dividers = 1 (the controllers' BAUDR divides further)
    set(SYSCTL_CLK_TH0, reg(SYSCTL_CLK_TH0) & ~CLK_TH0_AI_MASK);
    set(SYSCTL_CLK_TH1, reg(SYSCTL_CLK_TH1) & ~((0xFFu << CLK_TH1_SPI_SHIFT(1)) | (0xFFu << CLK_TH1_SPI_SHIFT(3))));
    set(SYSCTL_CLK_SEL0, reg(SYSCTL_CLK_SEL0) | CLK_SEL0_SPI3_PLL0);
    sysctl_clock_enable(CLK_CENT_CPU | CLK_CENT_SRAM0 | CLK_CENT_SRAM1 | CLK_CENT_APB0 | CLK_CENT_APB1 | CLK_CENT_APB2,
        PERI_DMA | PERI_AI | PERI_GPIO | PERI_SPI1 | PERI_SPI3 | PERI_FPIOA);
    return sysctl_cpu_freq();
}

uint32_t sysctl_spi_freq(int spi) {
    uint32_t th = (reg(SYSCTL_CLK_TH1) >> CLK_TH1_SPI_SHIFT(spi)) & 0xFFu;
    uint32_t src = sysctl_pll_freq(0);
    if (spi == 3 && !(reg(SYSCTL_CLK_SEL0) & CLK_SEL0_SPI3_PLL0)) {
        src = K210_IN0_HZ;
    }
    return src / ((th + 1) * 2);
}

void sysctl_dma_select(int channel, uint32_t request) {
    uint32_t off = channel < 5 ? SYSCTL_DMA_SEL0 : SYSCTL_DMA_SEL1;
    uint32_t shift = 6u * (uint32_t)(channel < 5 ? channel : channel - 5);
    set(off, (reg(off) & ~(0x3Fu << shift)) | ((request & 0x3Fu) << shift));
}

uint32_t sysctl_apb1_freq(void) {
    uint32_t sel = (reg(SYSCTL_CLK_SEL0) & CLK_SEL0_APB1_MASK) >> CLK_SEL0_APB1_SHIFT;
    return sysctl_cpu_freq() / (sel + 1);
}

uint32_t sysctl_apb1_limit(uint32_t hz) {
    uint32_t aclk = sysctl_cpu_freq();
    uint32_t sel = (reg(SYSCTL_CLK_SEL0) & CLK_SEL0_APB1_MASK) >> CLK_SEL0_APB1_SHIFT;
    while (aclk / (sel + 1) > hz && sel < 7) {
        sel++;
    }
    set(SYSCTL_CLK_SEL0, (reg(SYSCTL_CLK_SEL0) & ~CLK_SEL0_APB1_MASK) | (sel << CLK_SEL0_APB1_SHIFT));
    return aclk / (sel + 1);
}

void sysctl_io_banks_1v8(uint32_t bank_mask) {
    set(SYSCTL_POWER_SEL, reg(SYSCTL_POWER_SEL) | (bank_mask & 0xFFu));
}

void sysctl_spi0_dvp_data(int enable) {
    uint32_t v = reg(SYSCTL_MISC);
    set(SYSCTL_MISC, enable ? v | MISC_SPI_DVP_DATA_EN : v & ~MISC_SPI_DVP_DATA_EN);
}

void sysctl_soc_reset(void) {
    set(SYSCTL_SOFT_RESET, 1);
    for (;;) {
    }
}
