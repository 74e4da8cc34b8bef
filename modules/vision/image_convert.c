// image.Image's whole-image operations: resize, cut/crop, copy (new images in the ledger pool),
// to_grayscale and invert (in place), and pix_to_ai (the AI frame from the pixels), over img_ops.c.
#include "py/runtime.h"

#include "image_bind.h"
#include "ledger_buf.h"

static mp_obj_t image_resize(mp_obj_t self, mp_obj_t w_in, mp_obj_t h_in) {
    image_obj_t *o = image_self(self);
    img_t src = image_view(o);
    image_obj_t *d = image_new(mp_obj_get_int(w_in), mp_obj_get_int(h_in), (img_fmt_t)o->fmt, false, false);
    img_t dst = image_view(d);
    img_resize(&src, &dst);
    return MP_OBJ_FROM_PTR(d);
}
MP_DEFINE_CONST_FUN_OBJ_3(image_resize_obj, image_resize);

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
    image_obj_t *o = image_self(args[0]);
    int r[4];
    image_ints("cut", n_args - 1, args + 1, 4, r);
    return crop_to(o, "cut", r[0], r[1], r[2], r[3]);
}
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(image_cut_obj, 2, 5, image_cut);

static mp_obj_t image_copy(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = image_self(args[0]);
    mp_obj_t roi = n_args > 1 ? args[1] : image_kw(kw_args, MP_QSTR_roi, mp_const_none);
    if (roi == mp_const_none) {
        return crop_to(o, "copy", 0, 0, o->w, o->h);
    }
    int r[4];
    image_ints("copy", 1, &roi, 4, r);
    return crop_to(o, "copy", r[0], r[1], r[2], r[3]);
}
MP_DEFINE_CONST_FUN_OBJ_KW(image_copy_obj, 1, image_copy);

// In place (the luma bytes fit in the front of the RGB565 block); copy=True gives a new image.
static mp_obj_t image_to_grayscale(size_t n_args, const mp_obj_t *args) {
    image_obj_t *o = image_self(args[0]);
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
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(image_to_grayscale_obj, 1, 2, image_to_grayscale);

static mp_obj_t image_invert(mp_obj_t self) {
    img_t im = image_view(image_self(self));
    img_invert(&im);
    return self;
}
MP_DEFINE_CONST_FUN_OBJ_1(image_invert_obj, image_invert);

// Makes the AI frame show the pixels now (after drawing, resize, a file load).
static mp_obj_t image_pix_to_ai(mp_obj_t self) {
    image_obj_t *o = image_self(self);
    size_t n;
    uint8_t *ai = image_ai(o, &n);
    img_t im = image_view(o);
    img_to_ai(&im, ai);
    return self;
}
MP_DEFINE_CONST_FUN_OBJ_1(image_pix_to_ai_obj, image_pix_to_ai);
