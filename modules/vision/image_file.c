// image.Image's files: save() as BMP, PPM or PGM, and image.Image(path) for BMP, PGM/PPM and
// baseline JPEG (img_codec.h), the file read into a temporary ledger block that a failure frees.
#include <stdio.h>
#include <string.h>

#include "py/runtime.h"
#include "py/stream.h"
#include "py/builtin.h"

#include "image_bind.h"
#include "img_codec.h"
#include "ledger_buf.h"

static void write_all(mp_obj_t f, const void *buf, size_t n, mp_obj_t path) {
    int err;
    if (mp_stream_rw(f, (void *)buf, n, &err, MP_STREAM_RW_WRITE) != n) {
        mp_stream_close(f);
        mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("image.save: writing %s failed (errno %d)"),
            mp_obj_str_get_str(path), err);
    }
}

static bool ends_with(const char *s, size_t n, const char *ext) {
    size_t k = strlen(ext);
    if (n < k) {
        return false;
    }
    for (size_t i = 0; i < k; i++) {
        char c = s[n - k + i];
        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != ext[i]) {
            return false;
        }
    }
    return true;
}

// BMP (24-bit, bottom-up), PPM (P6) or PGM (P5), by the name's extension.
static mp_obj_t image_save(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = image_self(args[0]);
    size_t n;
    const char *path = mp_obj_str_get_data(args[1], &n);
    int kind = ends_with(path, n, ".bmp") ? 0 : ends_with(path, n, ".ppm") ? 1 : ends_with(path, n, ".pgm") ? 2 : -1;
    if (kind < 0) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("image.save('%s'): writes .bmp, .ppm or .pgm (JPEG encoding is not supported)"), path);
    }
    if (kind == 2 && o->fmt != IMG_GRAYSCALE) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("image.save('%s'): a PGM holds grayscale; call to_grayscale() first or save as .ppm/.bmp"), path);
    }
    img_t im = image_view(o);
    mp_obj_t f = mp_call_function_2(MP_OBJ_FROM_PTR(&mp_builtin_open_obj), args[1], MP_OBJ_NEW_QSTR(MP_QSTR_wb));
    uint8_t head[54];
    size_t stride = ((size_t)o->w * 3 + 3) & ~(size_t)3;
    if (kind == 0) {
        uint32_t data = (uint32_t)(stride * o->h);
        uint32_t fields[] = { 54 + data, 0, 54, 40, o->w, o->h };
        memset(head, 0, sizeof(head));
        head[0] = 'B';
        head[1] = 'M';
        for (int i = 0; i < 6; i++) {
            for (int b = 0; b < 4; b++) {
                head[2 + 4 * i + b] = (uint8_t)(fields[i] >> (8 * b));
            }
        }
        head[26] = 1;    // planes
        head[28] = 24;   // bits per pixel
        for (int b = 0; b < 4; b++) {
            head[34 + b] = (uint8_t)(data >> (8 * b));
        }
        write_all(f, head, 54, args[1]);
    } else {
        int len = snprintf((char *)head, sizeof(head), "P%d\n%d %d\n255\n", kind == 1 ? 6 : 5, o->w, o->h);
        write_all(f, head, (size_t)len, args[1]);
    }
    uint8_t chunk[3 * 64];
    for (int r = 0; r < o->h; r++) {
        int y = kind == 0 ? o->h - 1 - r : r;
        for (int x0 = 0; x0 < o->w; x0 += 64) {
            int k = o->w - x0 < 64 ? o->w - x0 : 64;
            size_t m = 0;
            for (int i = 0; i < k; i++) {
                uint32_t v = img_get(&im, x0 + i, y);
                uint8_t rr, gg, bb;
                if (o->fmt == IMG_RGB565) {
                    img_rgb565_to_rgb888((uint16_t)v, &rr, &gg, &bb);
                } else {
                    rr = gg = bb = (uint8_t)v;
                }
                if (kind == 2) {
                    chunk[m++] = rr;
                } else if (kind == 1) {
                    chunk[m++] = rr, chunk[m++] = gg, chunk[m++] = bb;
                } else {
                    chunk[m++] = bb, chunk[m++] = gg, chunk[m++] = rr;
                }
            }
            write_all(f, chunk, m, args[1]);
        }
        if (kind == 0 && stride > (size_t)o->w * 3) {
            static const uint8_t zeros[4];
            write_all(f, zeros, stride - (size_t)o->w * 3, args[1]);   // BMP rows end on 4 bytes
        }
    }
    mp_stream_close(f);
    (void)kw_args;
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_KW(image_save_obj, 2, image_save);

typedef struct {
    img_t im;
} load_sink_t;

static void load_sink(void *ctx, int x, int y, int n, const uint8_t *rgb) {
    img_t *im = &((load_sink_t *)ctx)->im;
    img_t row = { .w = n, .h = 1, .fmt = im->fmt,
                  .px = (uint8_t *)im->px + ((size_t)y * im->w + x) * img_bpp(im->fmt) };
    img_from_rgb888(&row, rgb, (size_t)n * 3);
}

// The whole file in a temporary ledger block, checked, decoded into a new image, then freed.
mp_obj_t image_load(mp_obj_t path, int want_gray) {
    const char *p = mp_obj_str_get_str(path);
    mp_obj_t f = mp_call_function_2(MP_OBJ_FROM_PTR(&mp_builtin_open_obj), path, MP_OBJ_NEW_QSTR(MP_QSTR_rb));
    int err;
    mp_off_t size = mp_stream_seek(f, 0, MP_SEEK_END, &err);
    if (size == (mp_off_t)-1 || mp_stream_seek(f, 0, MP_SEEK_SET, &err) == (mp_off_t)-1) {
        mp_stream_close(f);
        mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("image.Image('%s'): cannot seek (errno %d)"), p, err);
    }
    if (size < 4 || size > 8 * 1024 * 1024) {
        mp_stream_close(f);
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.Image('%s'): %u bytes is not an image file"), p,
            (unsigned)size);
    }
    mp_obj_t raw = ledger_buf_new((size_t)size, "image file");
    image_obj_t *o = NULL;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        size_t n;
        uint8_t *d = ledger_buf_data(raw, &n);
        if (mp_stream_rw(f, d, (size_t)size, &err, MP_STREAM_RW_READ) != (size_t)size) {
            mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("image.Image('%s'): read failed (errno %d)"), p, err);
        }
        img_info_t info;
        char msg[IMG_ERR_LEN];
        if (img_probe(d, (size_t)size, &info, msg) != 0) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.Image('%s'): %s"), p, msg);
        }
        img_fmt_t fmt = want_gray > 0 || (want_gray < 0 && info.gray) ? IMG_GRAYSCALE : IMG_RGB565;
        o = image_new(info.w, info.h, fmt, false, false);
        load_sink_t sink = { .im = image_view(o) };
        if (img_decode(d, (size_t)size, load_sink, &sink, msg) != 0) {
            image_release(o);
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.Image('%s'): %s"), p, msg);
        }
        nlr_pop();
    } else {
        ledger_buf_release(raw);
        mp_stream_close(f);
        nlr_jump(nlr.ret_val);
    }
    ledger_buf_release(raw);
    mp_stream_close(f);
    return MP_OBJ_FROM_PTR(o);
}
