// The /flash journal: 2 header blocks of 32-byte entries (programmed into erased space, so an
// entry costs no erase) and FJ_SLOTS data slots, at FLASH_JOURNAL_OFFSET. See flash_journal.h.
// Commit point: the entry with FJ_COMMIT of a transaction reads back with a valid CRC. A cut
// before it leaves every home block untouched; a cut after it is finished by fj_mount().
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "crc32.h"
#include "flash.h"
#include "flash_journal.h"
#include "flash_layout.h"
#include "spiflash.h"

#define FJ_MAGIC        (0x314C4A4Bu)    // "KJL1"
#define FJ_COMMIT       (1u)
#define FJ_HDR_BLOCKS   (2)
#define FJ_ENTRY_BYTES  (32u)
#define FJ_PER_BLOCK    (FLASH_SECTOR_BYTES / FJ_ENTRY_BYTES)
#define BLOCK           FLASH_SECTOR_BYTES

typedef struct {
    uint32_t magic;
    uint32_t seq;        // grows by one per entry, across both header blocks
    uint32_t block;      // home block: flash offset / 4096
    uint16_t slot;
    uint16_t flags;      // FJ_COMMIT on the last entry of a transaction
    uint32_t data_crc;   // CRC-32 of the slot's 4 KiB
    uint32_t tx;         // seq of the transaction's first entry
    uint32_t zero;
    uint32_t crc;        // CRC-32 of the 28 bytes above
} fj_entry_t;
_Static_assert(sizeof(fj_entry_t) == FJ_ENTRY_BYTES, "entry layout");
_Static_assert(FLASH_JOURNAL_BYTES / BLOCK == FJ_HDR_BLOCKS + FJ_SLOTS, "journal size");

static struct {
    int mounted;
    uint32_t next_seq;
    int hdr;                 // header block receiving entries
    uint32_t hdr_pos;        // its next free entry
    unsigned next_slot;
    int depth;               // fj_begin nesting
    unsigned held;
    struct { uint32_t block, crc; uint16_t slot; } hold[FJ_SLOTS];
    fj_stats_t stats;
} J;

static uint8_t blockbuf[BLOCK];
static fj_entry_t entries[FJ_HDR_BLOCKS][FJ_PER_BLOCK];

static uint32_t hdr_offset(int h) {
    return FLASH_JOURNAL_OFFSET + (uint32_t)h * BLOCK;
}

static uint32_t slot_offset(unsigned s) {
    return FLASH_JOURNAL_OFFSET + (FJ_HDR_BLOCKS + s) * BLOCK;
}

static uint32_t home_offset(uint32_t block) {
    return block * BLOCK;
}

// Any block of the flash but the journal's own.
static int home_valid(uint32_t block) {
    return block < spiflash_size() / BLOCK
        && (block < FLASH_JOURNAL_OFFSET / BLOCK || block >= (FLASH_JOURNAL_OFFSET + FLASH_JOURNAL_BYTES) / BLOCK);
}

static int entry_valid(const fj_entry_t *e) {
    return e->magic == FJ_MAGIC && e->slot < FJ_SLOTS && home_valid(e->block)
        && e->crc == crc32_update(0, e, offsetof(fj_entry_t, crc));
}

static int erased(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0xFF) {
            return 0;
        }
    }
    return 1;
}

// Erase + program, skipped when the block already holds data.
static int put_block(uint32_t offset, const void *data) {
    int r = spiflash_read(offset, blockbuf, BLOCK);
    if (r != 0 || memcmp(blockbuf, data, BLOCK) == 0) {
        return r;
    }
    if (!erased(blockbuf, BLOCK)) {
        r = spiflash_erase_sector(offset);
    }
    return r != 0 ? r : flash_program(offset, data, BLOCK);
}

// Copies a committed slot home; a slot whose CRC no longer matches was reused after its
// transaction had been applied, so there is nothing left to do for it.
static int apply(uint32_t block, unsigned slot, uint32_t crc) {
    static uint8_t data[BLOCK];
    int r = spiflash_read(slot_offset(slot), data, BLOCK);
    if (r != 0 || crc32_update(0, data, BLOCK) != crc) {
        return r;
    }
    J.stats.home_writes++;
    return put_block(home_offset(block), data);
}

int fj_mount(void) {
    if (J.mounted) {
        return 0;
    }
    uint32_t max_seq = 0, commit_seq = 0, commit_tx = 0;
    int have = 0, have_commit = 0;
    for (int h = 0; h < FJ_HDR_BLOCKS; h++) {
        int r = spiflash_read(hdr_offset(h), entries[h], BLOCK);
        if (r != 0) {
            return r;
        }
        for (unsigned i = 0; i < FJ_PER_BLOCK; i++) {
            const fj_entry_t *e = &entries[h][i];
            if (!entry_valid(e)) {
                continue;
            }
            if (!have || e->seq > max_seq) {
                have = 1;
                max_seq = e->seq;
                J.hdr = h;
                J.next_slot = (e->slot + 1u) % FJ_SLOTS;
            }
            if ((e->flags & FJ_COMMIT) && (!have_commit || e->seq > commit_seq)) {
                have_commit = 1;
                commit_seq = e->seq;
                commit_tx = e->tx;
            }
        }
    }
    // Entries are appended in order, so the free space starts after the last non-erased one.
    J.hdr_pos = 0;
    for (unsigned i = FJ_PER_BLOCK; i > 0; i--) {
        if (!erased(&entries[J.hdr][i - 1], FJ_ENTRY_BYTES)) {
            J.hdr_pos = i;
            break;
        }
    }
    J.next_seq = have ? max_seq + 1 : 1;
    if (have_commit) {
        for (int h = 0; h < FJ_HDR_BLOCKS; h++) {
            for (unsigned i = 0; i < FJ_PER_BLOCK; i++) {
                const fj_entry_t *e = &entries[h][i];
                if (entry_valid(e) && e->tx == commit_tx && e->seq <= commit_seq) {
                    uint32_t before = J.stats.home_writes;
                    int r = apply(e->block, e->slot, e->data_crc);
                    if (r != 0) {
                        return r;
                    }
                    J.stats.replays += J.stats.home_writes - before;
                    J.stats.home_writes = before;
                }
            }
        }
    }
    J.depth = 0;
    J.held = 0;
    J.mounted = 1;
    return 0;
}

