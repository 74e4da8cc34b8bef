// The `sensor` module (MaixPy's API) over the camera seam (firmware/camera_hw.h). One frame image
// (pixels + AI frame in the ledger) is kept and refilled by every snapshot, as MaixPy returns its
// frame buffer: a loop of snapshots allocates nothing. The DVP writes display and AI frames from
// the same capture, so pix_to_ai() after a snapshot has nothing to do.
#include <errno.h>
#include <string.h>

#include "py/runtime.h"
#include "py/mperrno.h"
#include "py/mphal.h"

#include "camera_hw.h"
#include "kpu_ledger.h"
#include "ledger_buf.h"
#include "image_obj.h"

#define SNAPSHOT_TIMEOUT_MS (1000)

typedef struct {
    const char *name;
    uint16_t w, h;
} framesize_t;

// index = the sensor.<NAME> constant; from FIRST_TOO_BIG on, MaixPy's names for frames beyond
// VGA, there so a script naming one gets an error that says why rather than an AttributeError
static const framesize_t framesizes[] = {
    { "", 0, 0 },
    { "QQQVGA", 80, 60 },
    { "QQVGA", 160, 120 },
    { "QVGA", 320, 240 },
    { "VGA", 640, 480 },
    { "B64X64", 64, 64 },
    { "B128X128", 128, 128 },
    { "B240X240", 240, 240 },
    { "SVGA", 800, 600 },
    { "XGA", 1024, 768 },
    { "SXGA", 1280, 1024 },
    { "UXGA", 1600, 1200 },
};
#define N_FRAMESIZES ((int)MP_ARRAY_SIZE(framesizes))
#define FIRST_TOO_BIG (8)

static struct {
    uint32_t epoch;         // the ledger epoch of this state (a soft reset starts over)
    bool reset, running, off, dirty;
    uint32_t id;
    int fmt;                // VISION_RGB565 / VISION_GRAYSCALE
    int framesize;
    uint16_t win_w, win_h;  // 0: no window
    bool hmirror, vflip;
    uint32_t snapshots;     // frame number of the host preview's snapshot panel
} st;

MP_REGISTER_ROOT_POINTER(mp_obj_t vision_sensor_frame);

static void check_epoch(void) {
    if (st.epoch != kpu_ledger_epoch()) {
        memset(&st, 0, sizeof(st));   // the old frame's blocks went with the soft reset
        st.epoch = kpu_ledger_epoch();
        MP_STATE_VM(vision_sensor_frame) = MP_OBJ_NULL;
    }
}

static void drop_frame(void) {
    if (MP_STATE_VM(vision_sensor_frame) != MP_OBJ_NULL) {
        image_release(MP_OBJ_TO_PTR(MP_STATE_VM(vision_sensor_frame)));
        MP_STATE_VM(vision_sensor_frame) = MP_OBJ_NULL;
    }
}

static void need_reset(const char *fn) {
    check_epoch();
    if (!st.reset) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("sensor.%s: call sensor.reset() first"), fn);
    }
}

static NORETURN void raise_hw(const char *fn, int r) {
    mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("sensor.%s: camera error %d (%s)"), fn, -r,
        r == -ENODEV ? "no camera on this board" : r == -ETIMEDOUT ? "no frame in time" : "driver error");
}

static int out_w(void) {
    return st.win_w ? st.win_w : framesizes[st.framesize].w;
}
static int out_h(void) {
    return st.win_h ? st.win_h : framesizes[st.framesize].h;
}

