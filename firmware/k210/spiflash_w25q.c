// W25Q128 NOR flash on SPI3 (the boot flash): JEDEC id 0x9F, read 0x03, write enable 0x06,
// 4 KiB sector erase 0x20, 256 B page program 0x02, status 0x05 (bit 0 BUSY, bit 1 WEL).
#include <errno.h>

#include "clint.h"
#include "flash_layout.h"
#include "spi.h"
#include "spiflash.h"

#define CMD_READ          (0x03u)
#define CMD_WRITE_ENABLE  (0x06u)
#define CMD_READ_STATUS1  (0x05u)
#define CMD_SECTOR_ERASE  (0x20u)
#define CMD_PAGE_PROGRAM  (0x02u)
#define CMD_JEDEC_ID      (0x9Fu)
#define STATUS_BUSY       (0x01u)
#define STATUS_WEL        (0x02u)
#define FLASH_HZ          (40000000u)   // 0x03 reads are specified up to 50 MHz
#define ERASE_TIMEOUT_US  (500000u)     // tSE max 400 ms
#define PROGRAM_TIMEOUT_US (5000u)      // tPP max 3 ms
#define READ_CHUNK        (65536u)      // CTRLR1 counts 16 bits of frames

static size_t capacity;   // 0 until a flash answered the JEDEC id
static uint8_t jedec[3];

static int status(uint8_t *s) {
    uint8_t cmd = CMD_READ_STATUS1;
    return spi_command(&spi3_bus, &cmd, 1, NULL, 0, s, 1);
}

static int wait_ready(uint32_t timeout_us) {
    uint64_t deadline = clint_deadline_us(timeout_us);
    for (;;) {
        uint8_t s;
        int r = status(&s);
        if (r != 0) {
            return r;
        }
        if (!(s & STATUS_BUSY)) {
            return 0;
        }
        if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
}

static int write_enable(void) {
    uint8_t cmd = CMD_WRITE_ENABLE, s;
    int r = spi_command(&spi3_bus, &cmd, 1, NULL, 0, NULL, 0);
    if (r == 0) {
        r = status(&s);
    }
    return r != 0 ? r : (s & STATUS_WEL) ? 0 : -EIO;   // write-protected or not a W25Q
}

int spiflash_init(void) {
    if (capacity) {
        return 0;
    }
    spi_init(&spi3_bus);
    spi_set_clock(&spi3_bus, FLASH_HZ);
    uint8_t cmd = CMD_JEDEC_ID;
    int r = spi_command(&spi3_bus, &cmd, 1, NULL, 0, jedec, 3);
    if (r != 0) {
        return r;
    }
    // manufacturer 0x00/0xFF = nothing on the bus; capacity byte is log2(bytes)
    if (jedec[0] == 0x00 || jedec[0] == 0xFF || jedec[2] < 16 || jedec[2] > 25) {
        return -ENODEV;
    }
    capacity = (size_t)1 << jedec[2];
    return wait_ready(ERASE_TIMEOUT_US);
}

size_t spiflash_size(void) {
    return spiflash_init() == 0 ? capacity : 0;
}

static int in_range(uint32_t offset, size_t n) {
    return spiflash_init() == 0 && offset <= capacity && n <= capacity - offset;
}

static void addr_cmd(uint8_t *c, uint8_t op, uint32_t a) {
    c[0] = op;
    c[1] = (uint8_t)(a >> 16);
    c[2] = (uint8_t)(a >> 8);
    c[3] = (uint8_t)a;
}

int spiflash_read(uint32_t offset, void *buf, size_t n) {
    if (!in_range(offset, n)) {
        return -EINVAL;
    }
    uint8_t *p = buf;
    while (n > 0) {
        size_t k = n < READ_CHUNK ? n : READ_CHUNK;
        uint8_t c[4];
        addr_cmd(c, CMD_READ, offset);
        int r = spi_command(&spi3_bus, c, 4, NULL, 0, p, k);
        if (r != 0) {
            return r;
        }
        p += k;
        offset += (uint32_t)k;
        n -= k;
    }
    return 0;
}

int spiflash_erase_sector(uint32_t offset) {
    if (offset % FLASH_SECTOR_BYTES || !in_range(offset, FLASH_SECTOR_BYTES)) {
        return -EINVAL;
    }
    int r = write_enable();
    if (r == 0) {
        uint8_t c[4];
        addr_cmd(c, CMD_SECTOR_ERASE, offset);
        r = spi_command(&spi3_bus, c, 4, NULL, 0, NULL, 0);
    }
    return r != 0 ? r : wait_ready(ERASE_TIMEOUT_US);
}

int spiflash_program(uint32_t offset, const void *data, size_t n) {
    if (n == 0) {
        return 0;
    }
    if (!in_range(offset, n) || offset / FLASH_PAGE_BYTES != (offset + n - 1) / FLASH_PAGE_BYTES) {
        return -EINVAL;   // a program wraps inside its page: never let it
    }
    int r = write_enable();
    if (r == 0) {
        uint8_t c[4];
        addr_cmd(c, CMD_PAGE_PROGRAM, offset);
        r = spi_command(&spi3_bus, c, 4, data, n, NULL, 0);
    }
    return r != 0 ? r : wait_ready(PROGRAM_TIMEOUT_US);
}
