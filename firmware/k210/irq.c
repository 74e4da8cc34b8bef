// PLIC (0x0C000000) on hart 0's machine context: priority per source, enable bits, threshold
// 0, claim/complete. Exceptions are fatal and reported with their cause and address.
#include <stdio.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "board_hal.h"
#include "irq.h"
#include "port_uart.h"

#define MAX_IRQ      (64u)
#define MIE_MEIE     (1u << 11)
#define MSTATUS_MIE  (1u << 3)

static irq_handler_t handlers[MAX_IRQ];

void irq_attach(uint32_t irq, irq_handler_t handler) {
    if (irq == 0 || irq >= MAX_IRQ) {
        return;
    }
    handlers[irq] = handler;
    mmio_write32(PLIC_BASE + PLIC_PRIORITY(irq), 1);
    mmio_update32(PLIC_BASE + PLIC_ENABLE(0, irq), 1u << (irq % 32), 1u << (irq % 32));
    mmio_write32(PLIC_BASE + PLIC_THRESHOLD(0), 0);
    __asm__ volatile ("csrs mie, %0" :: "r"(MIE_MEIE));
}

void irq_global_enable(int on) {
    if (on) {
        __asm__ volatile ("csrs mstatus, %0" :: "r"(MSTATUS_MIE));
    } else {
        __asm__ volatile ("csrc mstatus, %0" :: "r"(MSTATUS_MIE));
    }
}

static void put_hex(const char *label, uint64_t v) {
    for (const char *p = label; *p; p++) {
        port_uart_putc((uint8_t)*p);
    }
    for (int i = 60; i >= 0; i -= 4) {
        port_uart_putc((uint8_t)"0123456789abcdef"[(v >> i) & 0xF]);
    }
}

void trap_handler(uint64_t mcause, uint64_t mepc) {
    if ((int64_t)mcause < 0 && (mcause & 0xFF) == 11) {   // machine external interrupt
        uint32_t irq;
        while ((irq = mmio_read32(PLIC_BASE + PLIC_CLAIM(0))) != 0) {
            if (irq < MAX_IRQ && handlers[irq]) {
                handlers[irq]();
            }
            mmio_write32(PLIC_BASE + PLIC_CLAIM(0), irq);
        }
        return;
    }
    uint64_t mtval;
    __asm__ volatile ("csrr %0, mbadaddr" : "=r"(mtval));
    put_hex("\r\nk210: FATAL trap, mcause 0x", mcause);
    put_hex(" mepc 0x", mepc);
    put_hex(" mtval 0x", mtval);
    port_uart_putc('\r');
    port_uart_putc('\n');
    board_fatal();
}
