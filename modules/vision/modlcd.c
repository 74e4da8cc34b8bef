// The `lcd` module (MaixPy's API) over the LCD seam (firmware/lcd_hw.h): init, display, clear,
// rotation, mirror, width, height, draw_string; and lcd_shadow() for the host preview.
#include <errno.h>
#include <string.h>

#include "py/runtime.h"

#include "lcd_hw.h"
#include "kpu_ledger.h"
#include "ledger_buf.h"
#include "image_obj.h"
#include "lcd_preview.h"

#define LCD_DEFAULT_FREQ (15000000u)

static struct {
    uint32_t epoch;         // the ledger epoch of this state (soft reset: init again)
    bool inited, preview;
    uint16_t w, h;
    uint8_t rotation, mirror;
    uint32_t frame_no;
} st;

MP_REGISTER_ROOT_POINTER(mp_obj_t vision_lcd_shadow);

static void check_epoch(void) {
    if (st.epoch != kpu_ledger_epoch()) {
        bool preview = st.preview;
        memset(&st, 0, sizeof(st));
        st.epoch = kpu_ledger_epoch();
        st.preview = preview;   // the host's attachment outlives a script
        MP_STATE_VM(vision_lcd_shadow) = MP_OBJ_NULL;
    }
}

static void need_init(const char *fn) {
    check_epoch();
    if (!st.inited) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("lcd.%s: call lcd.init() first"), fn);
    }
}

static NORETURN void raise_hw(const char *fn, int r) {
    mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("lcd.%s: LCD error %d (%s)"), fn, -r,
        r == -ENODEV ? "no LCD on this board" : "driver error");
}

static uint16_t *shadow(void) {
    if (!st.preview) {
        return NULL;
    }
    size_t need = (size_t)st.w * st.h * 2, n;
    mp_obj_t b = MP_STATE_VM(vision_lcd_shadow);
    if (b != MP_OBJ_NULL) {
        uint16_t *p = ledger_buf_data(b, &n);
        if (n == need) {
            return p;
        }
        ledger_buf_release(b);   // the panel turned: a new size
    }
    b = ledger_buf_new(need, "lcd preview");
    MP_STATE_VM(vision_lcd_shadow) = b;
    uint16_t *p = ledger_buf_data(b, &n);
    memset(p, 0, n);
    return p;
}

// Every pixel the panel gets goes through here (and into the preview copy when attached).
static void put(const char *fn, unsigned x, unsigned y, unsigned w, unsigned h, const uint16_t *px) {
    int r = lcd_hw_draw(x, y, w, h, px);
    if (r != 0) {
        raise_hw(fn, r);
    }
    uint16_t *s = shadow();
    if (s != NULL) {
        for (unsigned row = 0; row < h; row++) {
            memcpy(s + (size_t)(y + row) * st.w + x, px + (size_t)row * w, (size_t)w * 2);
        }
    }
}

static void fill(const char *fn, uint16_t c) {
    int r = lcd_hw_fill(c);
    if (r != 0) {
        raise_hw(fn, r);
    }
    uint16_t *s = shadow();
    if (s != NULL) {
        for (size_t i = 0; i < (size_t)st.w * st.h; i++) {
            s[i] = c;
        }
    }
}

static uint16_t color_arg(mp_obj_t c) {
    return (uint16_t)image_color_arg(IMG_RGB565, c);
}

static mp_obj_t lcd_init(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_type, ARG_freq, ARG_color, ARG_invert, ARG_lcd_type, ARG_width, ARG_height };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_type, MP_ARG_KW_ONLY | MP_ARG_INT, { .u_int = 1 } },
        { MP_QSTR_freq, MP_ARG_KW_ONLY | MP_ARG_INT, { .u_int = LCD_DEFAULT_FREQ } },
        { MP_QSTR_color, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = MP_OBJ_NEW_SMALL_INT(0) } },
        { MP_QSTR_invert, MP_ARG_KW_ONLY | MP_ARG_INT, { .u_int = 0 } },
        { MP_QSTR_lcd_type, MP_ARG_KW_ONLY | MP_ARG_INT, { .u_int = 0 } },
        { MP_QSTR_width, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
        { MP_QSTR_height, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
    };
    mp_arg_val_t a[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed), allowed, a);
    check_epoch();
    if (a[ARG_freq].u_int < 1000000 || a[ARG_freq].u_int > 80000000) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("lcd.init: freq=%ld Hz out of range 1 MHz..80 MHz"),
            (long)a[ARG_freq].u_int);
    }
    lcd_hw_info_t info;
    int r = lcd_hw_init((uint32_t)a[ARG_freq].u_int, &info);
    if (r != 0) {
        raise_hw("init", r);
    }
    st.inited = true;
    st.w = info.width;
    st.h = info.height;
    st.rotation = st.mirror = 0;
    fill("init", color_arg(a[ARG_color].u_obj));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(lcd_init_obj, 0, lcd_init);

