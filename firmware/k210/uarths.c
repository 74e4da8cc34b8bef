// UARTHS (0x38000000): TXDATA bit 31 = FIFO full, RXDATA bit 31 = FIFO empty,
// baud = f_cpu / (DIV + 1), RX watermark interrupt when more than RXCTRL.rxcnt bytes wait.
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "uarths.h"

#define TX_TIMEOUT_US (20000u)   // a byte at 9600 baud takes ~1 ms; 20 ms means no one drains

uint32_t uarths_divisor(uint32_t cpu_hz, uint32_t baud) {
    if (baud == 0) {
        return 0;
    }
    uint32_t div = (cpu_hz + baud / 2) / baud;   // nearest: keeps 1.5 Mbaud at 403 MHz within 0.1 %
    return div >= 2 && div <= 0x10000u ? div - 1 : 0;
}

uint32_t uarths_init(uint32_t cpu_hz, uint32_t baud) {
    uint32_t div = uarths_divisor(cpu_hz, baud);
    if (div == 0) {
        return 0;
    }
    mmio_write32(UARTHS_BASE + UARTHS_DIV, div);
    mmio_write32(UARTHS_BASE + UARTHS_TXCTRL, 1u);           // txen, one stop bit, watermark 0
    mmio_write32(UARTHS_BASE + UARTHS_RXCTRL, 1u);           // rxen, interrupt when >0 bytes wait
    return cpu_hz / (div + 1);
}

int uarths_putc(uint8_t c) {
    uint64_t deadline = 0;
    while (mmio_read32(UARTHS_BASE + UARTHS_TXDATA) & 0x80000000u) {
        if (deadline == 0) {
            deadline = clint_deadline_us(TX_TIMEOUT_US);
        } else if (clint_expired(deadline)) {
            return -ETIMEDOUT;
        }
    }
    mmio_write32(UARTHS_BASE + UARTHS_TXDATA, c);
    return 0;
}

int uarths_getc(void) {
    uint32_t v = mmio_read32(UARTHS_BASE + UARTHS_RXDATA);
    return (v & 0x80000000u) ? -1 : (int)(v & 0xFFu);
}

void uarths_rx_irq_enable(int on) {
    mmio_write32(UARTHS_BASE + UARTHS_IE, on ? 2u : 0u);
}

int uarths_tx_idle(void) {
    return !(mmio_read32(UARTHS_BASE + UARTHS_TXDATA) & 0x80000000u);
}
