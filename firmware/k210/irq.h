// Machine-mode interrupts through the PLIC (shared by the K210 boards and QEMU virt).
#ifndef K210_IRQ_H
#define K210_IRQ_H

#include <stdint.h>

typedef void (*irq_handler_t)(void);

// Routes PLIC source irq to handler on hart 0 and enables machine external interrupts.
void irq_attach(uint32_t irq, irq_handler_t handler);
void irq_global_enable(int on);
void trap_handler(uint64_t mcause, uint64_t mepc);

#endif