static mp_obj_t lcd_deinit(void) {
    check_epoch();
    st.inited = false;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(lcd_deinit_obj, lcd_deinit);

static mp_obj_t lcd_width(void) {
    need_init("width");
    return MP_OBJ_NEW_SMALL_INT(st.w);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lcd_width_obj, lcd_width);

static mp_obj_t lcd_height(void) {
    need_init("height");
    return MP_OBJ_NEW_SMALL_INT(st.h);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lcd_height_obj, lcd_height);

static mp_obj_t lcd_clear(size_t n_args, const mp_obj_t *args) {
    need_init("clear");
    fill("clear", n_args > 0 ? color_arg(args[0]) : 0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lcd_clear_obj, 0, 1, lcd_clear);

static void set_direction(const char *fn) {
    lcd_hw_info_t info;
    int r = lcd_hw_direction(st.rotation, st.mirror, &info);
    if (r != 0) {
        raise_hw(fn, r);
    }
    st.w = info.width;
    st.h = info.height;
}

static mp_obj_t lcd_rotation(size_t n_args, const mp_obj_t *args) {
    need_init("rotation");
    if (n_args > 0) {
        mp_int_t r = mp_obj_get_int(args[0]);
        if (r < 0 || r > 3) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("lcd.rotation(%ld): give 0..3 quarter turns"), (long)r);
        }
        st.rotation = (uint8_t)r;
        set_direction("rotation");
    }
    return MP_OBJ_NEW_SMALL_INT(st.rotation);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lcd_rotation_obj, 0, 1, lcd_rotation);

static mp_obj_t lcd_mirror(size_t n_args, const mp_obj_t *args) {
    need_init("mirror");
    if (n_args > 0) {
        st.mirror = mp_obj_is_true(args[0]);
        set_direction("mirror");
    }
    return mp_obj_new_bool(st.mirror);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lcd_mirror_obj, 0, 1, lcd_mirror);

// An image no larger than the panel is shown centred (as MaixPy does); a larger one is refused.
static mp_obj_t lcd_display(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    need_init("display");
    if (!mp_obj_is_type(args[0], &image_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("lcd.display: expected an image.Image, got %s"),
            mp_obj_get_type_str(args[0]));
    }
    (void)n_args;
    image_obj_t *o = MP_OBJ_TO_PTR(args[0]);
    if (o->w > st.w || o->h > st.h) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("lcd.display: a %dx%d image does not fit the %dx%d panel; resize() it or use sensor.set_windowing"),
            o->w, o->h, st.w, st.h);
    }
    int ox = (st.w - o->w) / 2, oy = (st.h - o->h) / 2;
    mp_map_elem_t *oft = mp_map_lookup(kw_args, MP_OBJ_NEW_QSTR(MP_QSTR_oft), MP_MAP_LOOKUP);
    if (oft != NULL) {
        size_t n;
        mp_obj_t *it;
        mp_obj_get_array(oft->value, &n, &it);
        ox = n == 2 ? mp_obj_get_int(it[0]) : -1;
        oy = n == 2 ? mp_obj_get_int(it[1]) : -1;
        if (ox < 0 || oy < 0 || ox + o->w > st.w || oy + o->h > st.h) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("lcd.display: a %dx%d image at oft=(%d, %d) leaves the %dx%d panel"),
                o->w, o->h, ox, oy, st.w, st.h);
        }
    }
    img_t im = image_view(o);
    if (im.fmt == IMG_RGB565) {
        put("display", (unsigned)ox, (unsigned)oy, o->w, o->h, im.px);
    } else {
        uint16_t row[64];   // luma widened row piece by row piece
        for (int y = 0; y < o->h; y++) {
            for (int x0 = 0; x0 < o->w; x0 += 64) {
                int k = o->w - x0 < 64 ? o->w - x0 : 64;
                for (int i = 0; i < k; i++) {
                    uint8_t v = ((const uint8_t *)im.px)[(size_t)y * o->w + x0 + i];
                    row[i] = img_rgb565(v, v, v);
                }
                put("display", (unsigned)(ox + x0), (unsigned)(oy + y), (unsigned)k, 1, row);
            }
        }
    }
    st.frame_no++;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(lcd_display_obj, 1, lcd_display);

// Text straight onto the panel, one glyph cell at a time (no frame buffer needed).
static mp_obj_t lcd_draw_string(size_t n_args, const mp_obj_t *args) {
    need_init("draw_string");
    int x = mp_obj_get_int(args[0]), y = mp_obj_get_int(args[1]);
    size_t len;
    const char *s = mp_obj_str_get_data(args[2], &len);
    uint16_t fg = n_args > 3 ? color_arg(args[3]) : 0xffff, bg = n_args > 4 ? color_arg(args[4]) : 0;
    if (x < 0 || y < 0 || x >= st.w || y >= st.h) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("lcd.draw_string: (%d, %d) is outside the %dx%d panel"), x, y,
            st.w, st.h);
    }
    uint16_t cell[IMG_FONT_W * IMG_FONT_H];
    img_t im = { .w = IMG_FONT_W, .h = IMG_FONT_H, .fmt = IMG_RGB565, .px = cell };
    int cx = x;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            cx = x;
            y += IMG_FONT_H;
            continue;
        }
        if (cx + IMG_FONT_W > st.w || y + IMG_FONT_H > st.h) {
            continue;   // clipped at the panel's edge, as MaixPy does
        }
        img_fill(&im, bg);
        img_draw_string(&im, 0, 0, s + i, 1, fg, 1, 0, 0, false, 0);
        put("draw_string", (unsigned)cx, (unsigned)y, IMG_FONT_W, IMG_FONT_H, cell);
        cx += IMG_FONT_W;
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lcd_draw_string_obj, 3, 5, lcd_draw_string);