static mp_obj_t sensor_reset(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    (void)n_args;
    (void)args;
    (void)kw_args;   // MaixPy's freq=, dual_buff= tune the DVP clock; the seam chooses it
    check_epoch();
    drop_frame();
    uint32_t id = 0;
    int r = camera_hw_init(&id);
    if (r == -ENODEV) {
        mp_raise_msg_varg(&mp_type_OSError,
            MP_ERROR_TEXT("sensor.reset: no camera answered (ENODEV); on the simulated board start it with --camera FILE|DIR or $K210_SIM_CAMERA"));
    }
    if (r != 0) {
        raise_hw("reset", r);
    }
    st.reset = st.running = st.dirty = true;
    st.off = false;
    st.id = id;
    st.fmt = VISION_RGB565;
    st.framesize = 3;   // QVGA
    st.win_w = st.win_h = 0;
    st.hmirror = st.vflip = false;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(sensor_reset_obj, 0, sensor_reset);

static mp_obj_t sensor_set_pixformat(mp_obj_t f_in) {
    need_reset("set_pixformat");
    mp_int_t f = mp_obj_get_int(f_in);
    if (f != VISION_RGB565 && f != VISION_GRAYSCALE) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("sensor.set_pixformat(%ld): unsupported; use sensor.RGB565 or sensor.GRAYSCALE"), (long)f);
    }
    st.fmt = (int)f;
    st.dirty = true;
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(sensor_set_pixformat_obj, sensor_set_pixformat);

static mp_obj_t sensor_set_framesize(mp_obj_t f_in) {
    need_reset("set_framesize");
    mp_int_t f = mp_obj_get_int(f_in);
    if (f < 1 || f >= N_FRAMESIZES) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("sensor.set_framesize(%ld): unsupported frame size; use sensor.QQQVGA, QQVGA (160x120), QVGA (320x240), VGA (640x480), B64X64, B128X128 or B240X240"),
            (long)f);
    }
    if (f >= FIRST_TOO_BIG) {
        // a QVGA frame and its AI planes are 384 KB of the pool already; the DVP path stops at VGA
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("sensor.set_framesize(sensor.%s): %dx%d is not supported; the largest frame is VGA (640x480)"),
            framesizes[f].name, framesizes[f].w, framesizes[f].h);
    }
    st.framesize = (int)f;
    st.win_w = st.win_h = 0;
    st.dirty = true;
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(sensor_set_framesize_obj, sensor_set_framesize);

// A centred window of the frame, as the sensor crops it before the DVP: (w, h), or (x, y, w, h)
// when (x, y) is the centred position.
static mp_obj_t sensor_set_windowing(mp_obj_t roi) {
    need_reset("set_windowing");
    size_t n;
    mp_obj_t *items;
    mp_obj_get_array(roi, &n, &items);
    if (n != 2 && n != 4) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("sensor.set_windowing: give (w, h); got %d values"), (int)n);
    }
    int w = mp_obj_get_int(items[n - 2]), h = mp_obj_get_int(items[n - 1]);
    int fw = framesizes[st.framesize].w, fh = framesizes[st.framesize].h;
    if (w < 8 || h < 8 || w > fw || h > fh) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("sensor.set_windowing: window %dx%d does not fit the %dx%d frame (%s)"), w, h, fw, fh,
            framesizes[st.framesize].name);
    }
    if (n == 4 && (mp_obj_get_int(items[0]) != (fw - w) / 2 || mp_obj_get_int(items[1]) != (fh - h) / 2)) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("sensor.set_windowing: only the centred window is supported (x, y = %d, %d for %dx%d)"),
            (fw - w) / 2, (fh - h) / 2, w, h);
    }
    st.win_w = (uint16_t)w;
    st.win_h = (uint16_t)h;
    st.dirty = true;
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(sensor_set_windowing_obj, sensor_set_windowing);

// A sensor switch: set_hmirror, set_vflip (a new configuration before the next frame) and run.
static mp_obj_t set_switch(const char *fn, bool *flag, mp_obj_t on, bool reconfigure) {
    need_reset(fn);
    *flag = mp_obj_is_true(on);
    st.dirty |= reconfigure;
    return mp_const_true;
}

static mp_obj_t sensor_set_hmirror(mp_obj_t on) {
    return set_switch("set_hmirror", &st.hmirror, on, true);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sensor_set_hmirror_obj, sensor_set_hmirror);

static mp_obj_t sensor_set_vflip(mp_obj_t on) {
    return set_switch("set_vflip", &st.vflip, on, true);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sensor_set_vflip_obj, sensor_set_vflip);

static mp_obj_t sensor_run(mp_obj_t on) {
    return set_switch("run", &st.running, on, false);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sensor_run_obj, sensor_run);

