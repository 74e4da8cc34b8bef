// SCCB through the DVP (0x50430000): SCCB_CFG holds the byte count and the SCL low/high counts,
// SCCB_CTL the bytes of one transaction (device address with bit 0 = write data, then register
// address and data); writing SCCB_EN with its write-enable bit in STS starts it and the bit reads
// back 1 until the bus is idle. A read is a write of the register address, then a transaction
// with the device address alone; the byte read lands in SCCB_CFG 31:24.
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "sccb.h"
#include "sysctl.h"

// A 4-byte transaction at 10 kHz (the slowest rate sccb_set_clock gives at the usual APB1) takes
// 4 ms; anything longer is a stuck bus.
#define SCCB_TIMEOUT_US (20000u)

static uint32_t rd(uint32_t off) {
    return mmio_read32(DVP_BASE + off);
}

static void wr(uint32_t off, uint32_t v) {
    mmio_write32(DVP_BASE + off, v);
}

uint32_t sccb_set_clock(uint32_t hz) {
    uint32_t apb1 = sysctl_apb1_freq();
    if (hz == 0) {
        return 0;
    }
    uint32_t half = (apb1 / hz + 1) / 2;   // APB1 cycles per SCL half period, rounded
    if (half * 2u * hz < apb1) {
        half++;                            // never faster than asked
    }
    if (half < 1 || half > 255) {
        return 0;
    }
    mmio_update32(DVP_BASE + DVP_SCCB_CFG, (0xFFu << DVP_SCCB_LCNT_SHIFT) | (0xFFu << DVP_SCCB_HCNT_SHIFT),
        (half << DVP_SCCB_LCNT_SHIFT) | (half << DVP_SCCB_HCNT_SHIFT));
    return apb1 / (2u * half);
}

static int wait_idle(uint64_t deadline) {
    while (rd(DVP_STS) & DVP_STS_SCCB_EN) {
        if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
    return 0;
}

// nbytes on the wire (2..4) of the transaction in ctl
static int transact(uint32_t nbytes, uint32_t ctl) {
    uint64_t deadline = clint_deadline_us(SCCB_TIMEOUT_US);
    int r = wait_idle(deadline);   // a previous transaction still running
    if (r != 0) {
        return r;
    }
    mmio_update32(DVP_BASE + DVP_SCCB_CFG, DVP_SCCB_BYTES_MASK, nbytes - 1u);
    wr(DVP_SCCB_CTL, ctl);
    wr(DVP_STS, DVP_STS_SCCB_EN | DVP_STS_SCCB_EN_WE);
    return wait_idle(deadline);
}

// The bytes after the device address: register address (1 or 2 bytes), then data if any.
static uint32_t reg_bytes(const sccb_dev_t *d, uint16_t reg, uint32_t *n) {
    if (d->reg16) {
        *n = 3;
        return ((uint32_t)(reg >> 8) << 8) | ((uint32_t)(reg & 0xFFu) << 16);
    }
    *n = 2;
    return (uint32_t)(reg & 0xFFu) << 8;
}

int sccb_write(const sccb_dev_t *d, uint16_t reg, uint8_t value) {
    uint32_t n;
    uint32_t ctl = (d->addr & 0xFEu) | DVP_SCCB_WRITE | reg_bytes(d, reg, &n);
    ctl |= (uint32_t)value << (8u * n);
    return transact(n + 1u, ctl);
}

int sccb_read(const sccb_dev_t *d, uint16_t reg, uint8_t *value) {
    uint32_t n;
    uint32_t ctl = (d->addr & 0xFEu) | DVP_SCCB_WRITE | reg_bytes(d, reg, &n);
    int r = transact(n, ctl);              // address phase: which register
    if (r == 0) {
        r = transact(2, d->addr & 0xFEu);  // read phase: the device returns one byte
    }
    if (r == 0) {
        *value = (uint8_t)(rd(DVP_SCCB_CFG) >> DVP_SCCB_RDATA_SHIFT);
    }
    return r;
}
