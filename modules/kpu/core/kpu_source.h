// The model sources a port supplies (the source interface of the kpu core): kpu.load(path)
// reads through kpu_source_with_file (firmware/kpu_source_file.c, FatFs), kpu.load(offset)
// through kpu_source_with_flash (firmware/kpu_source_flash.c, the raw SPI flash). Both present
// the same kmodel_src_t, so they load identical models. The port opens the source (its state on
// its own stack, so an idle kpu module costs no RAM), calls use with it, and closes it.
#ifndef KPU_SOURCE_H
#define KPU_SOURCE_H

#include "kmodel.h"

// What to do with an open source (e.g. kmodel_load); 0 or -errno with e filled.
typedef int (*kpu_source_use_t)(kmodel_src_t *src, void *ctx, kmodel_err_t *e);

// max_size: 0 = the whole file; else at most that many bytes are read (size=).
// use's result, or -errno with e filled when the source cannot be opened.
int kpu_source_with_file(const char *path, uint32_t max_size, kpu_source_use_t use, void *ctx, kmodel_err_t *e);
// The same for another caller: its messages start "who('path')" (e.g. "kpu.forward").
int kpu_source_with_file_for(const char *who, const char *path, uint32_t max_size, kpu_source_use_t use, void *ctx,
    kmodel_err_t *e);
// Before a path is read: a file object that was dropped while writing it (unreachable, not yet
// closed) is collected, which flushes and closes it; a writer still referenced stays.
void kpu_source_release_writers(const char *path);
// max_size: 0 = up to the end of the flash.
int kpu_source_with_flash(uint32_t offset, uint32_t max_size, kpu_source_use_t use, void *ctx, kmodel_err_t *e);

#endif
