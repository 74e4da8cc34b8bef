// libFuzzer target for the kmodel reader: identify (refusals of v1/v5/v6/unknown), the format's
// whole-file check, the ledger charge, prepare, netinfo, outputs and a forward on zero input,
// then free; the same again streamed from flash (kpu_stream.h: default window, then one 4 KiB
// buffer, so layers split into channel groups). Beyond what ASan/UBSan catch it aborts when a load fails without a message, or
// when the ledger does not return exactly to where it was (a failed or freed load must leave
// memory as before). Built by fuzz/CMakeLists.txt, run by scripts/fuzz.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "board_hal.h"
#include "kmodel.h"
#include "kpu_ledger.h"
#include "kpu_source.h"
#include "kpu_stream.h"
#include "spiflash.h"

// The input is loaded the way kpu.load(0x300000, size=n) does, through the real flash source
// (firmware/kpu_source_flash.c, firmware/flash.c) over this RAM flash.
#define MODEL_OFFSET (0x300000u)
static uint8_t flash[BOARD_FLASH_BYTES];

int spiflash_init(void) {
    return 0;
}
size_t spiflash_size(void) {
    return sizeof(flash);
}
int spiflash_read(uint32_t offset, void *buf, size_t n) {
    if (offset > sizeof(flash) || n > sizeof(flash) - offset) {
        abort();    // the loader must never read outside the flash
    }
    memcpy(buf, flash + offset, n);
    return 0;
}
int spiflash_erase_sector(uint32_t offset) {
    (void)offset;
    abort();        // loading never writes
}
int spiflash_program(uint32_t offset, const void *data, size_t n) {
    (void)offset, (void)data, (void)n;
    abort();
}

static void check_or_die(int ok) {
    if (!ok) {
        abort();
    }
}

typedef struct {
    kmodel_t *m;
    const kpu_stream_opts_t *stream;   // NULL: resident
} fuzz_load_t;

static int load_from(kmodel_src_t *src, void *ctx, kmodel_err_t *e) {
    fuzz_load_t *l = ctx;
    return l->stream ? kpu_stream_load(src, 1, "fuzz", NULL, l->stream, l->m, e) : kmodel_load(src, 1, "fuzz", NULL, l->m, e);
}

// netinfo, outputs, and a forward on zero input: CPU layers run; KPU layers get -ENODEV from
// fuzz/kpu_hw_none.c (a streamed model reads their weights first).
static void exercise(kmodel_t *mp) {
    kmodel_t m = *mp;
    for (uint32_t i = 0; i < m.layers; i++) {
        kmodel_layer_info_t info;
        m.fmt->layer_info(&m, i, &info);
    }
    kmodel_tensor_t t;
    for (uint32_t i = 0; i < m.outputs; i++) {
        m.fmt->output(&m, i, &t, NULL);
    }
    if (m.input.bytes > 0 && m.input.bytes <= (4u << 20)) {
        uint8_t *input = calloc(1, m.input.bytes);
        check_or_die(input != NULL);
        kmodel_err_t re;
        if (m.fmt->run(&m, input, m.layers, &re) == 0) {
            for (uint32_t i = 0; i < m.outputs; i++) {
                if (m.fmt->output(&m, i, &t, NULL) == 0 && t.bytes <= (8u << 20)) {
                    uint8_t *out = malloc(t.bytes ? t.bytes : 1);
                    check_or_die(out != NULL);
                    m.fmt->output(&m, i, &t, out);
                    free(out);
                }
            }
        }
        free(input);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        void *gc_start, *gc_end;
        check_or_die(board_mem_layout(BOARD_GC_HEAP_DEFAULT, &gc_start, &gc_end) == 0);
        ready = 1;
    }
    if (size > 8u << 20) {
        return -1;
    }
    memcpy(flash + MODEL_OFFSET, data, size);
    memset(flash + MODEL_OFFSET + size, 0xFF, 64);   // erased flash after the model
    static const kpu_stream_opts_t streams[] = { { 0, 2, 0 }, { 4096, 1, 0 } };
    for (int pass = 0; pass < 3; pass++) {
        kpu_ledger_stats_t before, after;
        kpu_ledger_stats(&before);
        kmodel_t m;
        kmodel_err_t e;
        memset(&e, 0, sizeof(e));
        fuzz_load_t ld = { &m, pass ? &streams[pass - 1] : NULL };
        int r = kpu_source_with_flash(MODEL_OFFSET, (uint32_t)size, load_from, &ld, &e);
        if (r != 0) {
            check_or_die(r < 0 && e.msg[0] != 0 && memchr(e.msg, 0, sizeof(e.msg)) != NULL);
        } else {
            exercise(&m);
            kmodel_free(&m);
        }
        kpu_ledger_stats(&after);
        check_or_die(before.used_bytes == after.used_bytes && before.free_bytes == after.free_bytes
            && before.largest_free == after.largest_free && before.blocks == after.blocks);
    }
    return 0;
}
