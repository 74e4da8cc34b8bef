// K210 system controller: PLLs, clock gates, dividers, peripheral resets, DMA request routing.
#ifndef K210_SYSCTL_H
#define K210_SYSCTL_H

#include <stdint.h>

typedef struct {
    uint32_t clkr, clkf, clkod;   // register values (divider - 1)
    uint32_t hz;                  // the frequency these give from IN0
} pll_params_t;

// The register values closest to hz (reference divider 1, VCO 350 MHz..1.75 GHz), 0 or -EINVAL.
int sysctl_pll_compute(uint32_t hz, pll_params_t *out);
// Programs PLL n (0..2) to the closest achievable frequency; moves the CPU to IN0 while PLL0
// changes. Returns the new frequency or 0 with the PLL left off if it did not lock in time.
uint32_t sysctl_pll_set(int n, uint32_t hz);
uint32_t sysctl_pll_freq(int n);          // decoded from the register (0 when off/bypassed)
uint32_t sysctl_cpu_freq(void);           // ACLK from the CLK_SEL0 setting
// CPU = PLL0 / 2 and KPU = PLL1 / 1; returns the CPU frequency.
uint32_t sysctl_clocks_init(uint32_t cpu_hz, uint32_t kpu_hz);
uint32_t sysctl_kpu_freq(void);
void sysctl_clock_enable(uint32_t cent_bits, uint32_t peri_bits);
void sysctl_peri_reset(uint32_t peri_bits);
// SPI clock before the controller's BAUDR divider: spi 1 (PLL0 based) or 3 (PLL0 or IN0)
uint32_t sysctl_spi_freq(int spi);
void sysctl_dma_select(int channel, uint32_t request);
// APB1 clock (ACLK / (APB1 divider + 1)): clocks the DVP and its SCCB master.
uint32_t sysctl_apb1_freq(void);
// Divides APB1 down to at most hz if it runs faster (the DVP's SCCB counters need APB1 <= ~200 MHz
// to reach 400 kHz); returns the APB1 frequency.
uint32_t sysctl_apb1_limit(uint32_t hz);
// IO banks (6 pads each, bank n = IO 6n..6n+5) powered at 1.8 V: banks 6 and 7 (IO 36-47, the
// LCD and DVP pads) on the Maix boards.
void sysctl_io_banks_1v8(uint32_t bank_mask);
// 1: the DVP's data pads carry SPI0's D0-D7 (the LCD's 8080 bus).
void sysctl_spi0_dvp_data(int enable);
void sysctl_soc_reset(void) __attribute__((noreturn));

#endif