static mp_obj_t lcd_preview(mp_obj_t on) {
    lcd_preview_attach(mp_obj_is_true(on));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lcd_preview_obj, lcd_preview);

void lcd_preview_attach(bool on) {
    check_epoch();
    st.preview = on;
    if (!on && MP_STATE_VM(vision_lcd_shadow) != MP_OBJ_NULL) {
        ledger_buf_release(MP_STATE_VM(vision_lcd_shadow));
        MP_STATE_VM(vision_lcd_shadow) = MP_OBJ_NULL;
    }
}

const uint16_t *lcd_shadow(unsigned *w, unsigned *h, uint32_t *frame_no) {
    if (st.epoch != kpu_ledger_epoch() || !st.preview || MP_STATE_VM(vision_lcd_shadow) == MP_OBJ_NULL) {
        return NULL;
    }
    size_t n;
    *w = st.w;
    *h = st.h;
    *frame_no = st.frame_no;
    return ledger_buf_data(MP_STATE_VM(vision_lcd_shadow), &n);
}

static const mp_rom_map_elem_t lcd_module_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_lcd) },
    { MP_ROM_QSTR(MP_QSTR_init), MP_ROM_PTR(&lcd_init_obj) },
    { MP_ROM_QSTR(MP_QSTR_deinit), MP_ROM_PTR(&lcd_deinit_obj) },
    { MP_ROM_QSTR(MP_QSTR_display), MP_ROM_PTR(&lcd_display_obj) },
    { MP_ROM_QSTR(MP_QSTR_clear), MP_ROM_PTR(&lcd_clear_obj) },
    { MP_ROM_QSTR(MP_QSTR_rotation), MP_ROM_PTR(&lcd_rotation_obj) },
    { MP_ROM_QSTR(MP_QSTR_mirror), MP_ROM_PTR(&lcd_mirror_obj) },
    { MP_ROM_QSTR(MP_QSTR_width), MP_ROM_PTR(&lcd_width_obj) },
    { MP_ROM_QSTR(MP_QSTR_height), MP_ROM_PTR(&lcd_height_obj) },
    { MP_ROM_QSTR(MP_QSTR_draw_string), MP_ROM_PTR(&lcd_draw_string_obj) },
    { MP_ROM_QSTR(MP_QSTR_preview), MP_ROM_PTR(&lcd_preview_obj) },
    { MP_ROM_QSTR(MP_QSTR_BLACK), MP_ROM_INT(0x0000) },
    { MP_ROM_QSTR(MP_QSTR_NAVY), MP_ROM_INT(0x000f) },
    { MP_ROM_QSTR(MP_QSTR_DARKGREEN), MP_ROM_INT(0x03e0) },
    { MP_ROM_QSTR(MP_QSTR_DARKCYAN), MP_ROM_INT(0x03ef) },
    { MP_ROM_QSTR(MP_QSTR_MAROON), MP_ROM_INT(0x7800) },
    { MP_ROM_QSTR(MP_QSTR_PURPLE), MP_ROM_INT(0x780f) },
    { MP_ROM_QSTR(MP_QSTR_OLIVE), MP_ROM_INT(0x7be0) },
    { MP_ROM_QSTR(MP_QSTR_LIGHTGREY), MP_ROM_INT(0xc618) },
    { MP_ROM_QSTR(MP_QSTR_DARKGREY), MP_ROM_INT(0x7bef) },
    { MP_ROM_QSTR(MP_QSTR_BLUE), MP_ROM_INT(0x001f) },
    { MP_ROM_QSTR(MP_QSTR_GREEN), MP_ROM_INT(0x07e0) },
    { MP_ROM_QSTR(MP_QSTR_CYAN), MP_ROM_INT(0x07ff) },
    { MP_ROM_QSTR(MP_QSTR_RED), MP_ROM_INT(0xf800) },
    { MP_ROM_QSTR(MP_QSTR_MAGENTA), MP_ROM_INT(0xf81f) },
    { MP_ROM_QSTR(MP_QSTR_YELLOW), MP_ROM_INT(0xffe0) },
    { MP_ROM_QSTR(MP_QSTR_WHITE), MP_ROM_INT(0xffff) },
    { MP_ROM_QSTR(MP_QSTR_ORANGE), MP_ROM_INT(0xfd20) },
    { MP_ROM_QSTR(MP_QSTR_GREENYELLOW), MP_ROM_INT(0xafe5) },
    { MP_ROM_QSTR(MP_QSTR_PINK), MP_ROM_INT(0xf81f) },
};
static MP_DEFINE_CONST_DICT(lcd_module_globals, lcd_module_table);

const mp_obj_module_t lcd_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&lcd_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_lcd, lcd_module);
