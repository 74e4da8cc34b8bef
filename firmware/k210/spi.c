// DesignWare SSI (SPI1 0x53000000, SPI3 0x54000000). A transfer starts once the controller is
// enabled, a slave is selected in SER and the TX FIFO holds data; the FIFO is filled before SER
// is written so that a command's bytes leave back to back. FIFOs are 32 frames deep.
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "dmac.h"
#include "spi.h"
#include "sysctl.h"

const spi_bus_t spi1_bus = { .base = SPI1_BASE, .index = 1 };
const spi_bus_t spi3_bus = { .base = SPI3_BASE, .index = 3 };

#define XFER_TIMEOUT_US (100000u)   // a 64 KiB flash read at 400 kHz would take longer: see spi_command

static uint32_t rd(const spi_bus_t *b, uint32_t off) {
    return mmio_read32(b->base + off);
}

static void wr(const spi_bus_t *b, uint32_t off, uint32_t v) {
    mmio_write32(b->base + off, v);
}

static void configure(const spi_bus_t *b, uint32_t tmod) {
    int s3 = b->index == 3;
    wr(b, SPI_SSIENR, 0);
    wr(b, SPI_SER, 0);
    wr(b, SPI_CTRLR0, (7u << SPI_DFS_SHIFT(s3)) | (tmod << SPI_TMOD_SHIFT(s3)));   // 8-bit frames, mode 0, standard SPI
}

void spi_init(const spi_bus_t *b) {
    configure(b, SPI_TMOD_TRANS_RECV);
    wr(b, SPI_IMR, 0);
    wr(b, SPI_DMACR, 0);
    wr(b, SPI_SPI_CTRLR0, 0);
    wr(b, SPI_ENDIAN, 0);
    if (rd(b, SPI_BAUDR) == 0) {
        wr(b, SPI_BAUDR, 0x14);
    }
}

uint32_t spi_set_clock(const spi_bus_t *b, uint32_t hz) {
    uint32_t src = sysctl_spi_freq(b->index);
    uint32_t div = (src + hz - 1) / hz;       // never faster than asked
    div += div & 1u;                          // BAUDR must be even
    if (div < 2) {
        div = 2;
    } else if (div > 65534) {
        div = 65534;
    }
    wr(b, SPI_SSIENR, 0);
    wr(b, SPI_BAUDR, div);
    return src / div;
}

