// DesignWare SSI master (SPI1 for the SD card, SPI3 for the boot flash), 8-bit frames, mode 0.
#ifndef K210_SPI_H
#define K210_SPI_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uintptr_t base;
    int index;          // 1 or 3 (SPI3 lays out CTRLR0 differently and drives its own chip select)
} spi_bus_t;

extern const spi_bus_t spi1_bus, spi3_bus;

void spi_init(const spi_bus_t *bus);
// Sets SCLK to at most hz; returns the rate obtained.
uint32_t spi_set_clock(const spi_bus_t *bus, uint32_t hz);
// Full duplex, chip select left to the caller (GPIO); rx may be NULL, tx NULL sends 0xFF.
int spi_transfer(const spi_bus_t *bus, const uint8_t *tx, uint8_t *rx, size_t n);
// One chip-select-framed command on the controller's SS0: send tx (<= 32 bytes when nrx > 0,
// any length otherwise), then receive nrx (<= 65536) bytes. 0 or -ETIMEDOUT.
int spi_command(const spi_bus_t *bus, const uint8_t *tx, size_t ntx, const uint8_t *tx2, size_t ntx2,
    uint8_t *rx, size_t nrx);

// An enhanced-SPI read on SS0 whose data the DMA moves: instruction inst (8 bits, one line),
// then the 32-bit address word addr and `wait` dummy clocks in frame format frf (2 = quad), then
// `words` 32-bit frames (<= 65536). The first dma_words go by DMA channel ch to dst (a bus
// address), paced by the SSI's RX request; spi_rx_dma_finish waits for them (until deadline),
// reads the rest into tail and releases the bus. 0 or -errno.
int spi_rx_dma_start(const spi_bus_t *bus, uint32_t frf, uint8_t inst, uint32_t addr, uint32_t wait, uint32_t words,
    int ch, uint32_t request, uint64_t dst, uint32_t dma_words);
int spi_rx_dma_finish(const spi_bus_t *bus, int ch, uint32_t dma_words, uint32_t *tail, uint32_t tail_words,
    uint64_t deadline);

#endif
