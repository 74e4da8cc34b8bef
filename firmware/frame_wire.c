// The frame wire format (frame_wire.h; docs/host-protocol.md section 8). The encoder streams
// through a small buffer: a frame is never copied, whatever its size.
#include <errno.h>
#include <string.h>

#include "crc32.h"
#include "frame_wire.h"

#define OUT_CHUNK (256u)

// A packet under construction: bytes go out through write in OUT_CHUNK pieces, CRC-32 running;
// with write NULL it only counts (the RLE size pass).
typedef struct {
    frame_wire_write_fn write;
    void *ctx;
    uint8_t buf[OUT_CHUNK];
    size_t fill;
    size_t count;
    uint32_t crc;
} out_t;

static void out_flush(out_t *o) {
    if (o->write != NULL && o->fill > 0) {
        o->crc = crc32_update(o->crc, o->buf, o->fill);
        o->write(o->ctx, o->buf, o->fill);
    }
    o->fill = 0;
}

static void out_byte(out_t *o, uint8_t b) {
    o->count++;
    if (o->write == NULL) {
        return;
    }
    o->buf[o->fill++] = b;
    if (o->fill == OUT_CHUNK) {
        out_flush(o);
    }
}

static void out_u16(out_t *o, unsigned v) {
    out_byte(o, (uint8_t)v);
    out_byte(o, (uint8_t)(v >> 8));
}

static void out_u32(out_t *o, uint32_t v) {
    out_u16(o, v & 0xffffu);
    out_u16(o, v >> 16);
}

unsigned frame_wire_scaled(unsigned n, unsigned shift) {
    unsigned s = n >> shift;
    return (s == 0 && n > 0) ? 1u : s;
}

// Pixel k of the downscaled frame (nearest: the top-left source pixel of its block), as RGB565.
static uint16_t pixel(const frame_wire_src_t *src, unsigned shift, unsigned w, size_t k) {
    unsigned y = (unsigned)(k / w), x = (unsigned)(k % w);
    size_t i = (size_t)(y << shift) * src->stride + (x << shift);
    if (src->gray != NULL) {
        unsigned l = src->gray[i];
        return (uint16_t)(((l & 0xf8u) << 8) | ((l & 0xfcu) << 3) | (l >> 3));
    }
    uint16_t v = src->px[i];
    return src->swap ? (uint16_t)((v >> 8) | (v << 8)) : v;
}

static void rle_encode(const frame_wire_src_t *src, unsigned shift, out_t *o) {
    unsigned w = frame_wire_scaled(src->w, shift);
    size_t n = (size_t)w * frame_wire_scaled(src->h, shift);
    size_t i = 0;
    while (i < n) {
        uint16_t v = pixel(src, shift, w, i);
        size_t r = 1;
        while (i + r < n && r < 129 && pixel(src, shift, w, i + r) == v) {
            r++;
        }
        if (r >= 2) {
            out_byte(o, (uint8_t)(r + 126));
            out_u16(o, v);
            i += r;
            continue;
        }
        // literal: up to 128 pixels, stopping before two equal neighbours (they make a run)
        size_t j = i + 1;
        while (j < n && j - i < 128) {
            if (j + 1 < n && pixel(src, shift, w, j + 1) == pixel(src, shift, w, j)) {
                break;
            }
            j++;
        }
        out_byte(o, (uint8_t)(j - i - 1));
        for (size_t k = i; k < j; k++) {
            out_u16(o, pixel(src, shift, w, k));
        }
        i = j;
    }
}

size_t frame_wire_rle_bytes(const frame_wire_src_t *src, unsigned shift) {
    out_t o = { 0 };
    rle_encode(src, shift, &o);
    return o.count;
}

static void send_head(out_t *o, unsigned encoding, unsigned shift, unsigned source, unsigned w, unsigned h,
    uint32_t frame_no, uint32_t payload) {
    // the magic is outside the CRC: written straight through
    o->write(o->ctx, (const uint8_t *)FRAME_WIRE_MAGIC, FRAME_WIRE_MAGIC_BYTES);
    out_byte(o, FRAME_WIRE_VERSION);
    out_byte(o, (uint8_t)encoding);
    out_byte(o, (uint8_t)shift);
    out_byte(o, (uint8_t)source);
    out_u16(o, w);
    out_u16(o, h);
    out_u32(o, frame_no);
    out_u32(o, payload);
}

static void send_tail(out_t *o) {
    out_flush(o);
    uint32_t crc = o->crc;
    uint8_t t[4] = { (uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24) };
    o->write(o->ctx, t, sizeof(t));
}

int frame_wire_send_frame(const frame_wire_src_t *src, unsigned shift, int allow_rle, uint32_t frame_no,
    frame_wire_write_fn write, void *ctx) {
    if (shift > 3 || src->w > 0xffffu || src->h > 0xffffu || src->w == 0 || src->h == 0) {
        return -EINVAL;
    }
    unsigned w = frame_wire_scaled(src->w, shift), h = frame_wire_scaled(src->h, shift);
    size_t raw = (size_t)w * h * 2u;
    if (raw > 0xffffffffu) {
        return -EINVAL;   // the length field is 32 bits
    }
    size_t rle = allow_rle ? frame_wire_rle_bytes(src, shift) : raw;
    int enc = rle < raw ? FRAME_WIRE_RLE : FRAME_WIRE_RAW;
    out_t o = { .write = write, .ctx = ctx };
    send_head(&o, (unsigned)enc, shift, src->source, w, h, frame_no, (uint32_t)(enc == FRAME_WIRE_RLE ? rle : raw));
    if (enc == FRAME_WIRE_RLE) {
        rle_encode(src, shift, &o);
    } else {
        for (size_t k = 0; k < (size_t)w * h; k++) {
            out_u16(&o, pixel(src, shift, w, k));
        }
    }
    send_tail(&o);
    return enc;
}

void frame_wire_send_status(frame_wire_encoding_t status, frame_wire_source_t source, uint32_t frame_no,
    unsigned w, unsigned h, frame_wire_write_fn write, void *ctx) {
    out_t o = { .write = write, .ctx = ctx };
    send_head(&o, (unsigned)status, 0, source, w & 0xffffu, h & 0xffffu, frame_no, 0);
    send_tail(&o);
}

static const uint8_t req_prefix[3] = { 0x1b, 0x1b, 'F' };

int frame_wire_req_feed(frame_wire_req_parser_t *p, uint8_t c, frame_wire_req_t *req, uint8_t *out,
    size_t *n_out) {
    *n_out = 0;
    if (p->n == 2 && c == req_prefix[0]) {
        // ESC ESC ESC: the first ESC was input, the last two may still start a request
        out[(*n_out)++] = p->held[0];
        return 0;
    }
    if (p->n < sizeof(req_prefix) && c != req_prefix[p->n]) {
        // not a request: what was held goes on as input; c may start a new one
        memcpy(out, p->held, p->n);
        *n_out = p->n;
        p->n = 0;
        if (c == req_prefix[0]) {
            p->held[p->n++] = c;
        } else {
            out[(*n_out)++] = c;
        }
        return 0;
    }
    p->held[p->n++] = c;
    if (p->n < FRAME_WIRE_REQ_BYTES) {
        return 0;
    }
    req->flags = p->held[3];
    req->have = (uint32_t)p->held[4] | ((uint32_t)p->held[5] << 8) | ((uint32_t)p->held[6] << 16)
        | ((uint32_t)p->held[7] << 24);
    p->n = 0;
    return 1;
}
