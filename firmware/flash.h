// Flash operations above the raw NOR seam: ranged read, erase and a write that keeps the
// untouched bytes of every sector it has to erase (what machine.Flash.write promises).
#ifndef K210_FLASH_H
#define K210_FLASH_H

#include <stddef.h>
#include <stdint.h>

int flash_check_range(uint32_t offset, size_t n);                // 0 or -EINVAL
int flash_erase_range(uint32_t offset, size_t n);                // sector aligned
// Programs n bytes (any alignment; split at 256 B pages); NOR: only clears bits.
int flash_program(uint32_t offset, const void *data, size_t n);
int flash_write_keep(uint32_t offset, const void *data, size_t n);

#endif
