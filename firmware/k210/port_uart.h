// The REPL UART's byte-level hooks (UARTHS on a K210, the 16550 on QEMU virt) and the shared
// buffered REPL layer above them (repl_uart.c).
#ifndef K210_PORT_UART_H
#define K210_PORT_UART_H

#include <stdint.h>

void port_uart_putc(uint8_t c);   // waits (bounded) for room
int port_uart_getc(void);         // a byte or -1

void repl_uart_rx_isr(void);      // drains the receiver into the REPL ring (interrupt or poll)
int repl_uart_boot_interrupted(void);   // Ctrl-C arrived within BOOT_SKIP_MS of reset

#endif
