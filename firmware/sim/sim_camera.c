// The simulated board's camera (firmware/camera_hw.h): the images named by --camera FILE|DIR or
// $K210_SIM_CAMERA (BMP, PGM/PPM, PNG, baseline JPEG; a directory cycles in name order, one file
// per frame) at a fixed frame rate (--camera-fps, default 30). Each image fills the smallest
// standard frame (80x60, 160x120, 320x240, 640x480) that holds the requested size as a lens would
// (scaled, aspect kept, the long side's excess cut off both ends; a 4:3 file is scaled whole), then
// the centre is cut out as a sensor window does. The board's mounting (--camera-mount none|
// hmirror|vflip|rot180) is applied under the script's set_hmirror/set_vflip, so a script that
// flips for its board sees the scene upright. Display (RGB565 or luma) and AI planes come from
// the same frame. Files are checked when the board starts: a bad one stops it with its name.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "camera_hw.h"
#include "img.h"
#include "img_codec.h"
#include "sim.h"
#include "sim_png.h"

#define SIM_CAMERA_ID (0x2642)   // answers as an OV2640, the sensor of most Maix boards
#define MAX_FILES (256)

typedef struct {
    char *path;
    uint8_t *rgb;           // decoded RGB888, or NULL until first shown
    int w, h;
} cam_file_t;

static cam_file_t files[MAX_FILES];
static int n_files, next_file;
static camera_hw_cfg_t cfg;
static int configured, powered_off;
static struct timespec next_frame;

static int read_file(const char *path, uint8_t **data, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -errno;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc(len > 0 ? (size_t)len : 1);
    *n = fread(*data, 1, (size_t)(len > 0 ? len : 0), f);
    fclose(f);
    return 0;
}

static void sink_rgb(void *ctx, int x, int y, int n, const uint8_t *rgb) {
    cam_file_t *cf = ctx;
    memcpy(cf->rgb + ((size_t)y * cf->w + x) * 3, rgb, (size_t)n * 3);
}

static int decode_file(cam_file_t *cf, char *err) {
    uint8_t *d;
    size_t n;
    int r = read_file(cf->path, &d, &n);
    if (r != 0) {
        snprintf(err, IMG_ERR_LEN, "cannot read it: %s", strerror(-r));
        return -1;
    }
    if (img_kind(d, n) == IMG_FILE_PNG) {
        r = sim_png_decode(d, n, &cf->rgb, &cf->w, &cf->h, err);
        free(d);
        return r;
    }
    img_info_t info;
    if (img_probe(d, n, &info, err) != 0) {
        free(d);
        return -1;
    }
    cf->w = info.w;
    cf->h = info.h;
    cf->rgb = malloc((size_t)info.w * info.h * 3);
    r = img_decode(d, n, sink_rgb, cf, err);
    free(d);
    if (r != 0) {
        free(cf->rgb);
        cf->rgb = NULL;
    }
    return r;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const cam_file_t *)a)->path, ((const cam_file_t *)b)->path);
}

int sim_camera_open(const char *path) {
    struct stat st;
    char err[IMG_ERR_LEN];
    if (stat(path, &st) != 0) {
        fprintf(stderr, "k210-sim: camera %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            if (n_files == MAX_FILES) {
                fprintf(stderr, "k210-sim: camera %s: more than %d files\n", path, MAX_FILES);
                closedir(dir);
                return -1;
            }
            size_t len = strlen(path) + strlen(e->d_name) + 2;
            files[n_files].path = malloc(len);
            snprintf(files[n_files].path, len, "%s/%s", path, e->d_name);
            n_files++;
        }
        if (dir) {
            closedir(dir);
        }
        qsort(files, (size_t)n_files, sizeof(files[0]), by_name);
        if (n_files == 0) {
            fprintf(stderr, "k210-sim: camera %s: the directory holds no images\n", path);
            return -1;
        }
    } else {
        files[0].path = strdup(path);
        n_files = 1;
    }
    for (int i = 0; i < n_files; i++) {
        if (decode_file(&files[i], err) != 0) {
            fprintf(stderr, "k210-sim: camera file %s: %s\n", files[i].path, err);
            return -1;
        }
    }
    return 0;
}

int camera_hw_init(uint32_t *id) {
    if (n_files == 0) {
        return -ENODEV;
    }
    *id = SIM_CAMERA_ID;
    configured = 0;
    powered_off = 0;   // the scene goes on: a reset does not restart the directory's cycle
    clock_gettime(CLOCK_MONOTONIC, &next_frame);
    return 0;
}

