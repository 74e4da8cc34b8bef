// The `image` module (MaixPy's names): Image objects whose pixels and AI frame live in the ledger
// pool (LedgerBuf), drawing, resize/crop/copy/convert, get/set_pixel, save, and image.Image(path)
// for BMP, PGM/PPM and baseline JPEG. Thin bindings over img_*.c; the buffer protocol of an Image
// is its AI frame (planar, what a model reads), so kpu.forward(m, img) uses it in place.
#include <stdio.h>
#include <string.h>

#include "py/runtime.h"
#include "py/stream.h"
#include "py/mperrno.h"
#include "py/builtin.h"

#include "ledger_buf.h"
#include "image_obj.h"
#include "img_codec.h"

#define WHITE_RGB 255, 255, 255

static const char *fmt_name(img_fmt_t f) {
    return f == IMG_RGB565 ? "rgb565" : "gray";
}

image_obj_t *image_new(int w, int h, img_fmt_t fmt, bool with_ai, bool clear) {
    if (w < 1 || h < 1 || w > IMG_MAX_SIDE || h > IMG_MAX_SIDE) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image: size %dx%d is invalid (1..%d each)"), w, h,
            IMG_MAX_SIDE);
    }
    image_obj_t *o = mp_obj_malloc(image_obj_t, &image_type);   // the GC object first: nothing to strand
    o->pix = o->ai = MP_OBJ_NULL;
    o->w = (uint16_t)w;
    o->h = (uint16_t)h;
    o->fmt = (uint8_t)fmt;
    char tag[32];
    snprintf(tag, sizeof(tag), "image %dx%d %s", w, h, fmt_name(fmt));
    o->pix = ledger_buf_new(img_bytes(w, h, fmt), tag);
    if (with_ai) {
        nlr_buf_t nlr;
        if (nlr_push(&nlr) == 0) {
            snprintf(tag, sizeof(tag), "ai %dx%dx%d", w, h, fmt == IMG_RGB565 ? 3 : 1);
            o->ai = ledger_buf_new(img_ai_bytes(w, h, fmt), tag);
            nlr_pop();
        } else {
            ledger_buf_release(o->pix);
            nlr_jump(nlr.ret_val);
        }
    }
    if (clear) {
        size_t n;
        void *px = ledger_buf_data(o->pix, &n);
        memset(px, 0, n);
    }
    return o;
}

img_t image_view(image_obj_t *o) {
    size_t n;
    img_t im = { .w = o->w, .h = o->h, .fmt = (img_fmt_t)o->fmt, .px = ledger_buf_data(o->pix, &n) };
    return im;
}

uint8_t *image_ai(image_obj_t *o, size_t *len) {
    img_t im = image_view(o);
    if (o->ai == MP_OBJ_NULL) {
        char tag[32];
        snprintf(tag, sizeof(tag), "ai %dx%dx%d", o->w, o->h, o->fmt == IMG_RGB565 ? 3 : 1);
        o->ai = ledger_buf_new(img_ai_bytes(o->w, o->h, (img_fmt_t)o->fmt), tag);
        img_to_ai(&im, ledger_buf_data(o->ai, len));
    }
    return ledger_buf_data(o->ai, len);
}

void image_release(image_obj_t *o) {
    if (o->pix != MP_OBJ_NULL) {
        ledger_buf_release(o->pix);
    }
    if (o->ai != MP_OBJ_NULL) {
        ledger_buf_release(o->ai);
    }
}

uint32_t image_color_arg(img_fmt_t fmt, mp_obj_t c) {
    if (mp_obj_is_int(c)) {
        return (uint32_t)mp_obj_get_int(c) & (fmt == IMG_RGB565 ? 0xffff : 0xff);
    }
    size_t n;
    mp_obj_t *items;
    if ((mp_obj_is_type(c, &mp_type_tuple) || mp_obj_is_type(c, &mp_type_list))) {
        mp_obj_get_array(c, &n, &items);
        if (n == 3) {
            mp_int_t r = mp_obj_get_int(items[0]), g = mp_obj_get_int(items[1]), b = mp_obj_get_int(items[2]);
            if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255) {
                mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image: colour (%ld, %ld, %ld) needs values 0..255"),
                    (long)r, (long)g, (long)b);
            }
            return img_color(fmt, (unsigned)r, (unsigned)g, (unsigned)b);
        }
    }
    mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("image: a colour is (r, g, b) or an int, not %s"),
        mp_obj_get_type_str(c));
}

