// SD card in SPI mode on SPI1, chip select on a GPIOHS line (board.h: BOARD_SD_CS_GPIOHS).
// Init at <= 400 kHz: 80 clocks, CMD0 -> idle, CMD8 (v2 check), ACMD41 until ready, CMD58
// (OCR: block or byte addressing), CMD16 (512 B blocks), CMD9 (capacity); then 25 MHz.
#include <errno.h>
#include <string.h>

#include "board.h"
#include "clint.h"
#include "gpiohs.h"
#include "sdcard.h"
#include "spi.h"

#define SD_INIT_HZ        (400000u)
#define SD_FAST_HZ        (25000000u)
#define SD_READY_US       (1000000u)   // ACMD41 may take up to 1 s
#define SD_TOKEN_US       (200000u)    // read access time bound
#define SD_BUSY_US        (500000u)    // write busy bound
#define TOKEN_START_BLOCK (0xFEu)

static int ready;
static int block_addressing;     // SDHC/SDXC take block numbers, SDSC byte offsets
static uint32_t blocks;

static uint8_t crc7(const uint8_t *d, size_t n) {
    uint8_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = d[i];
        for (int bit = 0; bit < 8; bit++) {
            crc <<= 1;
            if (((b ^ crc) & 0x80u) != 0) {
                crc ^= 0x09u;
            }
            b <<= 1;
        }
    }
    return (uint8_t)((crc << 1) | 1u);
}

static void select(int on) {
    gpiohs_write(BOARD_SD_CS_GPIOHS, on ? 0 : 1);
}

static int xfer(const uint8_t *tx, uint8_t *rx, size_t n) {
    return spi_transfer(&spi1_bus, tx, rx, n);
}

static int rx_byte(void) {
    uint8_t b;
    return xfer(NULL, &b, 1) == 0 ? b : -EIO;
}

// Sends a command frame and returns its R1 (bit 7 clear) or a negative errno.
static int command(uint8_t cmd, uint32_t arg) {
    uint8_t f[6] = { (uint8_t)(0x40u | cmd), (uint8_t)(arg >> 24), (uint8_t)(arg >> 16), (uint8_t)(arg >> 8), (uint8_t)arg, 0 };
    f[5] = crc7(f, 5);
    rx_byte();                           // one idle byte before the command
    int r = xfer(f, NULL, sizeof(f));
    if (r != 0) {
        return r;
    }
    for (int i = 0; i < 10; i++) {       // NCR: the response comes within 8 bytes
        int b = rx_byte();
        if (b < 0) {
            return b;
        }
        if (!(b & 0x80)) {
            return b;
        }
    }
    return -ETIMEDOUT;
}

static int app_command(uint8_t cmd, uint32_t arg) {
    int r = command(55, 0);
    return r < 0 || (r & ~1) ? (r < 0 ? r : -EIO) : command(cmd, arg);
}

