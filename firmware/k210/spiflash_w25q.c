// W25Q128 NOR flash on SPI3 (the boot flash): JEDEC id 0x9F, read 0x03, write enable 0x06,
// 4 KiB sector erase 0x20, 256 B page program 0x02, status 0x05 (bit 0 BUSY, bit 1 WEL);
// background reads: fast read quad I/O 0xEB by DMA, after status register 2 (0x35, written with
// 0x01 s1 s2) has its QE bit.
#include <errno.h>
#include <stdbool.h>

#include "clint.h"
#include "flash_layout.h"
#include "k210_regs.h"
#include "kpu_mem.h"
#include "dmac.h"
#include "spi.h"
#include "spiflash.h"

#define CMD_READ          (0x03u)
#define CMD_WRITE_ENABLE  (0x06u)
#define CMD_READ_STATUS1  (0x05u)
#define CMD_SECTOR_ERASE  (0x20u)
#define CMD_PAGE_PROGRAM  (0x02u)
#define CMD_JEDEC_ID      (0x9Fu)
#define CMD_READ_STATUS2  (0x35u)
#define CMD_WRITE_STATUS  (0x01u)
#define CMD_QUAD_IO_READ  (0xEBu)
#define STATUS2_QE        (0x02u)
#define QUAD_HZ           (80000000u)   // 0xEB with 4 dummy clocks: up to 104 MHz on a W25Q128
#define QUAD_WAIT_CLOCKS  (4u)          // after the mode byte
#define STATUS_TIMEOUT_US (20000u)      // tW max 15 ms
#define BG_DMA_CHANNEL    (2)           // the KPU's output stream uses channel 5
#define BG_TIMEOUT_US     (200000u)     // 64 Ki words at 10 MHz with margin
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

// --- background reads (quad I/O by DMA) ---

static bool quad_on;
static struct {
    int pending;           // 0 none, 1 a quad DMA read, 2 a read done at start
    int result;
    uint32_t *buf;
    uint32_t words, dma_words;
    uint64_t deadline;
} bg;

// QE lets IO2/IO3 carry data (instead of /WP and /HOLD); non-volatile, so set once per flash.
static int enable_quad(void) {
    if (quad_on) {
        return 0;
    }
    uint8_t cmd = CMD_READ_STATUS2, s1, s2;
    int r = spi_command(&spi3_bus, &cmd, 1, NULL, 0, &s2, 1);
    if (r == 0 && !(s2 & STATUS2_QE) && (r = status(&s1)) == 0 && (r = write_enable()) == 0) {
        uint8_t w[3] = { CMD_WRITE_STATUS, (uint8_t)(s1 & ~(STATUS_BUSY | STATUS_WEL)), (uint8_t)(s2 | STATUS2_QE) };
        if ((r = spi_command(&spi3_bus, w, 3, NULL, 0, NULL, 0)) == 0 && (r = wait_ready(STATUS_TIMEOUT_US)) == 0
            && (r = spi_command(&spi3_bus, &cmd, 1, NULL, 0, &s2, 1)) == 0) {
            r = (s2 & STATUS2_QE) ? 0 : -EIO;   // status register protected
        }
    }
    quad_on = r == 0;
    return r;
}

int spiflash_read_start(uint32_t offset, void *buf, size_t n) {
    if (bg.pending) {
        return -EBUSY;
    }
    uint64_t dst = kpu_mem_bus_addr(buf);
    // the quad path moves whole 32-bit words to an SRAM buffer; anything else reads now
    if (((uintptr_t)buf | offset | n) & 3u || n == 0 || n / 4 > 65536u || dst == 0 || !in_range(offset, n)
        || enable_quad() != 0) {
        bg.result = spiflash_read(offset, buf, n);
        bg.pending = 2;
        return 0;
    }
    bg.buf = buf;
    bg.words = (uint32_t)(n / 4);
    bg.dma_words = bg.words & ~7u;   // whole 8-word bursts; the tail is read by the CPU
    bg.deadline = clint_deadline_us(BG_TIMEOUT_US);
    spi_set_clock(&spi3_bus, QUAD_HZ);
    // the address word: 24-bit address, then mode bits 0x00 (no continuous read)
    int r = spi_rx_dma_start(&spi3_bus, SPI_FRF_QUAD, CMD_QUAD_IO_READ, offset << 8, QUAD_WAIT_CLOCKS, bg.words,
        BG_DMA_CHANNEL, DMA_SELECT_SSI3_RX_REQ, dst, bg.dma_words);
    bg.pending = r == 0 ? 1 : 0;
    return r;
}

int spiflash_read_wait(void) {
    int p = bg.pending;
    bg.pending = 0;
    if (p != 1) {
        return p == 2 ? bg.result : 0;
    }
    int r = spi_rx_dma_finish(&spi3_bus, BG_DMA_CHANNEL, bg.dma_words, bg.buf + bg.dma_words, bg.words - bg.dma_words,
        bg.deadline);
    spi_set_clock(&spi3_bus, FLASH_HZ);
    if (r != 0) {
        dmac_stop(BG_DMA_CHANNEL);
        return r;
    }
    // A 32-bit frame is shifted in most significant byte first, so the flash's byte order
    // arrives reversed in every word (why MaixPy's load_flash wants its files pre-swapped)
    for (uint32_t i = 0; i < bg.words; i++) {
        uint32_t v = bg.buf[i];
        bg.buf[i] = (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
    }
    return 0;
}
