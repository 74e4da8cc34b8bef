// DVP (0x50430000). The capture handshake: wait for FRAME_START (set by VSYNC), clear it and
// enable the converter (DVP_EN) in one STS write, then wait for FRAME_FINISH. Each STS flag is
// written together with its write-enable bit; a flag written without it is left alone.
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "dvp.h"
#include "sccb.h"
#include "sysctl.h"

// SCCB's SCL half period counts at most 255 APB1 cycles: 400 kHz needs APB1 <= 204 MHz
#define DVP_APB1_MAX_HZ (204000000u)

static uint32_t rd(uint32_t off) {
    return mmio_read32(DVP_BASE + off);
}

static void wr(uint32_t off, uint32_t v) {
    mmio_write32(DVP_BASE + off, v);
}

void dvp_power_down(int on) {
    mmio_update32(DVP_BASE + DVP_CMOS_CFG, DVP_CMOS_POWER_DOWN, on ? DVP_CMOS_POWER_DOWN : 0);
}

void dvp_sensor_reset(int on) {
    mmio_update32(DVP_BASE + DVP_CMOS_CFG, DVP_CMOS_RESET, on ? 0 : DVP_CMOS_RESET);
}

uint32_t dvp_init(uint32_t xclk_hz, uint32_t sccb_hz) {
    sysctl_clock_enable(CLK_CENT_APB1, PERI_DVP);
    sysctl_peri_reset(PERI_DVP);
    uint32_t apb1 = sysctl_apb1_limit(DVP_APB1_MAX_HZ);
    if (xclk_hz == 0 || xclk_hz > apb1 / 2) {
        return 0;
    }
    uint32_t div = (apb1 + 2u * xclk_hz - 1) / (2u * xclk_hz) - 1u;   // never faster than asked
    if (div > 255) {
        return 0;
    }
    mmio_update32(DVP_BASE + DVP_CMOS_CFG, DVP_CMOS_CLK_DIV_MASK | DVP_CMOS_CLK_EN, div | DVP_CMOS_CLK_EN);
    if (sccb_set_clock(sccb_hz) == 0) {
        return 0;
    }
    // power-up as the sensors' datasheets ask: PWDN pulse, then RESET low for > 1 ms with XCLK running
    dvp_power_down(1);
    clint_delay_us(10000);
    dvp_power_down(0);
    clint_delay_us(10000);
    dvp_sensor_reset(1);
    clint_delay_us(10000);
    dvp_sensor_reset(0);
    clint_delay_us(20000);   // OV2640/OV5640 accept SCCB ~20 ms after reset
    return apb1 / ((div + 1u) * 2u);
}

int dvp_set_frame(uint32_t width, uint32_t height, dvp_input_t input) {
    if (width == 0 || width % 8 != 0 || width / 8 > 255 || height == 0 || height > 1023) {
        return -EINVAL;
    }
    // 4-beat bursts when a line is a whole number of them (all standard widths), else single beats
    int burst4 = width % 32 == 0;
    uint32_t fmt = input == DVP_IN_RGB565 ? DVP_CFG_FORMAT_RGB : input == DVP_IN_YUV422 ? DVP_CFG_FORMAT_YUV : DVP_CFG_FORMAT_Y;
    uint32_t cfg = rd(DVP_CFG) & ~(DVP_CFG_FORMAT_MASK | DVP_CFG_HREF_BURST_MASK | DVP_CFG_LINE_NUM_MASK
        | DVP_CFG_BURST_4 | DVP_CFG_AUTO | DVP_CFG_START_INT | DVP_CFG_FINISH_INT);
    cfg |= fmt | ((burst4 ? width / 32 : width / 8) << DVP_CFG_HREF_BURST_SHIFT) | (height << DVP_CFG_LINE_NUM_SHIFT);
    cfg |= burst4 ? DVP_CFG_BURST_4 : 0;
    wr(DVP_CFG, cfg);
    mmio_update32(DVP_BASE + DVP_AXI, DVP_AXI_MLEN_MASK, burst4 ? DVP_AXI_MLEN_4 : DVP_AXI_MLEN_1);
    return 0;
}

int dvp_set_outputs(uint32_t display, uint32_t ai_r, uint32_t ai_g, uint32_t ai_b) {
    if ((display | ai_r | ai_g | ai_b) & 7u) {
        return -EINVAL;
    }
    int ai = ai_r && ai_g && ai_b;
    if (!ai && (ai_r || ai_g || ai_b)) {
        return -EINVAL;   // all three planes or none
    }
    wr(DVP_RGB_ADDR, display);
    wr(DVP_R_ADDR, ai_r);
    wr(DVP_G_ADDR, ai_g);
    wr(DVP_B_ADDR, ai_b);
    mmio_update32(DVP_BASE + DVP_CFG, DVP_CFG_AI_OUT | DVP_CFG_DISPLAY_OUT,
        (ai ? DVP_CFG_AI_OUT : 0) | (display ? DVP_CFG_DISPLAY_OUT : 0));
    return 0;
}

static int wait_flag(uint32_t flag, uint64_t deadline) {
    while (!(rd(DVP_STS) & flag)) {
        if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
    return 0;
}

int dvp_capture(uint32_t timeout_ms) {
    if (!(rd(DVP_CFG) & (DVP_CFG_AI_OUT | DVP_CFG_DISPLAY_OUT))) {
        return -EINVAL;   // nowhere to write the frame
    }
    uint64_t deadline = clint_deadline_us(timeout_ms > 4000000u ? 4000000000u : timeout_ms * 1000u);
    // drop a half-seen frame: clear both flags, then wait for a fresh start
    wr(DVP_STS, DVP_STS_FRAME_START | DVP_STS_FRAME_START_WE | DVP_STS_FRAME_FINISH | DVP_STS_FRAME_FINISH_WE);
    int r = wait_flag(DVP_STS_FRAME_START, deadline);
    if (r == 0) {
        wr(DVP_STS, DVP_STS_FRAME_START | DVP_STS_FRAME_START_WE | DVP_STS_DVP_EN | DVP_STS_DVP_EN_WE);
        r = wait_flag(DVP_STS_FRAME_FINISH, deadline);
    }
    wr(DVP_STS, DVP_STS_FRAME_FINISH | DVP_STS_FRAME_FINISH_WE);
    mmio_fence();   // the frame's bytes before anything the caller reads
    return r;
}
