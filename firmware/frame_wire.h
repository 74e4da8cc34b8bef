// The frame wire format of the host preview (`k210 view`, `k210 snapshot`; docs/host-protocol.md
// section 8): the request the host sends on the REPL line and the packet the board answers with.
// A frame is the LCD's or the camera's last snapshot, as the request asks.
// Plain C, no MicroPython: firmware/frame_tap.c drives it on a board, tests/hostlibs on the host.
#ifndef K210_FRAME_WIRE_H
#define K210_FRAME_WIRE_H

#include <stddef.h>
#include <stdint.h>

// Request: ESC ESC 'F' <flags u8> <frame_no the host already has, u32 LE> (8 bytes).
#define FRAME_WIRE_REQ_BYTES   (8u)
#define FRAME_WIRE_REQ_SHIFT   (0x03u)   // flags bits 0-1: downscale by 1 << shift (0..3)
#define FRAME_WIRE_REQ_RAW     (0x04u)   // flags bit 2: never RLE (raw RGB565 only)
#define FRAME_WIRE_REQ_SNAPSHOT (0x08u)  // flags bit 3: the camera's last snapshot, not the LCD
#define FRAME_WIRE_NO_FRAME    (0xffffffffu)   // "have" value: the host has no frame yet

// Packet: magic 00 FB 'K' 'F', then a 16-byte header (version, encoding, shift, source, w u16,
// h u16, frame_no u32, payload length u32), the payload, and the CRC-32 of header + payload (u32 LE).
#define FRAME_WIRE_MAGIC       "\x00\xfb" "KF"
#define FRAME_WIRE_MAGIC_BYTES (4u)
#define FRAME_WIRE_HEAD_BYTES  (20u)     // magic + header
#define FRAME_WIRE_VERSION     (1u)

// What a packet shows (header byte 7).
typedef enum {
    FRAME_WIRE_LCD = 0,
    FRAME_WIRE_SNAPSHOT = 1,   // the frame the last sensor.snapshot() filled (and what was drawn on it)
} frame_wire_source_t;

typedef enum {
    FRAME_WIRE_RAW = 0,        // w*h pixels, RGB565 values (r in bits 15-11) as u16 LE
    FRAME_WIRE_RLE = 1,        // PackBits over pixels: c < 128: c+1 literal pixels; else c-126 repeats
    FRAME_WIRE_UNCHANGED = 2,  // the frame the host has is current; no payload
    FRAME_WIRE_NONE = 3,       // nothing to show (no lcd.display() / snapshot yet, or no such module); no payload
} frame_wire_encoding_t;

// A frame as the sender sees it: w*h pixels of RGB565 values, rows `stride` pixels apart.
// swap: the stored u16 has its two bytes exchanged (the order the LCD's SPI DMA wants).
// gray: instead of px, 8-bit luma values (a GRAYSCALE snapshot), sent as RGB565 greys.
typedef struct {
    const uint16_t *px;
    unsigned w, h, stride;
    int swap;
    const uint8_t *gray;
    frame_wire_source_t source;
} frame_wire_src_t;

typedef void (*frame_wire_write_fn)(void *ctx, const uint8_t *data, size_t n);

// Size after downscaling by 1 << shift (integer division; at least 1 if the source has pixels).
unsigned frame_wire_scaled(unsigned n, unsigned shift);
// Payload bytes of the RLE encoding of src at this shift (a pass that writes nothing).
size_t frame_wire_rle_bytes(const frame_wire_src_t *src, unsigned shift);
// Writes one whole packet (magic to CRC) for src through write; RLE when allowed and smaller.
// Returns the encoding used, or -EINVAL for a shift above 3, an empty frame, a side above 65535
// or a payload beyond 4 GiB.
int frame_wire_send_frame(const frame_wire_src_t *src, unsigned shift, int allow_rle, uint32_t frame_no,
    frame_wire_write_fn write, void *ctx);
// Writes a packet without payload: FRAME_WIRE_UNCHANGED or FRAME_WIRE_NONE.
void frame_wire_send_status(frame_wire_encoding_t status, frame_wire_source_t source, uint32_t frame_no,
    unsigned w, unsigned h, frame_wire_write_fn write, void *ctx);

// The request recogniser, fed every received byte. Bytes that turn out not to be a request are
// handed back (up to FRAME_WIRE_REQ_BYTES at a time) to go where the byte would have gone.
typedef struct {
    uint8_t held[FRAME_WIRE_REQ_BYTES];
    uint8_t n;
} frame_wire_req_parser_t;

typedef struct {
    uint8_t flags;
    uint32_t have;
} frame_wire_req_t;

// Returns 1 when c completed a request (*req filled), else 0; *n_out bytes in out[] (room for
// FRAME_WIRE_REQ_BYTES) are ordinary input to pass on, in order.
int frame_wire_req_feed(frame_wire_req_parser_t *p, uint8_t c, frame_wire_req_t *req, uint8_t *out,
    size_t *n_out);

#endif
