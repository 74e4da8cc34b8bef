// DMA controller: one peripheral-to-memory block transfer at a time (the KPU's output stream).
#ifndef K210_DMAC_H
#define K210_DMAC_H

#include <stdint.h>

// Copies beats 64-bit words from the fixed device address src to dst (bus address), paced by
// the hardware request routed to the channel through SYSCTL (request = DMA_SELECT_*).
int dmac_start_from_device(int channel, uint32_t request, uint64_t src, uint64_t dst, uint32_t beats);
// The same with 32-bit beats (an SSI data register).
int dmac_start_from_device32(int channel, uint32_t request, uint64_t src, uint64_t dst, uint32_t beats);
int dmac_wait(int channel, uint64_t deadline);   // 0 or -ETIMEDOUT (the channel is then disabled)
void dmac_stop(int channel);

#endif
