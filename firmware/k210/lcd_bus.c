// SPI0 (0x52000000), DesignWare SSI in enhanced (octal) transmit-only mode: CTRLR0 frame format
// 3, the frame size per phase (8-bit commands and parameters, 32-bit pixel pairs, 16-bit for a
// last odd pixel); SPI_CTRLR0 says "instruction/address as frame format" with an 8-bit
// instruction for commands and an address the size of a frame for data, so every byte goes out
// on D0-D7 with one WR strobe. The TX FIFO (32 frames) is kept fed; a FIFO that stops draining
// for 10 ms is a stuck bus (-ETIMEDOUT).
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "gpiohs.h"
#include "lcd_bus.h"
#include "spi.h"
#include "sysctl.h"

#define LCD_SS          (3u)         // SPI0 SS3 is the panel's CS
#define STALL_US        (10000u)
#define TRANS_AS_FRAME  (2u)         // SPI_CTRLR0 transfer type: instruction and address in frame format

static const spi_bus_t spi0_bus = { .base = SPI0_BASE, .index = 0 };
static uint32_t dcx_line, rst_line;

static uint32_t rd(uint32_t off) {
    return mmio_read32(SPI0_BASE + off);
}

static void wr(uint32_t off, uint32_t v) {
    mmio_write32(SPI0_BASE + off, v);
}

uint32_t lcd_bus_init(uint32_t hz, uint32_t dcx_gpiohs, uint32_t rst_gpiohs) {
    dcx_line = dcx_gpiohs;
    rst_line = rst_gpiohs;
    gpiohs_output(dcx_line, 1);
    gpiohs_output(rst_line, 1);
    sysctl_clock_enable(CLK_CENT_APB2, PERI_SPI0);
    mmio_update32(SYSCTL_BASE + SYSCTL_CLK_TH1, 0xFFu << CLK_TH1_SPI_SHIFT(0), 0);   // SPI0 = PLL0 / 2
    sysctl_spi0_dvp_data(1);
    wr(SPI_SSIENR, 0);
    wr(SPI_SER, 0);
    wr(SPI_IMR, 0);
    wr(SPI_DMACR, 0);
    wr(SPI_ENDIAN, 0);
    return spi_set_clock(&spi0_bus, hz);
}

void lcd_bus_hard_reset(void) {
    gpiohs_write(rst_line, 0);
    clint_delay_us(1000);
    gpiohs_write(rst_line, 1);
    clint_delay_us(120000);
}

// frame_bits 8, 16 or 32; instruction: the first frame is an 8-bit command
static void setup(uint32_t frame_bits, int instruction) {
    wr(SPI_SSIENR, 0);
    wr(SPI_CTRLR0, ((frame_bits - 1u) << SPI_DFS_SHIFT(0)) | (SPI_TMOD_TRANS << SPI_TMOD_SHIFT(0))
        | (SPI_FRF_OCTAL << SPI_FRF_SHIFT(0)));
    wr(SPI_SPI_CTRLR0, instruction ? (2u << SPI_XCTRL_INST_L_SHIFT) | TRANS_AS_FRAME
        : ((frame_bits / 4u) << SPI_XCTRL_ADDR_L_SHIFT) | TRANS_AS_FRAME);
    wr(SPI_SSIENR, 1);
    wr(SPI_SER, 1u << LCD_SS);
}

// Waits until the FIFO has room (room = 1) or is empty and idle (room = 0), with progress checks.
static int wait_fifo(int room) {
    uint64_t deadline = clint_deadline_us(STALL_US);
    uint32_t last = rd(SPI_TXFLR);
    for (;;) {
        uint32_t level = rd(SPI_TXFLR);
        if (room ? level < SPI_FIFO_DEPTH : (level == 0 && !(rd(SPI_SR) & SPI_SR_BUSY))) {
            return 0;
        }
        if (level != last) {
            last = level;
            deadline = clint_deadline_us(STALL_US);   // draining: not stuck
        } else if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
}

static int finish(int r) {
    if (r == 0) {
        r = wait_fifo(0);
    }
    wr(SPI_SER, 0);
    wr(SPI_SSIENR, 0);
    return r;
}

static int push(uint32_t v) {
    int r = rd(SPI_TXFLR) < SPI_FIFO_DEPTH ? 0 : wait_fifo(1);
    if (r == 0) {
        wr(SPI_DR, v);
    }
    return r;
}

int lcd_bus_command(uint8_t cmd, const uint8_t *params, size_t n) {
    gpiohs_write(dcx_line, 0);
    setup(8, 1);
    int r = finish(push(cmd));
    if (r != 0 || n == 0) {
        return r;
    }
    gpiohs_write(dcx_line, 1);
    setup(8, 0);
    for (size_t i = 0; i < n && r == 0; i++) {
        r = push(params[i]);
    }
    return finish(r);
}

int lcd_bus_pixels(const uint16_t *px, size_t n) {
    gpiohs_write(dcx_line, 1);
    int r = 0;
    if (n >= 2) {
        setup(32, 0);
        for (size_t i = 0; i + 1 < n && r == 0; i += 2) {
            r = push(((uint32_t)px[i] << 16) | px[i + 1]);   // MSB first: left pixel, high byte first
        }
        r = finish(r);
    }
    if (r == 0 && (n & 1u)) {
        setup(16, 0);
        r = finish(push(px[n - 1]));
    }
    return r;
}

int lcd_bus_fill(uint16_t c, size_t n) {
    gpiohs_write(dcx_line, 1);
    int r = 0;
    if (n >= 2) {
        setup(32, 0);
        for (size_t i = 0; i + 1 < n && r == 0; i += 2) {
            r = push(((uint32_t)c << 16) | c);
        }
        r = finish(r);
    }
    if (r == 0 && (n & 1u)) {
        setup(16, 0);
        r = finish(push(c));
    }
    return r;
}
