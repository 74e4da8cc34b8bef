// Core-local timer (CLINT mtime): ticks, deadlines and busy-wait delays for every driver.
#ifndef K210_CLINT_H
#define K210_CLINT_H

#include <stdint.h>

void clint_init(uint32_t mtime_hz);   // mtime rate: CPU / 50 on a K210, 10 MHz on QEMU virt
uint32_t clint_hz(void);
uint64_t clint_time(void);
uint64_t clint_deadline_us(uint32_t us);
int clint_expired(uint64_t deadline);
void clint_delay_us(uint32_t us);

#endif
