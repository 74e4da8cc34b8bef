// The host preview's board side (frame_tap.h): request recognition on the receive path, answers
// from the main context through the REPL's stdout, so packets never split a REPL write.
#include "py/mphal.h"
#include "py/runtime.h"

#include "camera_hw.h"
#include "frame_tap.h"
#include "lcd_hw.h"
#include "lcd_preview.h"

volatile int frame_tap_pending;
static volatile uint8_t req_flags;
static volatile uint32_t req_have;
static frame_wire_req_parser_t parser;   // touched only by the receive path
static int serving;
static volatile int binary;

// The shadow holds RGB565 values in the K210's little-endian order (modules/vision/img.h); a
// port whose shadow were byte-swapped for its LCD's DMA would define this as 1.
#ifndef LCD_SHADOW_SWAPPED
#define LCD_SHADOW_SWAPPED (0)
#endif

// The lcd module (modules/vision/modlcd.c) keeps its shadow copy only while told a preview is
// attached (lcd_preview.h); every request tells it, from the main context.

size_t frame_tap_rx(uint8_t c, uint8_t *out) {
    if (binary && parser.n == 0) {
        out[0] = c;    // binary transfer in progress: every byte is data
        return 1;
    }
    frame_wire_req_t req;
    size_t n;
    if (frame_wire_req_feed(&parser, c, &req, out, &n)) {
        // a newer request replaces one not yet answered: the host wants the latest frame
        req_flags = req.flags;
        req_have = req.have;
        frame_tap_pending = 1;
    }
    return n;
}

void frame_tap_binary(int on) {
    binary = on;
}

static void tx(void *ctx, const uint8_t *data, size_t n) {
    (void)ctx;
    mp_hal_stdout_tx_strn((const char *)data, n);
}

void frame_tap_serve(void) {
    if (!frame_tap_pending || serving || binary) {
        return;   // during a binary transfer the answer waits: its bytes would land in the data
    }
    serving = 1;
    frame_tap_pending = 0;
    uint8_t flags = req_flags;
    uint32_t have = req_have;
    frame_wire_source_t source = (flags & FRAME_WIRE_REQ_SNAPSHOT) ? FRAME_WIRE_SNAPSHOT : FRAME_WIRE_LCD;
    unsigned w = 0, h = 0;
    uint32_t frame_no = 0;
    int gray = 0;
    const void *px = NULL;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        // between bytecodes of the user's script: an error here must not surface as its own
        lcd_preview_attach(true);   // frames drawn from now on are kept for the host (cheap when on)
        px = source == FRAME_WIRE_SNAPSHOT ? sensor_last_frame(&w, &h, &gray, &frame_no)
                                           : (const void *)lcd_shadow(&w, &h, &frame_no);
        nlr_pop();
    } else {
        px = NULL;
    }
    unsigned shift = flags & FRAME_WIRE_REQ_SHIFT;
    if (px == NULL || w == 0 || h == 0) {
        frame_wire_send_status(FRAME_WIRE_NONE, source, 0, 0, 0, tx, NULL);
    } else if (frame_no == have) {
        frame_wire_send_status(FRAME_WIRE_UNCHANGED, source, frame_no, frame_wire_scaled(w, shift),
            frame_wire_scaled(h, shift), tx, NULL);
    } else {
        frame_wire_src_t src = { .w = w, .h = h, .stride = w, .source = source };
        if (gray) {
            src.gray = px;
        } else {
            src.px = px;
            src.swap = source == FRAME_WIRE_LCD && LCD_SHADOW_SWAPPED;
        }
        frame_wire_send_frame(&src, shift, !(flags & FRAME_WIRE_REQ_RAW), frame_no, tx, NULL);
    }
    serving = 0;
}
