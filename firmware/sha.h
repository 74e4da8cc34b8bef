// SHA-256 and SHA-1 (FIPS 180-4) as plain C: an init/update/final triple per algorithm.
#ifndef K210_SHA_H
#define K210_SHA_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];         // SHA-1 uses h[0..4]
    uint64_t bytes;        // message length so far
    uint8_t block[64];
    size_t used;           // bytes waiting in block
} sha_ctx_t;

void sha256_init(sha_ctx_t *c);
void sha1_init(sha_ctx_t *c);
// One update/final serves both: the block function is chosen by the digest size.
void sha_update(sha_ctx_t *c, const uint8_t *data, size_t len, int digest_len);
void sha_final(sha_ctx_t *c, uint8_t *out, int digest_len);   // digest_len 32 or 20

#endif