static image_obj_t *self_of(mp_obj_t o) {
    if (!mp_obj_is_type(o, &image_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("expected an image.Image, got %s"), mp_obj_get_type_str(o));
    }
    return MP_OBJ_TO_PTR(o);
}

// n ints from args[0..]: either n positional ints or one tuple/list of n (as MaixPy takes rect()).
// Returns how many positional args were used.
static size_t get_ints(const char *fn, size_t n_args, const mp_obj_t *args, size_t n, int *out) {
    if (n_args >= 1 && (mp_obj_is_type(args[0], &mp_type_tuple) || mp_obj_is_type(args[0], &mp_type_list))) {
        size_t len;
        mp_obj_t *items;
        mp_obj_get_array(args[0], &len, &items);
        if (len < n) {
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("image.%s: needs %d values, the tuple has %d"), fn,
                (int)n, (int)len);
        }
        for (size_t i = 0; i < n; i++) {
            out[i] = mp_obj_get_int(items[i]);
        }
        return 1;
    }
    if (n_args < n) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("image.%s: needs %d coordinates, got %d"), fn, (int)n,
            (int)n_args);
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = mp_obj_get_int(args[i]);
    }
    return n;
}

// A shape whose box misses the image entirely is an error (a clipped one is drawn in part).
static void check_visible(const char *fn, const image_obj_t *o, int x0, int y0, int x1, int y1) {
    if (x1 < 0 || y1 < 0 || x0 >= o->w || y0 >= o->h || x1 < x0 || y1 < y0) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("image.%s: (%d, %d)..(%d, %d) lies outside the %dx%d image"), fn, x0, y0, x1, y1, o->w, o->h);
    }
}

static mp_obj_t kw(mp_map_t *kw_args, qstr name, mp_obj_t dflt) {
    mp_map_elem_t *e = mp_map_lookup(kw_args, MP_OBJ_NEW_QSTR(name), MP_MAP_LOOKUP);
    return e ? e->value : dflt;
}

static uint32_t color_kw(image_obj_t *o, mp_map_t *kw_args, const mp_obj_t *rest, size_t n_rest) {
    mp_obj_t c = n_rest > 0 ? rest[0] : kw(kw_args, MP_QSTR_color, MP_OBJ_NULL);
    return c ? image_color_arg((img_fmt_t)o->fmt, c) : img_color((img_fmt_t)o->fmt, WHITE_RGB);
}

static int int_kw(mp_map_t *kw_args, qstr name, const mp_obj_t *rest, size_t n_rest, size_t pos, int dflt) {
    if (n_rest > pos) {
        return mp_obj_get_int(rest[pos]);
    }
    mp_obj_t v = kw(kw_args, name, MP_OBJ_NULL);
    return v ? mp_obj_get_int(v) : dflt;
}

static int positive_kw(const char *fn, const char *what, int v) {
    if (v < 1 || v > 64) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.%s: %s=%d must be 1..64"), fn, what, v);
    }
    return v;
}

// --- drawing ---

static mp_obj_t image_draw_rectangle(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = self_of(args[0]);
    int r[4];
    size_t used = get_ints("draw_rectangle", n_args - 1, args + 1, 4, r);
    const mp_obj_t *rest = args + 1 + used;
    size_t n_rest = n_args - 1 - used;
    uint32_t c = color_kw(o, kw_args, rest, n_rest);
    int t = positive_kw("draw_rectangle", "thickness", int_kw(kw_args, MP_QSTR_thickness, rest, n_rest, 1, 1));
    mp_obj_t f = n_rest > 2 ? rest[2] : kw(kw_args, MP_QSTR_fill, mp_const_false);
    if (r[2] < 1 || r[3] < 1) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_rectangle: size %dx%d must be positive"),
            r[2], r[3]);
    }
    check_visible("draw_rectangle", o, r[0], r[1], r[0] + r[2] - 1, r[1] + r[3] - 1);
    img_t im = image_view(o);
    img_draw_rect(&im, r[0], r[1], r[2], r[3], c, t, mp_obj_is_true(f));
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_rectangle_obj, 2, image_draw_rectangle);

static mp_obj_t image_draw_line(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = self_of(args[0]);
    int p[4];
    size_t used = get_ints("draw_line", n_args - 1, args + 1, 4, p);
    const mp_obj_t *rest = args + 1 + used;
    size_t n_rest = n_args - 1 - used;
    uint32_t c = color_kw(o, kw_args, rest, n_rest);
    int t = positive_kw("draw_line", "thickness", int_kw(kw_args, MP_QSTR_thickness, rest, n_rest, 1, 1));
    check_visible("draw_line", o, MIN(p[0], p[2]), MIN(p[1], p[3]), MAX(p[0], p[2]), MAX(p[1], p[3]));
    img_t im = image_view(o);
    img_draw_line(&im, p[0], p[1], p[2], p[3], c, t);
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_line_obj, 2, image_draw_line);

