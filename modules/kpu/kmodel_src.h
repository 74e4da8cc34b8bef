// The two places kpu.load reads a model from: a file on /sd or /flash (FatFs), or a raw
// offset in the SPI flash. Both present the same kmodel_src_t, so they load identical models.
#ifndef KPU_KMODEL_SRC_H
#define KPU_KMODEL_SRC_H

#include "ff.h"
#include "kmodel.h"

typedef struct {
    kmodel_src_t src;
    FIL fp;
    bool open;
    char name[64];
} kmodel_file_src_t;

typedef struct {
    kmodel_src_t src;
    char name[32];
} kmodel_flash_src_t;

// max_size: 0 = the whole file; else at most that many bytes are read (size=); -errno on error.
int kmodel_file_src_open(kmodel_file_src_t *f, const char *path, uint32_t max_size, kmodel_err_t *e);
void kmodel_file_src_close(kmodel_file_src_t *f);
// max_size: 0 = up to the end of the flash.
int kmodel_flash_src_open(kmodel_flash_src_t *f, uint32_t offset, uint32_t max_size, kmodel_err_t *e);

#endif