int camera_hw_configure(const camera_hw_cfg_t *c) {
    if (n_files == 0) {
        return -ENODEV;
    }
    if (c->width < 1 || c->height < 1 || c->width > 640 || c->height > 480) {
        return -EINVAL;
    }
    cfg = *c;
    configured = 1;
    return 0;
}

int camera_hw_shutdown(int off) {
    powered_off = off;
    return n_files ? 0 : -ENODEV;
}

static long ns_until(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (t->tv_sec - now.tv_sec) * 1000000000L + (t->tv_nsec - now.tv_nsec);
}

// Frames leave the sensor at a fixed rate: wait for the next one (a slow reader gets the latest).
static int wait_frame(uint32_t timeout_ms) {
    long wait = ns_until(&next_frame);
    if (wait > (long)timeout_ms * 1000000L) {
        return -ETIMEDOUT;
    }
    if (wait > 0) {
        struct timespec ts = { .tv_sec = wait / 1000000000L, .tv_nsec = wait % 1000000000L };
        while (nanosleep(&ts, &ts) != 0) {
        }
    } else {
        clock_gettime(CLOCK_MONOTONIC, &next_frame);   // late: the next frame starts from now
    }
    long period = 1000000000L / (sim_config.camera_fps > 0 ? sim_config.camera_fps : 30);
    next_frame.tv_nsec += period;
    while (next_frame.tv_nsec >= 1000000000L) {
        next_frame.tv_nsec -= 1000000000L;
        next_frame.tv_sec++;
    }
    return 0;
}

int camera_hw_snapshot(uint16_t *display, uint8_t *ai, uint32_t timeout_ms) {
    if (n_files == 0) {
        return -ENODEV;
    }
    if (!configured || powered_off) {
        return -EIO;
    }
    int r = wait_frame(timeout_ms);
    if (r != 0) {
        return r;
    }
    cam_file_t *cf = &files[next_file];
    next_file = (next_file + 1) % n_files;
    static const uint16_t bases[4][2] = { { 80, 60 }, { 160, 120 }, { 320, 240 }, { 640, 480 } };
    int bw = 640, bh = 480;
    for (int i = 0; i < 4; i++) {
        if (bases[i][0] >= cfg.width && bases[i][1] >= cfg.height) {
            bw = bases[i][0];
            bh = bases[i][1];
            break;
        }
    }
    int ox = (bw - cfg.width) / 2, oy = (bh - cfg.height) / 2;
    int hm = (cfg.hmirror != 0) ^ sim_config.camera_mount_h, vf = (cfg.vflip != 0) ^ sim_config.camera_mount_v;
    // Like a lens, the scene fills the frame at its own aspect: scaled by the smaller ratio, the
    // excess on the long side cut off equally on both sides. Each frame pixel takes the source
    // pixel under its centre: sx = x0 + (fx + 1/2) * scale, in integers over 2 * bw * bh.
    long cw = cf->w, ch = cf->h;
    long ex = 0, ey = 0, num, den;   // twice the cut-off margin, in units of 1 / den source pixels
    if (cw * bh >= ch * bw) {        // wider than the frame: rows span the height
        num = ch;
        den = bh;
        ex = cw * bh - ch * bw;
    } else {                         // taller: columns span the width
        num = cw;
        den = bw;
        ey = ch * bw - cw * bh;
    }
    size_t n = (size_t)cfg.width * cfg.height;
    for (int y = 0; y < cfg.height; y++) {
        int fy = vf ? bh - 1 - (oy + y) : oy + y;   // row in the flipped full frame
        int sy = (int)(((2L * fy + 1) * num + ey) / (2L * den));
        for (int x = 0; x < cfg.width; x++) {
            int fx = hm ? bw - 1 - (ox + x) : ox + x;
            int sx = (int)(((2L * fx + 1) * num + ex) / (2L * den));
            const uint8_t *p = cf->rgb + ((size_t)sy * cf->w + sx) * 3;
            size_t i = (size_t)y * cfg.width + x;
            if (cfg.grayscale) {
                uint8_t l = img_luma(p[0], p[1], p[2]);
                if (display) {
                    ((uint8_t *)display)[i] = l;
                }
                if (ai) {
                    ai[i] = l;
                }
            } else {
                if (display) {
                    display[i] = img_rgb565(p[0], p[1], p[2]);
                }
                if (ai) {
                    ai[i] = p[0];
                    ai[n + i] = p[1];
                    ai[2 * n + i] = p[2];
                }
            }
        }
    }
    return 0;
}