static mp_obj_t image_draw_circle(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = self_of(args[0]);
    int p[3];
    size_t used = get_ints("draw_circle", n_args - 1, args + 1, 3, p);
    const mp_obj_t *rest = args + 1 + used;
    size_t n_rest = n_args - 1 - used;
    uint32_t c = color_kw(o, kw_args, rest, n_rest);
    int t = positive_kw("draw_circle", "thickness", int_kw(kw_args, MP_QSTR_thickness, rest, n_rest, 1, 1));
    mp_obj_t f = n_rest > 2 ? rest[2] : kw(kw_args, MP_QSTR_fill, mp_const_false);
    if (p[2] < 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_circle: radius %d is negative"), p[2]);
    }
    check_visible("draw_circle", o, p[0] - p[2], p[1] - p[2], p[0] + p[2], p[1] + p[2]);
    img_t im = image_view(o);
    img_draw_circle(&im, p[0], p[1], p[2], c, t, mp_obj_is_true(f));
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_circle_obj, 2, image_draw_circle);

static mp_obj_t image_draw_cross(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = self_of(args[0]);
    int p[2];
    size_t used = get_ints("draw_cross", n_args - 1, args + 1, 2, p);
    const mp_obj_t *rest = args + 1 + used;
    size_t n_rest = n_args - 1 - used;
    uint32_t c = color_kw(o, kw_args, rest, n_rest);
    int size = int_kw(kw_args, MP_QSTR_size, rest, n_rest, 1, 5);
    int t = positive_kw("draw_cross", "thickness", int_kw(kw_args, MP_QSTR_thickness, rest, n_rest, 2, 1));
    if (size < 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_cross: size %d is negative"), size);
    }
    check_visible("draw_cross", o, p[0] - size, p[1] - size, p[0] + size, p[1] + size);
    img_t im = image_view(o);
    img_draw_cross(&im, p[0], p[1], size, c, t);
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_cross_obj, 2, image_draw_cross);

static mp_obj_t image_draw_string(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = self_of(args[0]);
    int p[2];
    size_t used = get_ints("draw_string", n_args - 1, args + 1, 2, p);
    const mp_obj_t *rest = args + 1 + used;
    size_t n_rest = n_args - 1 - used;
    if (n_rest < 1) {
        mp_raise_TypeError(MP_ERROR_TEXT("image.draw_string: needs x, y and the text"));
    }
    size_t len;
    mp_obj_t text = mp_obj_is_str(rest[0]) ? rest[0] : mp_call_function_1(MP_OBJ_FROM_PTR(&mp_type_str), rest[0]);
    const char *s = mp_obj_str_get_data(text, &len);
    rest++;
    n_rest--;
    uint32_t c = color_kw(o, kw_args, rest, n_rest);
    int scale = (int)mp_obj_get_float(n_rest > 1 ? rest[1] : kw(kw_args, MP_QSTR_scale, MP_OBJ_NEW_SMALL_INT(1)));
    positive_kw("draw_string", "scale", scale);
    int xs = int_kw(kw_args, MP_QSTR_x_spacing, rest, n_rest, 2, 0), ys = int_kw(kw_args, MP_QSTR_y_spacing, rest, n_rest, 3, 0);
    if (p[0] >= o->w || p[1] >= o->h || p[0] + IMG_FONT_W * scale <= 0 || p[1] + IMG_FONT_H * scale <= 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_string: text at (%d, %d) lies outside the %dx%d image"),
            p[0], p[1], o->w, o->h);
    }
    img_t im = image_view(o);
    img_draw_string(&im, p[0], p[1], s, len, c, scale, xs, ys, false, 0);
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_string_obj, 2, image_draw_string);

