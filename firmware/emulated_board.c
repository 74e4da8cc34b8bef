// What the two emulated boards (the simulated board, firmware/sim/, and QEMU virt, firmware/qemu/)
// share of board_hal.h: a REPL with no line rate and a reset that restarts the firmware from main.
#include "board_hal.h"

// A pty or qemu's UART has no line rate: the number is kept so the host's switch protocol
// (firmware/py/k210xfer.py) is still a real step.
static uint32_t repl_baud = 115200;

int32_t board_repl_baud(uint32_t baud) {
    if (baud == 0) {
        return (int32_t)repl_baud;
    }
    repl_baud = baud;
    return 0;
}

// The firmware restarts from main with storage remounted when the interpreter unwinds there; a
// machine reset of qemu would reload the storage images from their files and lose what was written.
static int reset_pending;

void board_reset(void) {
    reset_pending = 1;
}

int board_reset_requested(void) {
    int r = reset_pending;
    reset_pending = 0;
    return r;
}