static int wait_idle(const spi_bus_t *b, uint64_t deadline) {
    while ((rd(b, SPI_SR) & (SPI_SR_BUSY | SPI_SR_TFE)) != SPI_SR_TFE) {
        if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
    return 0;
}

int spi_transfer(const spi_bus_t *b, const uint8_t *tx, uint8_t *rx, size_t n) {
    configure(b, SPI_TMOD_TRANS_RECV);
    wr(b, SPI_SSIENR, 1);
    int r = 0;
    while (n > 0 && r == 0) {
        size_t k = n < SPI_FIFO_DEPTH ? n : SPI_FIFO_DEPTH;
        for (size_t i = 0; i < k; i++) {
            wr(b, SPI_DR, tx ? tx[i] : 0xFFu);
        }
        wr(b, SPI_SER, 1);   // SS0 is not routed to a pad on SPI1: the caller's GPIO selects the card
        uint64_t deadline = clint_deadline_us(XFER_TIMEOUT_US);
        for (size_t i = 0; i < k && r == 0; i++) {
            while (rd(b, SPI_RXFLR) == 0) {
                if (clint_expired(deadline)) {
                    r = -ETIMEDOUT;
                    break;
                }
            }
            if (r == 0) {
                uint8_t v = (uint8_t)rd(b, SPI_DR);
                if (rx) {
                    rx[i] = v;
                }
            }
        }
        wr(b, SPI_SER, 0);
        tx = tx ? tx + k : NULL;
        rx = rx ? rx + k : NULL;
        n -= k;
    }
    wr(b, SPI_SSIENR, 0);
    return r;
}

// TX then RX in one chip-select frame: EEPROM mode (send the FIFO, then clock in CTRLR1 + 1
// frames) when something is read back, transmit-only mode otherwise, refilling the FIFO as it
// drains so that the frame never runs dry.
int spi_command(const spi_bus_t *b, const uint8_t *tx, size_t ntx, const uint8_t *tx2, size_t ntx2,
    uint8_t *rx, size_t nrx) {
    if (ntx == 0 || nrx > 65536u || (nrx > 0 && ntx + ntx2 > SPI_FIFO_DEPTH)) {
        return -EINVAL;
    }
    configure(b, nrx ? SPI_TMOD_EEPROM : SPI_TMOD_TRANS);
    if (nrx) {
        wr(b, SPI_CTRLR1, (uint32_t)(nrx - 1));
    }
    wr(b, SPI_SSIENR, 1);
    size_t total = ntx + ntx2, sent = 0;
    // prefill while no slave is selected: nothing moves yet
    while (sent < total && sent < SPI_FIFO_DEPTH) {
        wr(b, SPI_DR, sent < ntx ? tx[sent] : tx2[sent - ntx]);
        sent++;
    }
    wr(b, SPI_SER, 1);
    // time allowed: the whole frame at the slowest clock we use (400 kHz = 20 us per byte) + margin
    uint64_t deadline = clint_deadline_us(XFER_TIMEOUT_US + 20u * (uint32_t)(total + nrx));
    int r = 0;
    while (sent < total && r == 0) {
        if (rd(b, SPI_TXFLR) < SPI_FIFO_DEPTH) {
            wr(b, SPI_DR, sent < ntx ? tx[sent] : tx2[sent - ntx]);
            sent++;
        } else if (clint_expired(deadline)) {
            r = -ETIMEDOUT;
        }
    }
    for (size_t got = 0; got < nrx && r == 0;) {
        uint32_t avail = rd(b, SPI_RXFLR);
        if (avail == 0) {
            if (clint_expired(deadline)) {
                r = -ETIMEDOUT;
            }
            continue;
        }
        while (avail-- > 0 && got < nrx) {
            rx[got++] = (uint8_t)rd(b, SPI_DR);
        }
    }
    if (r == 0) {
        r = wait_idle(b, deadline);
    }
    wr(b, SPI_SER, 0);
    wr(b, SPI_SSIENR, 0);
    return r;
}

int spi_rx_dma_start(const spi_bus_t *b, uint32_t frf, uint8_t inst, uint32_t addr, uint32_t wait, uint32_t words,
    int ch, uint32_t request, uint64_t dst, uint32_t dma_words) {
    if (words == 0 || words > 65536u || dma_words > words) {
        return -EINVAL;
    }
    int s3 = b->index == 3;
    wr(b, SPI_SSIENR, 0);
    wr(b, SPI_SER, 0);
    wr(b, SPI_CTRLR0, (31u << SPI_DFS_SHIFT(s3)) | (SPI_TMOD_RECV << SPI_TMOD_SHIFT(s3)) | (frf << SPI_FRF_SHIFT(s3)));
    // address word (24-bit address + mode byte) in FRF format, 8-bit instruction, dummy clocks
    wr(b, SPI_SPI_CTRLR0, SPI_XCTRL_ADDR_IN_FRF | (8u << SPI_XCTRL_ADDR_L_SHIFT) | (2u << SPI_XCTRL_INST_L_SHIFT)
        | (wait << SPI_XCTRL_WAIT_SHIFT));
    wr(b, SPI_CTRLR1, words - 1);
    wr(b, SPI_DMARDLR, 7);   // a request per 8 frames: the DMA's burst
    wr(b, SPI_DMACR, dma_words ? SPI_DMACR_RDMAE : 0);
    wr(b, SPI_SSIENR, 1);
    wr(b, SPI_DR, inst);
    wr(b, SPI_DR, addr);
    if (dma_words) {
        int r = dmac_start_from_device32(ch, request, b->base + SPI_DR, dst, dma_words);
        if (r != 0) {
            wr(b, SPI_SSIENR, 0);
            return r;
        }
    }
    wr(b, SPI_SER, 1);   // the frame starts: instruction, address, dummies, then data
    return 0;
}

int spi_rx_dma_finish(const spi_bus_t *b, int ch, uint32_t dma_words, uint32_t *tail, uint32_t tail_words,
    uint64_t deadline) {
    int r = dma_words ? dmac_wait(ch, deadline) : 0;
    for (uint32_t got = 0; got < tail_words && r == 0;) {
        if (rd(b, SPI_RXFLR) > 0) {
            tail[got++] = rd(b, SPI_DR);
        } else if (clint_expired(deadline)) {
            r = -ETIMEDOUT;
        }
    }
    if (r == 0) {
        r = wait_idle(b, deadline);
    }
    wr(b, SPI_SER, 0);
    wr(b, SPI_SSIENR, 0);
    wr(b, SPI_DMACR, 0);
    return r;
}