// Copies another image's pixels in at (x, y), converting the format; the part outside is cut off.
static mp_obj_t image_draw_image(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = self_of(args[0]);
    image_obj_t *src = self_of(args[1]);
    int p[2];
    get_ints("draw_image", n_args - 2, args + 2, 2, p);
    if (kw_args->used) {
        mp_raise_msg(&mp_type_TypeError, MP_ERROR_TEXT("image.draw_image: scaling, mask and alpha are not supported; resize() first"));
    }
    check_visible("draw_image", o, p[0], p[1], p[0] + src->w - 1, p[1] + src->h - 1);
    img_t d = image_view(o), sv = image_view(src);
    int x0 = p[0] < 0 ? -p[0] : 0, y0 = p[1] < 0 ? -p[1] : 0;
    int w = MIN(src->w, o->w - p[0]) - x0, h = MIN(src->h, o->h - p[1]) - y0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t v = img_get(&sv, x0 + x, y0 + y);
            if (sv.fmt != d.fmt) {
                uint8_t r, g, b;
                if (sv.fmt == IMG_RGB565) {
                    img_rgb565_to_rgb888((uint16_t)v, &r, &g, &b);
                } else {
                    r = g = b = (uint8_t)v;
                }
                v = img_color(d.fmt, r, g, b);
            }
            img_put(&d, p[0] + x0 + x, p[1] + y0 + y, v);
        }
    }
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_image_obj, 3, image_draw_image);

// --- pixels ---

static void check_point(const char *fn, const image_obj_t *o, int x, int y) {
    if (x < 0 || y < 0 || x >= o->w || y >= o->h) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.%s: (%d, %d) is outside the %dx%d image"), fn, x, y,
            o->w, o->h);
    }
}

static mp_obj_t image_get_pixel(size_t n_args, const mp_obj_t *args) {
    image_obj_t *o = self_of(args[0]);
    int p[2];
    get_ints("get_pixel", n_args - 1, args + 1, 2, p);
    check_point("get_pixel", o, p[0], p[1]);
    img_t im = image_view(o);
    uint32_t v = img_get(&im, p[0], p[1]);
    if (o->fmt == IMG_GRAYSCALE) {
        return MP_OBJ_NEW_SMALL_INT(v);
    }
    uint8_t r, g, b;
    img_rgb565_to_rgb888((uint16_t)v, &r, &g, &b);
    mp_obj_t t[3] = { MP_OBJ_NEW_SMALL_INT(r), MP_OBJ_NEW_SMALL_INT(g), MP_OBJ_NEW_SMALL_INT(b) };
    return mp_obj_new_tuple(3, t);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(image_get_pixel_obj, 2, 3, image_get_pixel);

static mp_obj_t image_set_pixel(size_t n_args, const mp_obj_t *args) {
    image_obj_t *o = self_of(args[0]);
    int p[2];
    size_t used = get_ints("set_pixel", n_args - 1, args + 1, 2, p);
    if (n_args - 1 - used < 1) {
        mp_raise_TypeError(MP_ERROR_TEXT("image.set_pixel: needs x, y and a colour"));
    }
    uint32_t c = image_color_arg((img_fmt_t)o->fmt, args[1 + used]);
    check_point("set_pixel", o, p[0], p[1]);
    img_t im = image_view(o);
    img_put(&im, p[0], p[1], c);
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(image_set_pixel_obj, 3, 4, image_set_pixel);

// --- whole-image operations (new images in the ledger) ---

static mp_obj_t image_resize(mp_obj_t self, mp_obj_t w_in, mp_obj_t h_in) {
    image_obj_t *o = self_of(self);
    img_t src = image_view(o);
    image_obj_t *d = image_new(mp_obj_get_int(w_in), mp_obj_get_int(h_in), (img_fmt_t)o->fmt, false, false);
    img_t dst = image_view(d);
    img_resize(&src, &dst);
    return MP_OBJ_FROM_PTR(d);
}
static MP_DEFINE_CONST_FUN_OBJ_3(image_resize_obj, image_resize);

static mp_obj_t crop_to(image_obj_t *o, const char *fn, int x, int y, int w, int h) {
    if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > o->w || y + h > o->h) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("image.%s: region (%d, %d, %d, %d) does not lie inside the %dx%d image"), fn, x, y, w, h, o->w,
            o->h);
    }
    img_t src = image_view(o);
    image_obj_t *d = image_new(w, h, (img_fmt_t)o->fmt, false, false);
    img_t dst = image_view(d);
    img_crop(&src, x, y, &dst);
    return MP_OBJ_FROM_PTR(d);
}

