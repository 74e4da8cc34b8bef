// The `image` module (MaixPy's names) and the image.Image object: pixels and AI frame in the
// ledger pool (LedgerBuf), construction (new or from a file), get/set_pixel, size and format, and
// the method table; drawing (image_draw.c), whole-image operations (image_convert.c) and files
// (image_file.c) are bound in their own files. The buffer protocol of an Image is its AI frame
// (planar, what a model reads), so kpu.forward(m, img) uses it in place.
#include <stdio.h>
#include <string.h>

#include "py/runtime.h"
#include "py/mperrno.h"

#include "ledger_buf.h"
#include "image_obj.h"
#include "image_bind.h"
#include "img_codec.h"

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

// --- pixels ---

static void check_point(const char *fn, const image_obj_t *o, int x, int y) {
    if (x < 0 || y < 0 || x >= o->w || y >= o->h) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.%s: (%d, %d) is outside the %dx%d image"), fn, x, y,
            o->w, o->h);
    }
}

static mp_obj_t image_get_pixel(size_t n_args, const mp_obj_t *args) {
    image_obj_t *o = image_self(args[0]);
    int p[2];
    image_ints("get_pixel", n_args - 1, args + 1, 2, p);
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
    image_obj_t *o = image_self(args[0]);
    int p[2];
    size_t used = image_ints("set_pixel", n_args - 1, args + 1, 2, p);
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

static mp_obj_t image_width(mp_obj_t self) {
    return MP_OBJ_NEW_SMALL_INT(image_self(self)->w);
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_width_obj, image_width);

static mp_obj_t image_height(mp_obj_t self) {
    return MP_OBJ_NEW_SMALL_INT(image_self(self)->h);
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_height_obj, image_height);

static mp_obj_t image_format(mp_obj_t self) {
    return MP_OBJ_NEW_SMALL_INT(image_self(self)->fmt == IMG_RGB565 ? VISION_RGB565 : VISION_GRAYSCALE);
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_format_obj, image_format);

static mp_obj_t image_size(mp_obj_t self) {
    image_obj_t *o = image_self(self);
    return MP_OBJ_NEW_SMALL_INT(img_bytes(o->w, o->h, (img_fmt_t)o->fmt));
}
static MP_DEFINE_CONST_FUN_OBJ_1(image_size_obj, image_size);

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
        image_ints("Image", 1, &a[ARG_size].u_obj, 2, wh);
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