int fj_read(uint32_t block, void *buf) {
    for (unsigned i = 0; i < J.held; i++) {
        if (J.hold[i].block == block) {
            return spiflash_read(slot_offset(J.hold[i].slot), buf, BLOCK);
        }
    }
    return spiflash_read(home_offset(block), buf, BLOCK);
}

// Puts a block into a slot of the pending transaction (the same slot again for a block that
// is already part of it).
static int hold(uint32_t block, const void *data) {
    unsigned i = 0;
    while (i < J.held && J.hold[i].block != block) {
        i++;
    }
    if (i == J.held) {
        if (J.held == FJ_SLOTS) {
            return -ENOSPC;
        }
        J.hold[i].block = block;
        J.hold[i].slot = (uint16_t)J.next_slot;
        J.next_slot = (J.next_slot + 1) % FJ_SLOTS;
        J.held++;
    }
    J.hold[i].crc = crc32_update(0, data, BLOCK);
    J.stats.slot_writes++;
    int r = spiflash_erase_sector(slot_offset(J.hold[i].slot));
    return r != 0 ? r : flash_program(slot_offset(J.hold[i].slot), data, BLOCK);
}

// Room for n entries in erased space; when the current header block is used up, the other one
// (whose entries all belong to transactions applied long ago) is erased and takes over.
static int header_room(unsigned n) {
    uint32_t off = hdr_offset(J.hdr) + J.hdr_pos * FJ_ENTRY_BYTES;
    if (J.hdr_pos + n <= FJ_PER_BLOCK) {
        int r = spiflash_read(off, blockbuf, n * FJ_ENTRY_BYTES);
        if (r != 0) {
            return r;
        }
        if (erased(blockbuf, n * FJ_ENTRY_BYTES)) {
            return 0;
        }
    }
    J.hdr ^= 1;
    J.hdr_pos = 0;
    return spiflash_erase_sector(hdr_offset(J.hdr));
}

static int commit(void) {
    if (J.held == 0) {
        return 0;
    }
    int r = header_room(J.held);
    uint32_t tx = J.next_seq;
    for (unsigned i = 0; r == 0 && i < J.held; i++) {
        fj_entry_t e = {
            .magic = FJ_MAGIC, .seq = J.next_seq++, .block = J.hold[i].block, .slot = J.hold[i].slot,
            .flags = i + 1 == J.held ? FJ_COMMIT : 0, .data_crc = J.hold[i].crc, .tx = tx, .zero = 0,
        };
        e.crc = crc32_update(0, &e, offsetof(fj_entry_t, crc));
        uint32_t off = hdr_offset(J.hdr) + J.hdr_pos++ * FJ_ENTRY_BYTES;
        r = flash_program(off, &e, sizeof(e));
        fj_entry_t back;
        if (r == 0 && (r = spiflash_read(off, &back, sizeof(back))) == 0 && memcmp(&back, &e, sizeof(e)) != 0) {
            r = -EIO;
        }
    }
    for (unsigned i = 0; r == 0 && i < J.held; i++) {
        r = apply(J.hold[i].block, J.hold[i].slot, J.hold[i].crc);
    }
    J.held = 0;
    return r;
}

int fj_write(uint32_t block, const void *data) {
    if (!home_valid(block)) {
        return -EINVAL;
    }
    int r = fj_mount();
    if (r != 0) {
        return r;
    }
    if (J.depth == 0) {
        // An erased block holds nothing a cut could destroy: program it in place.
        r = spiflash_read(home_offset(block), blockbuf, BLOCK);
        if (r == 0 && erased(blockbuf, BLOCK)) {
            J.stats.home_writes++;
            J.stats.direct_writes++;
            return flash_program(home_offset(block), data, BLOCK);
        }
    }
    r = hold(block, data);
    if (J.depth == 0) {
        r = r == 0 ? commit() : r;
        J.held = 0;
    }
    return r;
}

void fj_begin(void) {
    J.depth++;
}

int fj_end(int do_commit) {
    if (J.depth == 0) {
        return -EINVAL;
    }
    if (--J.depth > 0) {
        return 0;
    }
    if (!do_commit) {
        J.held = 0;
        return 0;
    }
    return commit();
}

const fj_stats_t *fj_stats(void) {
    return &J.stats;
}