static mp_obj_t sensor_shutdown(mp_obj_t off) {
    need_reset("shutdown");
    int r = camera_hw_shutdown(mp_obj_is_true(off));
    if (r != 0) {
        raise_hw("shutdown", r);
    }
    st.off = mp_obj_is_true(off);
    if (st.off) {
        drop_frame();   // the frame's pool memory goes back while the camera sleeps
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(sensor_shutdown_obj, sensor_shutdown);

static mp_obj_t sensor_snapshot(void) {
    need_reset("snapshot");
    if (st.off) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("sensor.snapshot: the sensor is shut down; call sensor.shutdown(False)"));
    }
    if (!st.running) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("sensor.snapshot: the sensor is stopped; call sensor.run(1)"));
    }
    int w = out_w(), h = out_h();
    img_fmt_t fmt = st.fmt == VISION_RGB565 ? IMG_RGB565 : IMG_GRAYSCALE;
    if (st.dirty) {
        camera_hw_cfg_t cfg = { .width = (uint16_t)w, .height = (uint16_t)h, .grayscale = fmt == IMG_GRAYSCALE,
                                .hmirror = st.hmirror, .vflip = st.vflip };
        int r = camera_hw_configure(&cfg);
        if (r != 0) {
            raise_hw("snapshot", r);
        }
        st.dirty = false;
    }
    image_obj_t *fr = MP_STATE_VM(vision_sensor_frame) == MP_OBJ_NULL ? NULL : MP_OBJ_TO_PTR(MP_STATE_VM(vision_sensor_frame));
    // a script may have turned the frame grey in place or cut its AI frame: make a fresh one
    if (fr == NULL || fr->w != w || fr->h != h || fr->fmt != fmt || fr->ai == MP_OBJ_NULL) {
        drop_frame();
        fr = image_new(w, h, fmt, true, false);
        MP_STATE_VM(vision_sensor_frame) = MP_OBJ_FROM_PTR(fr);
    }
    img_t im = image_view(fr);
    size_t n;
    uint8_t *ai = image_ai(fr, &n);
    int r = camera_hw_snapshot(im.px, ai, SNAPSHOT_TIMEOUT_MS);
    if (r == -ETIMEDOUT) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("sensor.snapshot: no frame within %d ms"), SNAPSHOT_TIMEOUT_MS);
    }
    if (r != 0) {
        raise_hw("snapshot", r);
    }
    st.snapshots++;
    return MP_OBJ_FROM_PTR(fr);
}
static MP_DEFINE_CONST_FUN_OBJ_0(sensor_snapshot_obj, sensor_snapshot);