static mp_obj_t image_cut(size_t n_args, const mp_obj_t *args) {
    image_obj_t *o = self_of(args[0]);
    int r[4];
    get_ints("cut", n_args - 1, args + 1, 4, r);
    return crop_to(o, "cut", r[0], r[1], r[2], r[3]);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(image_cut_obj, 2, 5, image_cut);

static mp_obj_t image_copy(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = self_of(args[0]);
    mp_obj_t roi = n_args > 1 ? args[1] : kw(kw_args, MP_QSTR_roi, mp_const_none);
    if (roi == mp_const_none) {
        return crop_to(o, "copy", 0, 0, o->w, o->h);
    }
    int r[4];
    get_ints("copy", 1, &roi, 4, r);
    return crop_to(o, "copy", r[0], r[1], r[2], r[3]);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(image_copy_obj, 1, image_copy);

// In place (the luma bytes fit in the front of the RGB565 block); copy=True gives a new image.
static mp_obj_t image_to_grayscale(size_t n_args, const mp_obj_t *args) {
    image_obj_t *o = self_of(args[0]);
    bool copy = n_args > 1 && mp_obj_is_true(args[1]);
    img_t src = image_view(o);
    if (copy) {
        image_obj_t *d = image_new(o->w, o->h, IMG_GRAYSCALE, false, false);
        img_t dst = image_view(d);
        img_convert(&src, &dst);
        return MP_OBJ_FROM_PTR(d);
    }
    img_t dst = src;
    dst.fmt = IMG_GRAYSCALE;
    img_convert(&src, &dst);
    if (o->fmt != IMG_GRAYSCALE && o->ai != MP_OBJ_NULL) {
        ledger_buf_release(o->ai);   // the AI frame of an RGB image has the wrong plane count now
        o->ai = MP_OBJ_NULL;
    }
    o->fmt = IMG_GRAYSCALE;
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(image_to_grayscale_obj, 1, 2, image_to_grayscale);

static mp_obj_t image_invert(mp_obj_t self) {
    img_t im = image_view(self_of(self));
    img_invert(&im);
    return self;
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_invert_obj, image_invert);

// Makes the AI frame show the pixels now (after drawing, resize, a file load).
static mp_obj_t image_pix_to_ai(mp_obj_t self) {
    image_obj_t *o = self_of(self);
    size_t n;
    uint8_t *ai = image_ai(o, &n);
    img_t im = image_view(o);
    img_to_ai(&im, ai);
    return self;
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_pix_to_ai_obj, image_pix_to_ai);

static mp_obj_t image_width(mp_obj_t self) {
    return MP_OBJ_NEW_SMALL_INT(self_of(self)->w);
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_width_obj, image_width);

static mp_obj_t image_height(mp_obj_t self) {
    return MP_OBJ_NEW_SMALL_INT(self_of(self)->h);
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_height_obj, image_height);

static mp_obj_t image_format(mp_obj_t self) {
    return MP_OBJ_NEW_SMALL_INT(self_of(self)->fmt == IMG_RGB565 ? VISION_RGB565 : VISION_GRAYSCALE);
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_format_obj, image_format);

static mp_obj_t image_size(mp_obj_t self) {
    image_obj_t *o = self_of(self);
    return MP_OBJ_NEW_SMALL_INT(img_bytes(o->w, o->h, (img_fmt_t)o->fmt));
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_size_obj, image_size);

// --- files ---

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
    image_obj_t *o = self_of(args[0]);
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
static MP_DEFINE_CONST_FUN_OBJ_KW(image_save_obj, 2, image_save);

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
static mp_obj_t image_load(mp_obj_t path, int want_gray) {
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

// image.Image(path) | image.Image(size=(w, h), format=image.RGB565) | image.Image() (320x240).
static mp_obj_t image_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    enum { ARG_path, ARG_size, ARG_format, ARG_copy_to_fb };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_path, MP_ARG_OBJ, { .u_obj = mp_const_none } },
        { MP_QSTR_size, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
        { MP_QSTR_format, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
        { MP_QSTR_copy_to_fb, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
    };
    mp_arg_val_t a[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all_kw_array(n_args, n_kw, args, MP_ARRAY_SIZE(allowed), allowed, a);
    int fmt = -1;
    if (a[ARG_format].u_obj != mp_const_none) {
        mp_int_t f = mp_obj_get_int(a[ARG_format].u_obj);
        if (f != VISION_RGB565 && f != VISION_GRAYSCALE) {
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("image.Image: format=%ld (use image.RGB565 or image.GRAYSCALE)"), (long)f);
        }
        fmt = f == VISION_GRAYSCALE;
    }
    if (a[ARG_path].u_obj != mp_const_none) {
        if (!mp_obj_is_str(a[ARG_path].u_obj)) {
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("image.Image: a path is a str, not %s"),
                mp_obj_get_type_str(a[ARG_path].u_obj));
        }
        return image_load(a[ARG_path].u_obj, fmt);
    }
    int wh[2] = { 320, 240 };   // MaixPy's default: the LCD's size
    if (a[ARG_size].u_obj != mp_const_none) {
        get_ints("Image", 1, &a[ARG_size].u_obj, 2, wh);
    }
    return MP_OBJ_FROM_PTR(image_new(wh[0], wh[1], fmt == 1 ? IMG_GRAYSCALE : IMG_RGB565, false, true));
}

static void image_print(const mp_print_t *print, mp_obj_t self, mp_print_kind_t kind) {
    (void)kind;
    image_obj_t *o = MP_OBJ_TO_PTR(self);
    mp_printf(print, "<image.Image %dx%d %s%s>", o->w, o->h, fmt_name((img_fmt_t)o->fmt),
        o->ai != MP_OBJ_NULL ? " +ai" : "");
}

static mp_int_t image_get_buffer(mp_obj_t self, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    (void)flags;
    size_t n;
    bufinfo->buf = image_ai(MP_OBJ_TO_PTR(self), &n);
    bufinfo->len = n;
    bufinfo->typecode = 'B';
    return 0;
}

static const mp_rom_map_elem_t image_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_draw_rectangle), MP_ROM_PTR(&image_draw_rectangle_obj) },
    { MP_ROM_QSTR(MP_QSTR_draw_line), MP_ROM_PTR(&image_draw_line_obj) },
    { MP_ROM_QSTR(MP_QSTR_draw_circle), MP_ROM_PTR(&image_draw_circle_obj) },
    { MP_ROM_QSTR(MP_QSTR_draw_cross), MP_ROM_PTR(&image_draw_cross_obj) },
    { MP_ROM_QSTR(MP_QSTR_draw_string), MP_ROM_PTR(&image_draw_string_obj) },
    { MP_ROM_QSTR(MP_QSTR_draw_image), MP_ROM_PTR(&image_draw_image_obj) },
    { MP_ROM_QSTR(MP_QSTR_get_pixel), MP_ROM_PTR(&image_get_pixel_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_pixel), MP_ROM_PTR(&image_set_pixel_obj) },
    { MP_ROM_QSTR(MP_QSTR_resize), MP_ROM_PTR(&image_resize_obj) },
    { MP_ROM_QSTR(MP_QSTR_cut), MP_ROM_PTR(&image_cut_obj) },
    { MP_ROM_QSTR(MP_QSTR_crop), MP_ROM_PTR(&image_cut_obj) },
    { MP_ROM_QSTR(MP_QSTR_copy), MP_ROM_PTR(&image_copy_obj) },
    { MP_ROM_QSTR(MP_QSTR_to_grayscale), MP_ROM_PTR(&image_to_grayscale_obj) },
    { MP_ROM_QSTR(MP_QSTR_invert), MP_ROM_PTR(&image_invert_obj) },
    { MP_ROM_QSTR(MP_QSTR_pix_to_ai), MP_ROM_PTR(&image_pix_to_ai_obj) },
    { MP_ROM_QSTR(MP_QSTR_width), MP_ROM_PTR(&image_width_obj) },
    { MP_ROM_QSTR(MP_QSTR_height), MP_ROM_PTR(&image_height_obj) },
    { MP_ROM_QSTR(MP_QSTR_format), MP_ROM_PTR(&image_format_obj) },
    { MP_ROM_QSTR(MP_QSTR_size), MP_ROM_PTR(&image_size_obj) },
    { MP_ROM_QSTR(MP_QSTR_save), MP_ROM_PTR(&image_save_obj) },
};
static MP_DEFINE_CONST_DICT(image_locals, image_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    image_type, MP_QSTR_Image, MP_TYPE_FLAG_NONE,
    make_new, image_make_new,
    print, image_print,
    buffer, image_get_buffer,
    locals_dict, &image_locals
    );

static const mp_rom_map_elem_t image_module_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_image) },
    { MP_ROM_QSTR(MP_QSTR_Image), MP_ROM_PTR(&image_type) },
    { MP_ROM_QSTR(MP_QSTR_RGB565), MP_ROM_INT(VISION_RGB565) },
    { MP_ROM_QSTR(MP_QSTR_GRAYSCALE), MP_ROM_INT(VISION_GRAYSCALE) },
};
static MP_DEFINE_CONST_DICT(image_module_globals, image_module_table);

const mp_obj_module_t image_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&image_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_image, image_module);
