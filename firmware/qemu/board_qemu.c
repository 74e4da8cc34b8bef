// The QEMU_VIRT board: the cross-built firmware on qemu's virt machine. The REPL is the 16550
// UART (receive interrupt through the same PLIC code as the K210), time is the ACLINT mtime,
// the REPL's baud rate and reset work like the simulated board's (firmware/emulated_board.c:
// storage is RAM loaded from image files at start).
#include <string.h>

#include "py/mphal.h"

#include "board.h"
#include "board_hal.h"
#include "k210_main.h"
#include "k210_mmio.h"
#include "clint.h"
#include "ticks.h"
#include "irq.h"
#include "port_uart.h"
#include "qemu_virt.h"

#define UART_RBR_THR  (0u)
#define UART_IER      (1u)
#define UART_FCR      (2u)
#define UART_MCR      (4u)
#define UART_LSR      (5u)
#define LSR_DR        (0x01u)
#define LSR_THRE      (0x20u)

extern int repl_uart_irq_on;

static uint8_t uart_rd(uint32_t off) {
    return *(volatile uint8_t *)(uintptr_t)(VIRT_UART0_BASE + off);
}

static void uart_wr(uint32_t off, uint8_t v) {
    *(volatile uint8_t *)(uintptr_t)(VIRT_UART0_BASE + off) = v;
}

void port_uart_putc(uint8_t c) {
    uint64_t deadline = clint_deadline_us(20000);
    while (!(uart_rd(UART_LSR) & LSR_THRE)) {
        if (clint_expired(deadline)) {
            return;
        }
    }
    uart_wr(UART_RBR_THR, c);
}

int port_uart_getc(void) {
    return (uart_rd(UART_LSR) & LSR_DR) ? uart_rd(UART_RBR_THR) : -1;
}

void board_init(void) {
    clint_init(VIRT_MTIME_HZ);
    // A byte that came in before this point (e.g. the Ctrl-C that skips main.py, sent as soon as
    // the host connects) waits in RBR; turning the FIFOs on resets the receiver and would drop it.
    repl_uart_rx_isr();
    uart_wr(UART_FCR, 0x07);   // FIFOs on and cleared
    uart_wr(UART_MCR, 0x08);   // OUT2: interrupt line to the PLIC
    uart_wr(UART_IER, 0x01);   // received data available
    irq_attach(VIRT_UART0_IRQ, repl_uart_rx_isr);
    repl_uart_irq_on = 1;
    irq_global_enable(1);
}

// qemu virt's K210 stand-in has no RTC peripheral: the wall clock is mtime plus a base.
int board_rtc_set(uint64_t epoch_s) {
    ticks_set_wall(epoch_s);
    return 0;
}

// QEMU has no clock tree: machine.freq() reports the K210 figure scripts expect.
uint32_t board_cpu_freq(void) {
    return BOARD_CPU_HZ;
}

size_t board_unique_id(uint8_t *buf, size_t len) {
    static const uint8_t id[8] = { 'q', 'e', 'm', 'u', 'v', 'i', 'r', 't' };
    size_t n = len < sizeof(id) ? len : sizeof(id);
    memcpy(buf, id, n);
    return n;
}

int board_boot_interrupted(void) {
    return repl_uart_boot_interrupted();
}

void board_fatal(void) {
    *(volatile uint32_t *)(uintptr_t)VIRT_TEST_BASE = (3u << 16) | 0x3333u;   // qemu exits with status 3
    for (;;) {
        __asm__ volatile ("wfi");
    }
}

void board_start(void) {
    k210_main();
    board_fatal();
}