static mp_obj_t sensor_skip_frames(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    mp_int_t n = n_args > 0 ? mp_obj_get_int(args[0]) : 10;
    mp_map_elem_t *t = mp_map_lookup(kw_args, MP_OBJ_NEW_QSTR(MP_QSTR_time), MP_MAP_LOOKUP);
    if (t != NULL) {
        mp_int_t ms = mp_obj_get_int(t->value);
        mp_uint_t start = mp_hal_ticks_ms();
        while ((mp_int_t)(mp_hal_ticks_ms() - start) < ms) {
            sensor_snapshot();
        }
        return mp_const_none;
    }
    for (mp_int_t i = 0; i < n; i++) {
        sensor_snapshot();
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(sensor_skip_frames_obj, 0, sensor_skip_frames);

static mp_obj_t sensor_width(void) {
    need_reset("width");
    return MP_OBJ_NEW_SMALL_INT(out_w());
}
static MP_DEFINE_CONST_FUN_OBJ_0(sensor_width_obj, sensor_width);

static mp_obj_t sensor_height(void) {
    need_reset("height");
    return MP_OBJ_NEW_SMALL_INT(out_h());
}
static MP_DEFINE_CONST_FUN_OBJ_0(sensor_height_obj, sensor_height);

static mp_obj_t sensor_get_id(void) {
    need_reset("get_id");
    return mp_obj_new_int_from_uint(st.id);
}
static MP_DEFINE_CONST_FUN_OBJ_0(sensor_get_id_obj, sensor_get_id);

const void *sensor_last_frame(unsigned *w, unsigned *h, int *gray, uint32_t *frame_no) {
    if (st.epoch != kpu_ledger_epoch() || MP_STATE_VM(vision_sensor_frame) == MP_OBJ_NULL) {
        return NULL;   // nothing snapped since the soft reset that freed the old frame
    }
    image_obj_t *fr = MP_OBJ_TO_PTR(MP_STATE_VM(vision_sensor_frame));
    img_t im = image_view(fr);   // the script may have turned it grey in place: read fmt now
    *w = im.w;
    *h = im.h;
    *gray = im.fmt == IMG_GRAYSCALE;
    *frame_no = st.snapshots;
    return im.px;
}

static const mp_rom_map_elem_t sensor_module_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_sensor) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&sensor_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_pixformat), MP_ROM_PTR(&sensor_set_pixformat_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_framesize), MP_ROM_PTR(&sensor_set_framesize_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_windowing), MP_ROM_PTR(&sensor_set_windowing_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_hmirror), MP_ROM_PTR(&sensor_set_hmirror_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_vflip), MP_ROM_PTR(&sensor_set_vflip_obj) },
    { MP_ROM_QSTR(MP_QSTR_run), MP_ROM_PTR(&sensor_run_obj) },
    { MP_ROM_QSTR(MP_QSTR_skip_frames), MP_ROM_PTR(&sensor_skip_frames_obj) },
    { MP_ROM_QSTR(MP_QSTR_snapshot), MP_ROM_PTR(&sensor_snapshot_obj) },
    { MP_ROM_QSTR(MP_QSTR_width), MP_ROM_PTR(&sensor_width_obj) },
    { MP_ROM_QSTR(MP_QSTR_height), MP_ROM_PTR(&sensor_height_obj) },
    { MP_ROM_QSTR(MP_QSTR_get_id), MP_ROM_PTR(&sensor_get_id_obj) },
    { MP_ROM_QSTR(MP_QSTR_shutdown), MP_ROM_PTR(&sensor_shutdown_obj) },
    { MP_ROM_QSTR(MP_QSTR_RGB565), MP_ROM_INT(VISION_RGB565) },
    { MP_ROM_QSTR(MP_QSTR_GRAYSCALE), MP_ROM_INT(VISION_GRAYSCALE) },
    { MP_ROM_QSTR(MP_QSTR_QQQVGA), MP_ROM_INT(1) },
    { MP_ROM_QSTR(MP_QSTR_QQVGA), MP_ROM_INT(2) },
    { MP_ROM_QSTR(MP_QSTR_QVGA), MP_ROM_INT(3) },
    { MP_ROM_QSTR(MP_QSTR_VGA), MP_ROM_INT(4) },
    { MP_ROM_QSTR(MP_QSTR_B64X64), MP_ROM_INT(5) },
    { MP_ROM_QSTR(MP_QSTR_B128X128), MP_ROM_INT(6) },
    { MP_ROM_QSTR(MP_QSTR_B240X240), MP_ROM_INT(7) },
    { MP_ROM_QSTR(MP_QSTR_SVGA), MP_ROM_INT(8) },
    { MP_ROM_QSTR(MP_QSTR_XGA), MP_ROM_INT(9) },
    { MP_ROM_QSTR(MP_QSTR_SXGA), MP_ROM_INT(10) },
    { MP_ROM_QSTR(MP_QSTR_UXGA), MP_ROM_INT(11) },
    { MP_ROM_QSTR(MP_QSTR_OV2640_ID), MP_ROM_INT(0x2642) },
    { MP_ROM_QSTR(MP_QSTR_OV5640_ID), MP_ROM_INT(0x5640) },
    { MP_ROM_QSTR(MP_QSTR_GC0328_ID), MP_ROM_INT(0x9d) },
};
static MP_DEFINE_CONST_DICT(sensor_module_globals, sensor_module_table);

const mp_obj_module_t sensor_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&sensor_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_sensor, sensor_module);
