// spiflash_read_start/wait for flashes with no background reader (the simulated board, QEMU, the
// fuzzer): the read happens at start and wait reports its result (spiflash.h). The K210 has its
// own DMA pair (firmware/k210/spiflash_w25q.c).
#include "spiflash.h"

static int bg_result;

int spiflash_read_start(uint32_t offset, void *buf, size_t n) {
    bg_result = spiflash_read(offset, buf, n);
    return 0;
}

int spiflash_read_wait(void) {
    int r = bg_result;
    bg_result = 0;
    return r;
}
