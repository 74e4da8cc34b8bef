// libFuzzer target for the kmodel reader: identify (refusals of v1/v5/v6/unknown), the format's
// whole-file check, the ledger charge, prepare, netinfo, outputs and a forward on zero input,
// then free. Beyond what ASan/UBSan catch it aborts when a load fails without a message, or
// when the ledger does not return exactly to where it was (a failed or freed load must leave
// memory as before). Built and run by scripts/fuzz.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "board_hal.h"
#include "kmodel.h"
#include "kmodel_src.h"
#include "kpu_ledger.h"
#include "spiflash.h"
#include "vfs.h"

// The input is loaded the way kpu.load(0x300000, size=n) does, through the real flash source
// (kmodel_src.c, firmware/flash.c) over this RAM flash.
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

// The file source is not fuzzed here (no FatFs volume): every path is absent.
int vfs_resolve(const char *path, char *ff_path, size_t len, vfs_vol_t *vol) {
    (void)path, (void)ff_path, (void)len, (void)vol;
    return -ENOENT;
}
int vfs_errno(FRESULT res) {
    (void)res;
    return EIO;
}
FRESULT f_open(FIL *fp, const TCHAR *path, BYTE mode) {
    (void)fp, (void)path, (void)mode;
    return FR_NO_FILE;
}
FRESULT file_open_for_reading(FIL *fp, const char *ff_path) {
    return f_open(fp, ff_path, FA_READ);
}
FRESULT f_stat(const TCHAR *path, FILINFO *fno) {
    (void)path, (void)fno;
    return FR_NO_FILE;
}
FRESULT f_close(FIL *fp) {
    (void)fp;
    return FR_OK;
}
FRESULT f_read(FIL *fp, void *buff, UINT btr, UINT *br) {
    (void)fp, (void)buff, (void)btr, (void)br;
    return FR_INT_ERR;
}
FRESULT f_lseek(FIL *fp, FSIZE_t ofs) {
    (void)fp, (void)ofs;
    return FR_INT_ERR;
}

static void check_or_die(int ok) {
    if (!ok) {
        abort();
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
    kpu_ledger_stats_t before, after;
    kpu_ledger_stats(&before);
    kmodel_t m;
    kmodel_err_t e;
    memset(&e, 0, sizeof(e));
    kmodel_flash_src_t fs;
    int r = kmodel_flash_src_open(&fs, MODEL_OFFSET, (uint32_t)size, &e);
    if (r == 0) {
        r = kmodel_load(&fs.src, 1, "fuzz", NULL, &m, &e);
    }
    if (r != 0) {
        check_or_die(r < 0 && e.msg[0] != 0 && memchr(e.msg, 0, sizeof(e.msg)) != NULL);
    } else {
        for (uint32_t i = 0; i < m.layers; i++) {
            kmodel_layer_info_t info;
            m.fmt->layer_info(&m, i, &info);
        }
        kmodel_tensor_t t;
        for (uint32_t i = 0; i < m.outputs; i++) {
            m.fmt->output(&m, i, &t, NULL);
        }
        // A forward on zero input: CPU layers run; KPU layers get -ENODEV from kpu_hw_none.c.
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
        kmodel_free(&m);
    }
    kpu_ledger_stats(&after);
    check_or_die(before.used_bytes == after.used_bytes && before.free_bytes == after.free_bytes
        && before.largest_free == after.largest_free && before.blocks == after.blocks);
    return 0;
}
