// Power-safe 4 KiB block updates of the SPI flash (the /flash filesystem, machine.Flash.write). NOR flash erases a whole 4 KiB block
// before reprogramming it, so a power cut between the two loses the block (and with it a FAT or
// directory sector that other files depend on). Every update of a block that holds data therefore
// goes first to a spare slot of the journal, is committed by a CRC-checked header entry, and only
// then is copied home; mount replays the last committed transaction. A transaction groups several
// block writes (os.rename over an existing file) so that they land all or none.
#ifndef K210_FLASH_JOURNAL_H
#define K210_FLASH_JOURNAL_H

#include <stdint.h>

#define FJ_SLOTS (6)    // blocks one transaction may change (a replacing rename needs 2-4)

typedef struct {
    uint32_t home_writes;     // blocks written to their place in the filesystem
    uint32_t direct_writes;   // ... of them, blocks that were erased (0xFF) and needed no journal
    uint32_t slot_writes;     // journal data slots written
    uint32_t replays;         // blocks restored from the journal at mount
} fj_stats_t;

int fj_mount(void);                                   // replays; 0 or -errno
// block = flash offset / 4096 (any block outside the journal itself)
int fj_read(uint32_t block, void *buf);               // 4 KiB, as a pending transaction sees it
int fj_write(uint32_t block, const void *data);       // 4 KiB; 0, -ENOSPC (transaction too big), -EIO
void fj_begin(void);                                  // nests; writes are held until the outer end
int fj_end(int commit);                               // commit (1) or drop (0) the held writes
const fj_stats_t *fj_stats(void);

#endif
