// UARTHS: the K210's high-speed UART on IO4/IO5 (REPL and ISP), clocked by the CPU clock.
#ifndef K210_UARTHS_H
#define K210_UARTHS_H

#include <stdint.h>

// Sets 8N1 at baud for a CPU clock of cpu_hz, TX and RX on; returns the exact baud obtained,
// or 0 (-EINVAL) when the divisor would not fit 16 bits or be below 1.
uint32_t uarths_init(uint32_t cpu_hz, uint32_t baud);
uint32_t uarths_divisor(uint32_t cpu_hz, uint32_t baud);   // the DIV register value
int uarths_putc(uint8_t c);       // 0, or -ETIMEDOUT if the TX FIFO stays full
int uarths_getc(void);            // a byte, or -1 when the RX FIFO is empty
void uarths_rx_irq_enable(int on);
int uarths_tx_idle(void);         // TX FIFO has room (all queued bytes about to leave)

#endif
