// image.Image's drawing methods (MaixPy's names and argument orders): rectangle, line, circle,
// cross, string and image, over img_draw.c. A shape that misses the image entirely is an error
// naming its box; one that is partly outside is clipped.
#include "py/runtime.h"

#include "image_bind.h"

// A shape whose box misses the image entirely is an error (a clipped one is drawn in part).
static void check_visible(const char *fn, const image_obj_t *o, int x0, int y0, int x1, int y1) {
    if (x1 < 0 || y1 < 0 || x0 >= o->w || y0 >= o->h || x1 < x0 || y1 < y0) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("image.%s: (%d, %d)..(%d, %d) lies outside the %dx%d image"), fn, x0, y0, x1, y1, o->w, o->h);
    }
}

// What the shape methods start with: the image, n coordinates (n ints or one tuple/list), then
// the colour (positional or color=) and the positional arguments after it.
typedef struct {
    image_obj_t *o;
    int p[4];
    uint32_t color;
    const mp_obj_t *rest;   // rest[0] is the colour's place
    size_t n_rest;
} shape_args_t;

static shape_args_t shape_args(const char *fn, size_t n_args, const mp_obj_t *args, mp_map_t *kw_args, size_t n) {
    shape_args_t a;
    a.o = image_self(args[0]);
    size_t used = image_ints(fn, n_args - 1, args + 1, n, a.p);
    a.rest = args + 1 + used;
    a.n_rest = n_args - 1 - used;
    a.color = image_color_kw(a.o, kw_args, a.rest, a.n_rest);
    return a;
}

// thickness= (or positional at pos), 1..64.
static int shape_thickness(const char *fn, const shape_args_t *a, mp_map_t *kw_args, size_t pos) {
    return image_positive_kw(fn, "thickness", image_int_kw(kw_args, MP_QSTR_thickness, a->rest, a->n_rest, pos, 1));
}

// fill= (or positional after the thickness).
static bool shape_fill(const shape_args_t *a, mp_map_t *kw_args) {
    return mp_obj_is_true(a->n_rest > 2 ? a->rest[2] : image_kw(kw_args, MP_QSTR_fill, mp_const_false));
}

static mp_obj_t image_draw_rectangle(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    shape_args_t a = shape_args("draw_rectangle", n_args, args, kw_args, 4);
    int t = shape_thickness("draw_rectangle", &a, kw_args, 1);
    const int *r = a.p;
    if (r[2] < 1 || r[3] < 1) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_rectangle: size %dx%d must be positive"),
            r[2], r[3]);
    }
    check_visible("draw_rectangle", a.o, r[0], r[1], r[0] + r[2] - 1, r[1] + r[3] - 1);
    img_t im = image_view(a.o);
    img_draw_rect(&im, r[0], r[1], r[2], r[3], a.color, t, shape_fill(&a, kw_args));
    return args[0];
}
MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_rectangle_obj, 2, image_draw_rectangle);

static mp_obj_t image_draw_line(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    shape_args_t a = shape_args("draw_line", n_args, args, kw_args, 4);
    const int *p = a.p;   // x0, y0, x1, y1: either end may be the left or top one
    check_visible("draw_line", a.o, MIN(p[0], p[2]), MIN(p[1], p[3]), MAX(p[0], p[2]), MAX(p[1], p[3]));
    img_t im = image_view(a.o);
    img_draw_line(&im, p[0], p[1], p[2], p[3], a.color, shape_thickness("draw_line", &a, kw_args, 1));
    return args[0];
}
MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_line_obj, 2, image_draw_line);

static mp_obj_t image_draw_circle(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    shape_args_t a = shape_args("draw_circle", n_args, args, kw_args, 3);
    int t = shape_thickness("draw_circle", &a, kw_args, 1);
    const int *p = a.p;
    if (p[2] < 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_circle: radius %d is negative"), p[2]);
    }
    check_visible("draw_circle", a.o, p[0] - p[2], p[1] - p[2], p[0] + p[2], p[1] + p[2]);
    img_t im = image_view(a.o);
    img_draw_circle(&im, p[0], p[1], p[2], a.color, t, shape_fill(&a, kw_args));
    return args[0];
}
MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_circle_obj, 2, image_draw_circle);

static mp_obj_t image_draw_cross(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    shape_args_t a = shape_args("draw_cross", n_args, args, kw_args, 2);
    int size = image_int_kw(kw_args, MP_QSTR_size, a.rest, a.n_rest, 1, 5);
    int t = shape_thickness("draw_cross", &a, kw_args, 2);
    if (size < 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_cross: size %d is negative"), size);
    }
    check_visible("draw_cross", a.o, a.p[0] - size, a.p[1] - size, a.p[0] + size, a.p[1] + size);
    img_t im = image_view(a.o);
    img_draw_cross(&im, a.p[0], a.p[1], size, a.color, t);
    return args[0];
}
MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_cross_obj, 2, image_draw_cross);

static mp_obj_t image_draw_string(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = image_self(args[0]);
    int p[2];
    size_t used = image_ints("draw_string", n_args - 1, args + 1, 2, p);
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
    uint32_t c = image_color_kw(o, kw_args, rest, n_rest);
    int scale = (int)mp_obj_get_float(n_rest > 1 ? rest[1] : image_kw(kw_args, MP_QSTR_scale, MP_OBJ_NEW_SMALL_INT(1)));
    image_positive_kw("draw_string", "scale", scale);
    int xs = image_int_kw(kw_args, MP_QSTR_x_spacing, rest, n_rest, 2, 0), ys = image_int_kw(kw_args, MP_QSTR_y_spacing, rest, n_rest, 3, 0);
    if (p[0] >= o->w || p[1] >= o->h || p[0] + IMG_FONT_W * scale <= 0 || p[1] + IMG_FONT_H * scale <= 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("image.draw_string: text at (%d, %d) lies outside the %dx%d image"),
            p[0], p[1], o->w, o->h);
    }
    img_t im = image_view(o);
    img_draw_string(&im, p[0], p[1], s, len, c, scale, xs, ys, false, 0);
    return args[0];
}
MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_string_obj, 2, image_draw_string);

// Copies another image's pixels in at (x, y), converting the format; the part outside is cut off.
static mp_obj_t image_draw_image(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    image_obj_t *o = image_self(args[0]);
    image_obj_t *src = image_self(args[1]);
    int p[2];
    image_ints("draw_image", n_args - 2, args + 2, 2, p);
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
MP_DEFINE_CONST_FUN_OBJ_KW(image_draw_image_obj, 3, image_draw_image);
