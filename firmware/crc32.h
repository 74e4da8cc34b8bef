// CRC-32 (IEEE 802.3, zlib's): crc32_update(0, data, n) equals zlib.crc32(data).
#ifndef K210_CRC32_H
#define K210_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

#endif
