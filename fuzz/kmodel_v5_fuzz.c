// libFuzzer target for kmodel v5 (nncase 1.x): every input is read as a v5 file (the first 8
// bytes are forced to "LDMK" + version 5, so no time goes to other formats), loaded through
// kmodel_load, and when it loads: netinfo, a forward on zero input with the behavioural KPU
// behind the seam (so the k210 module's uploads, convolutions and downloads really run), a
// partial forward and its layer output, then free. Aborts when a load fails without a message
// or the ledger does not return exactly to where it was. Built by fuzz/CMakeLists.txt, run by
// scripts/fuzz --target v5.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "board_hal.h"
#include "kmodel.h"
#include "kpu_ledger.h"

static void check_or_die(int ok) {
    if (!ok) {
        abort();
    }
}

typedef struct {
    const uint8_t *data;
} mem_src_t;

static int mem_read(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    const mem_src_t *m = s->ctx;
    check_or_die((uint64_t)off + n <= s->size);   // the loader must never read past its source
    memcpy(buf, m->data + off, n);
    return 0;
}

// A forward of the first n ops (n = all: the whole model) on zero input; reads what it gives.
static void forward(kmodel_t *m, const uint8_t *input, uint32_t n) {
    kmodel_err_t e;
    memset(&e, 0, sizeof(e));
    if (m->fmt->run(m, input, n, &e) != 0) {
        check_or_die(e.msg[0] != 0);
        return;
    }
    kmodel_tensor_t t;
    if (n < m->layers) {
        if (m->fmt->layer_output(m, n - 1, &t, NULL) == 0 && t.bytes <= (8u << 20)) {
            uint8_t *out = malloc(t.bytes ? t.bytes : 1);
            check_or_die(out != NULL);
            m->fmt->layer_output(m, n - 1, &t, out);
            free(out);
        }
        return;
    }
    for (uint32_t i = 0; i < m->outputs; i++) {
        if (m->fmt->output(m, i, &t, NULL) == 0 && t.bytes <= (8u << 20)) {
            uint8_t *out = malloc(t.bytes ? t.bytes : 1);
            check_or_die(out != NULL);
            m->fmt->output(m, i, &t, out);
            free(out);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        void *gc_start, *gc_end;
        check_or_die(board_mem_layout(BOARD_GC_HEAP_DEFAULT, &gc_start, &gc_end) == 0);
        ready = 1;
    }
    if (size < 8 || size > (4u << 20)) {
        return -1;
    }
    uint8_t *file = malloc(size);
    check_or_die(file != NULL);
    memcpy(file, data, size);
    memcpy(file, "LDMK\x05\x00\x00\x00", 8);
    mem_src_t ms = { file };
    kmodel_src_t src = { mem_read, (uint32_t)size, 0, false, "fuzz.kmodel", &ms };
    kpu_ledger_stats_t before, after;
    kpu_ledger_stats(&before);
    kmodel_t m;
    kmodel_err_t e;
    memset(&e, 0, sizeof(e));
    int r = kmodel_load(&src, 1, "fuzz", NULL, &m, &e);
    if (r != 0) {
        check_or_die(r < 0 && e.msg[0] != 0 && memchr(e.msg, 0, sizeof(e.msg)) != NULL);
    } else {
        for (uint32_t i = 0; i < m.layers; i++) {
            kmodel_layer_info_t info;
            check_or_die(m.fmt->layer_info(&m, i, &info) == 0 && info.name != NULL);
        }
        if (m.input.bytes > 0 && m.input.bytes <= (4u << 20)) {
            uint8_t *input = calloc(1, m.input.bytes);
            check_or_die(input != NULL);
            forward(&m, input, m.layers);
            if (m.layers > 1) {
                forward(&m, input, m.layers / 2);
            }
            free(input);
        }
        kmodel_free(&m);
    }
    free(file);
    kpu_ledger_stats(&after);
    check_or_die(before.used_bytes == after.used_bytes && before.free_bytes == after.free_bytes
        && before.largest_free == after.largest_free && before.blocks == after.blocks);
    return 0;
}
