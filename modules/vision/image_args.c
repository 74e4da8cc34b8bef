// Argument helpers shared by the image.Image methods (image_bind.h): the object, coordinates given
// as ints or one tuple, colours and keyword values, each error naming the method and the value.
#include "py/runtime.h"

#include "image_bind.h"

#define WHITE_RGB 255, 255, 255

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

image_obj_t *image_self(mp_obj_t o) {
    if (!mp_obj_is_type(o, &image_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("expected an image.Image, got %s"), mp_obj_get_type_str(o));
    }
    return MP_OBJ_TO_PTR(o);
}

// n ints from args[0..]: either n positional ints or one tuple/list of n (as MaixPy takes rect()).
// Returns how many positional args were used.
size_t image_ints(const char *fn, size_t n_args, const mp_obj_t *args, size_t n, int *out) {
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

mp_obj_t image_kw(mp_map_t *kw_args, qstr name, mp_obj_t dflt) {
    mp_map_elem_t *e = mp_map_lookup(kw_args, MP_OBJ_NEW_QSTR(name), MP_MAP_LOOKUP);
    return e ? e->value : dflt;
}

uint32_t image_color_kw(image_obj_t *o, mp_map_t *kw_args, const mp_obj_t *rest, size_t n_rest) {
    mp_obj_t c = n_rest > 0 ? rest[0] : image_kw(kw_args, MP_QSTR_color, MP_OBJ_NULL);
    return c ? image_color_arg((img_fmt_t)o->fmt, c) : img_color((img_fmt_t)o->fmt, WHITE_RGB);
}

int image_int_kw(mp_map_t *kw_args, qstr name, const mp_obj_t *rest, size_t n_rest, size_t pos, int dflt) {
    if (n_rest > pos) {
        return mp_obj_get_int(rest[pos]);
    }
    mp_obj_t v = image_kw(kw_args, name, MP_OBJ_NULL);
    return v ? mp_obj_get_int(v) : dflt;
}

int image_positive_kw(const char *fn, const char *what, int v) {
    if (v < 1 || v > 64) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.%s: %s=%d must be 1..64"), fn, what, v);
    }
    return v;
}
