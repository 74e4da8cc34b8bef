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

#endif
