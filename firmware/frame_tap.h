// The host preview's board side (`k210 view`, `k210 snapshot`; docs/host-protocol.md section 8).
// The port's UART receive path hands every byte to frame_tap_rx, which takes frame requests out of
// the REPL input; the main context answers them with frame_tap_serve between bytecodes (the VM
// loop hook in mpconfigport.h), while waiting for input and in delays, so a script in a loop is
// previewed without printing anything. The frame is the lcd module's lcd_shadow() (lcd_hw.h), kept
// only once a request has attached the preview (lcd_preview_attach), so a board nobody previews
// spends no memory on it; a frame drawn before the first request is therefore not seen. A request
// with FRAME_WIRE_REQ_SNAPSHOT gets the sensor's last snapshot instead (camera_hw.h; no copy).
#ifndef K210_FRAME_TAP_H
#define K210_FRAME_TAP_H

#include <stddef.h>
#include <stdint.h>

#include "frame_wire.h"

extern volatile int frame_tap_pending;   // a request waits for frame_tap_serve

// Receive path (interrupt or reader thread): returns how many bytes of out[] (room for
// FRAME_WIRE_REQ_BYTES) go on to the REPL as input.
size_t frame_tap_rx(uint8_t c, uint8_t *out);

// on: the line carries binary data (machine.repl_binary, k210xfer's blocks): every byte is input.
void frame_tap_binary(int on);

// Main context: answers the pending request, if any, on the REPL UART (one whole packet).
void frame_tap_serve(void);

#endif
