// A real K210 board: clocks, pins from boards/<NAME>/board.h, the UARTHS REPL with its receive
// interrupt, resets, and the entry from start.S.
#include <errno.h>
#include <string.h>

#include "py/mphal.h"

#include "board.h"
#include "board_hal.h"
#include "k210_main.h"
#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "fpioa.h"
#include "gpiohs.h"
#include "irq.h"
#include "port_uart.h"
#include "rtc.h"
#include "spi.h"
#include "spiflash.h"
#include "sysctl.h"
#include "uarths.h"
#include "ticks.h"
#include <stdbool.h>   // timeutils.h uses bool without including it
#include "shared/timeutils/timeutils.h"

extern int repl_uart_irq_on;

static const fpioa_map_t pins[] = BOARD_PINS;
static uint32_t cpu_hz = K210_IN0_HZ;

void port_uart_putc(uint8_t c) {
    uarths_putc(c);   // a stalled FIFO drops the byte after a bounded wait
}

int port_uart_getc(void) {
    return uarths_getc();
}

void board_init(void) {
    cpu_hz = sysctl_clocks_init(BOARD_CPU_HZ, BOARD_KPU_HZ);
    clint_init(cpu_hz / K210_CLINT_DIV);
    fpioa_apply(pins, sizeof(pins) / sizeof(pins[0]));
#ifdef BOARD_DESELECT_GPIOHS
    gpiohs_output(BOARD_DESELECT_GPIOHS, 1);   // another device on the SD bus stays off it
#endif
    uarths_init(cpu_hz, BOARD_REPL_BAUD);
    uarths_rx_irq_enable(1);
    irq_attach(K210_IRQ_UARTHS, repl_uart_rx_isr);
    repl_uart_irq_on = 1;
    irq_global_enable(1);
    rtc_init();
    board_rtc_set(TICKS_DEFAULT_EPOCH_S);
}

// Loads the RTC, then takes the wall clock from what the RTC reads back.
int board_rtc_set(uint64_t epoch_s) {
    timeutils_struct_time_t tm;
    timeutils_seconds_since_epoch_to_struct_time(epoch_s, &tm);
    rtc_datetime_t t = {
        .year = tm.tm_year, .month = tm.tm_mon, .mday = tm.tm_mday, .wday = tm.tm_wday,
        .hour = tm.tm_hour, .minute = tm.tm_min, .second = tm.tm_sec,
    };
    int r = rtc_set(&t);
    if (r == 0) {
        r = rtc_get(&t);
    }
    if (r != 0) {
        return r;
    }
    ticks_set_wall(timeutils_mktime(t.year, t.month, t.mday, t.hour, t.minute, t.second));
    return 0;
}

uint32_t board_cpu_freq(void) {
    return cpu_hz;
}

static uint32_t repl_baud = BOARD_REPL_BAUD;

// board_hal.h: 0 reads the rate; otherwise the queued output leaves at the old rate first.
int32_t board_repl_baud(uint32_t baud) {
    if (baud == 0) {
        return (int32_t)repl_baud;
    }
    if (uarths_divisor(cpu_hz, baud) == 0) {
        return -EINVAL;
    }
    uint64_t deadline = clint_deadline_us(20000);
    while (!uarths_tx_idle() && !clint_expired(deadline)) {
    }
    clint_delay_us(200);   // the shift register empties after the FIFO
    uarths_init(cpu_hz, baud);
    repl_baud = baud;
    return 0;
}

// The flash's factory-programmed 64-bit unique id (command 0x4B, four dummy bytes).
size_t board_unique_id(uint8_t *buf, size_t len) {
    uint8_t cmd[5] = { 0x4B, 0, 0, 0, 0 }, id[8];
    if (spiflash_init() != 0 || spi_command(&spi3_bus, cmd, sizeof(cmd), NULL, 0, id, sizeof(id)) != 0) {
        return 0;
    }
    size_t n = len < sizeof(id) ? len : sizeof(id);
    memcpy(buf, id, n);
    return n;
}

void board_reset(void) {
    uint64_t deadline = clint_deadline_us(20000);   // let "soft reboot" and the prompt leave
    while (!uarths_tx_idle() && !clint_expired(deadline)) {
    }
    clint_delay_us(1000);
    sysctl_soc_reset();
}

int board_reset_requested(void) {
    return 0;   // board_reset() never returns on a board
}

int board_boot_interrupted(void) {
    return repl_uart_boot_interrupted();
}

void board_fatal(void) {
    irq_global_enable(0);
    for (;;) {
        __asm__ volatile ("wfi");
    }
}

void board_start(void) {
    k210_main();
    board_fatal();
}