static int wait_token(void) {
    uint64_t deadline = clint_deadline_us(SD_TOKEN_US);
    for (;;) {
        int b = rx_byte();
        if (b < 0 || b == TOKEN_START_BLOCK) {
            return b < 0 ? b : 0;
        }
        if (b != 0xFF) {
            return -EIO;                  // a data error token
        }
        if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
}

static int read_data(uint8_t *buf, size_t n) {
    int r = wait_token();
    if (r == 0) {
        r = xfer(NULL, buf, n);
    }
    if (r == 0) {
        uint8_t crc[2];
        r = xfer(NULL, crc, 2);           // CRC is off in SPI mode: read and drop
    }
    return r;
}

static uint32_t csd_blocks(const uint8_t *csd) {
    if ((csd[0] >> 6) == 1) {             // CSD v2: C_SIZE bits 69:48, capacity (C_SIZE+1) * 512 KiB
        uint32_t c_size = ((uint32_t)(csd[7] & 0x3F) << 16) | ((uint32_t)csd[8] << 8) | csd[9];
        return (c_size + 1) * 1024u;
    }
    // CSD v1: (C_SIZE+1) * 2^(C_SIZE_MULT+2) blocks of 2^READ_BL_LEN bytes
    uint32_t read_bl_len = csd[5] & 0x0F;
    uint32_t c_size = ((uint32_t)(csd[6] & 0x03) << 10) | ((uint32_t)csd[7] << 2) | (csd[8] >> 6);
    uint32_t mult = ((csd[9] & 0x03) << 1) | (csd[10] >> 7);
    return ((c_size + 1) << (mult + 2)) << read_bl_len >> 9;
}

static int init_card(void) {
    spi_init(&spi1_bus);
    spi_set_clock(&spi1_bus, SD_INIT_HZ);
    gpiohs_output(BOARD_SD_CS_GPIOHS, 1);
    uint8_t ff[10];
    memset(ff, 0xFF, sizeof(ff));
    xfer(ff, NULL, sizeof(ff));           // >= 74 clocks with CS high: the card enters SPI mode
    select(1);
    int r = -ENODEV;
    for (int i = 0; i < 10 && r != 1; i++) {
        r = command(0, 0);
    }
    if (r != 1) {
        return -ENODEV;                   // no card answers
    }
    int v2 = 0;
    r = command(8, 0x1AAu);
    if (r == 1) {
        uint8_t r7[4];
        xfer(NULL, r7, 4);
        if ((r7[2] & 0x0F) != 0x01 || r7[3] != 0xAA) {
            return -EIO;                  // voltage range not accepted / echo wrong
        }
        v2 = 1;
    } else if (r < 0 || !(r & 0x04)) {    // only "illegal command" (a v1 card) is acceptable
        return r < 0 ? r : -EIO;
    }
    uint64_t deadline = clint_deadline_us(SD_READY_US);
    do {
        r = app_command(41, v2 ? 0x40000000u : 0);   // HCS: we handle high capacity
        if (r < 0) {
            return r;
        }
        if (r != 0 && clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    } while (r != 0);
    block_addressing = 0;
    if (v2) {
        if (command(58, 0) != 0) {
            return -EIO;
        }
        uint8_t ocr[4];
        xfer(NULL, ocr, 4);
        block_addressing = (ocr[0] & 0x40u) != 0;   // CCS
    }
    if (command(16, 512) != 0) {
        return -EIO;
    }
    if (command(9, 0) != 0) {
        return -EIO;
    }
    uint8_t csd[16];
    r = read_data(csd, sizeof(csd));
    if (r != 0) {
        return r;
    }
    blocks = csd_blocks(csd);
    select(0);
    rx_byte();
    spi_set_clock(&spi1_bus, SD_FAST_HZ);
    return blocks ? 0 : -EIO;
}

int sdcard_init(void) {
    if (ready) {
        return 0;
    }
    int r = init_card();
    select(0);
    ready = r == 0;
    return r;
}

uint32_t sdcard_block_count(void) {
    return ready ? blocks : 0;
}

static uint32_t address(uint32_t lba) {
    return block_addressing ? lba : lba * 512u;
}

static int read_block(uint32_t lba, uint8_t *buf) {
    int r = command(17, address(lba));
    if (r == 0) {
        r = read_data(buf, 512);
    } else if (r > 0) {
        r = -EIO;
    }
    return r;
}

static int wait_not_busy(void) {
    uint64_t deadline = clint_deadline_us(SD_BUSY_US);
    for (;;) {
        int b = rx_byte();
        if (b == 0xFF) {
            return 0;
        }
        if (b < 0) {
            return b;
        }
        if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
}

static int write_block(uint32_t lba, const uint8_t *buf) {
    int r = command(24, address(lba));
    if (r != 0) {
        return r < 0 ? r : -EIO;
    }
    static const uint8_t head[2] = { 0xFF, TOKEN_START_BLOCK };
    static const uint8_t crc[2] = { 0xFF, 0xFF };
    if ((r = xfer(head, NULL, 2)) != 0 || (r = xfer(buf, NULL, 512)) != 0 || (r = xfer(crc, NULL, 2)) != 0) {
        return r;
    }
    int resp = rx_byte();
    if (resp < 0) {
        return resp;
    }
    if ((resp & 0x1F) != 0x05) {
        return -EIO;                      // CRC or write error reported by the card
    }
    return wait_not_busy();
}

static int in_range(uint32_t lba, uint32_t count) {
    return ready && lba <= blocks && count <= blocks - lba;
}

int sdcard_read(uint32_t lba, void *buf, uint32_t count) {
    if (!in_range(lba, count)) {
        return ready ? -EINVAL : -ENODEV;
    }
    select(1);
    int r = 0;
    for (uint32_t i = 0; i < count && r == 0; i++) {
        r = read_block(lba + i, (uint8_t *)buf + 512u * i);
    }
    select(0);
    rx_byte();
    return r;
}

int sdcard_write(uint32_t lba, const void *buf, uint32_t count) {
    if (!in_range(lba, count)) {
        return ready ? -EINVAL : -ENODEV;
    }
    select(1);
    int r = 0;
    for (uint32_t i = 0; i < count && r == 0; i++) {
        r = write_block(lba + i, (const uint8_t *)buf + 512u * i);
    }
    select(0);
    rx_byte();
    return r;
}

int sdcard_sync(void) {
    return ready ? 0 : -ENODEV;   // every write waited for the card's busy to end
}
