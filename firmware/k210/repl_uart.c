// The REPL over a polled/interrupt-driven UART: a receive ring filled from the UART interrupt
// (and by polling while waiting, in case a byte arrived with interrupts off), the interrupt
// character turned into KeyboardInterrupt at once, and picolibc's stdio bound to the same UART.
#include <stdio.h>

#include "py/runtime.h"
#include "py/mphal.h"
#include "py/stream.h"
#include "shared/runtime/interrupt_char.h"

#include "frame_tap.h"
#include "port_uart.h"

#define RX_RING_BYTES (4096u)
#define BOOT_SKIP_MS  (200u)
#define CTRL_C        (3)

static uint8_t ring[RX_RING_BYTES];
static volatile uint32_t head, tail;   // head: next write (ISR), tail: next read
static volatile int boot_ctrl_c;
int repl_uart_irq_on;                  // set by the port once the receive interrupt is wired

// Main-context access to the ring: the receive interrupt must not run meanwhile.
static unsigned long irq_save(void) {
    unsigned long s;
    __asm__ volatile ("csrrci %0, mstatus, 8" : "=r"(s));
    return s & 8u;
}
static void irq_restore(unsigned long s) {
    if (s) {
        __asm__ volatile ("csrsi mstatus, 8");
    }
}

static void poll_rx(void) {
    unsigned long s = irq_save();
    repl_uart_rx_isr();
    irq_restore(s);
}

static void rx_byte(int c) {
    if (c == CTRL_C && mp_hal_ticks_ms() < BOOT_SKIP_MS) {
        boot_ctrl_c = 1;
    }
    if (c == mp_interrupt_char) {
        head = tail = 0;           // like other ports: pending input is dropped
        mp_sched_keyboard_interrupt();
        return;
    }
    uint32_t next = (head + 1) % RX_RING_BYTES;
    if (next != tail) {            // full: the byte is lost, as with a UART overrun
        ring[head] = (uint8_t)c;
        head = next;
    }
}

void repl_uart_rx_isr(void) {
    int c;
    while ((c = port_uart_getc()) >= 0) {
        // frame requests of the host preview leave the input here (firmware/frame_tap.c)
        uint8_t pass[FRAME_WIRE_REQ_BYTES];
        size_t np = frame_tap_rx((uint8_t)c, pass);
        for (size_t k = 0; k < np; k++) {
            rx_byte(pass[k]);
        }
    }
}

// Waits out the first BOOT_SKIP_MS after reset so a Ctrl-C sent at power-up is seen.
int repl_uart_boot_interrupted(void) {
    while (mp_hal_ticks_ms() < BOOT_SKIP_MS && !boot_ctrl_c) {
        poll_rx();
    }
    unsigned long s = irq_save();
    if (boot_ctrl_c) {
        // the Ctrl-C itself sits in the ring when no script was running: drop it
        uint32_t h = head;
        if (h != tail && ring[(h + RX_RING_BYTES - 1) % RX_RING_BYTES] == CTRL_C) {
            head = (h + RX_RING_BYTES - 1) % RX_RING_BYTES;
        }
    }
    int r = boot_ctrl_c;
    boot_ctrl_c = 0;
    irq_restore(s);
    return r;
}

int mp_hal_stdin_rx_chr(void) {
    for (;;) {
        mp_handle_pending(true);
        frame_tap_serve();
        unsigned long s = irq_save();
        repl_uart_rx_isr();
        int c = -1;
        if (tail != head) {
            c = ring[tail];
            tail = (tail + 1) % RX_RING_BYTES;
        } else if (repl_uart_irq_on) {
            // with interrupts off, so a byte arriving now cannot slip in before the sleep:
            // a pending interrupt still ends wfi, and the handler runs once they are back on
            __asm__ volatile ("wfi");
        }
        irq_restore(s);
        if (c >= 0) {
            frame_tap_serve();   // a request that arrived before this byte is answered first
            return c;
        }
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, mp_uint_t len) {
    for (mp_uint_t i = 0; i < len; i++) {
        port_uart_putc((uint8_t)str[i]);
    }
    return len;
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    uintptr_t ret = 0;
    poll_rx();
    if ((poll_flags & MP_STREAM_POLL_RD) && tail != head) {
        ret |= MP_STREAM_POLL_RD;
    }
    if (poll_flags & MP_STREAM_POLL_WR) {
        ret |= MP_STREAM_POLL_WR;
    }
    return ret;
}

// picolibc stdio (printf from C code): the same UART, newline as CR LF
static int f_putc(char c, FILE *f) {
    (void)f;
    if (c == '\n') {
        port_uart_putc('\r');
    }
    port_uart_putc((uint8_t)c);
    return (unsigned char)c;
}
static int f_getc(FILE *f) {
    (void)f;
    return mp_hal_stdin_rx_chr();
}
static FILE stdio_file = FDEV_SETUP_STREAM(f_putc, f_getc, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &stdio_file;
__strong_reference(stdin, stdout);
__strong_reference(stdin, stderr);
