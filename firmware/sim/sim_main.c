// The simulated board's process entry: options, state directory, then the shared firmware.
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k210_main.h"
#include "sim.h"
#include "board.h"

sim_config_t sim_config;

static void usage(FILE *f) {
    fprintf(f,
        "usage: k210-sim [--pty] [--state DIR] [--sd-size MIB] [--maixpy] [--no-sd] [--flash-cut-after N] [--flash-log FILE]\n"
        "                [--camera FILE|DIR] [--camera-fps N] [--camera-mount MOUNT]\n"
        "  Runs the k210-kpu firmware as a simulated K210 board (6 MiB SRAM + 2 MiB AI SRAM,\n"
        "  SD card and 16 MiB SPI flash kept as image files in DIR).\n"
        "  --pty        serve the REPL on a new pty; its path is the first line printed\n"
        "  --state DIR  storage directory (default: $K210_SIM_DIR, else build/sim/state)\n"
        "  --sd-size N  size in MiB of a newly created SD image (default %u)\n"
        "  --maixpy     behave like MaixPy-v1: no raw-paste, '[MaixPy]: soft reboot'\n"
        "  --no-sd      boot with the SD card slot empty\n"
        "  --flash-cut-after N  power cut: the Nth SPI flash erase/program stops half done and\n"
        "               the process exits with status 75 (fault injection; state stays as left)\n"
        "  --flash-log FILE  append 'E offset' / 'P offset bytes' for every flash erase/program\n"
        "  --camera FILE|DIR  the camera shows this image (BMP, PGM/PPM, PNG, JPEG) or cycles the\n"
        "               directory's images in name order (default: $K210_SIM_CAMERA; none: no camera)\n"
        "  --camera-fps N  frames per second (default: $K210_SIM_CAMERA_FPS, else 30)\n"
        "  --camera-mount none|hmirror|vflip|rot180  how the sensor sits on the board (default:\n"
        "               $K210_SIM_CAMERA_MOUNT, else none); set_hmirror/set_vflip act on top of it\n"
        "  In a terminal, Ctrl-] quits the simulator.\n",
        BOARD_SD_DEFAULT_BYTES >> 20);
}

// build/sim/state next to the executable, so every checkout keeps its own board.
static char *default_state_dir(void) {
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        return "k210-sim-state";
    }
    exe[n] = 0;
    snprintf(path, sizeof(path), "%s/state", dirname(exe));
    return path;
}

int sim_open_image(const char *name, size_t size, int fill, size_t *actual) {
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", sim_config.state_dir, name);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (fill == 0) {
                if (ftruncate(fd, (off_t)size) != 0) {   // sparse: a blank card reads zeros
                    close(fd);
                    return -errno;
                }
            } else {
                static unsigned char block[65536];
                memset(block, fill, sizeof(block));
                for (size_t done = 0; done < size; done += sizeof(block)) {
                    if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
                        close(fd);
                        return -EIO;
                    }
                }
            }
        }
    }
    if (fd < 0) {
        fprintf(stderr, "k210-sim: cannot open %s: %s\n", path, strerror(errno));
        return -errno;
    }
    struct stat st;
    fstat(fd, &st);
    *actual = (size_t)st.st_size;
    return fd;
}

int main(int argc, char **argv) {
    const char *env = getenv("K210_SIM_DIR");
    sim_config.state_dir = env && *env ? env : default_state_dir();
    sim_config.sd_bytes = BOARD_SD_DEFAULT_BYTES;
    sim_config.camera = getenv("K210_SIM_CAMERA");
    const char *fps = getenv("K210_SIM_CAMERA_FPS"), *mount = getenv("K210_SIM_CAMERA_MOUNT");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pty") == 0) {
            sim_config.use_pty = 1;
        } else if (strcmp(argv[i], "--maixpy") == 0) {
            k210_maixpy_compat = 1;
        } else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
            sim_config.state_dir = argv[++i];
        } else if (strcmp(argv[i], "--sd-size") == 0 && i + 1 < argc) {
            long mib = strtol(argv[++i], NULL, 10);
            if (mib < 1 || mib > 4096) {
                fprintf(stderr, "k210-sim: --sd-size %s: give MiB from 1 to 4096\n", argv[i]);
                return 2;
            }
            sim_config.sd_bytes = (size_t)mib << 20;
        } else if (strcmp(argv[i], "--no-sd") == 0) {
            sim_config.no_sd = 1;
        } else if (strcmp(argv[i], "--flash-cut-after") == 0 && i + 1 < argc) {
            sim_config.flash_cut_after = strtol(argv[++i], NULL, 10);
            if (sim_config.flash_cut_after < 1) {
                fprintf(stderr, "k210-sim: --flash-cut-after %s: give a count from 1\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--flash-log") == 0 && i + 1 < argc) {
            sim_config.flash_log = argv[++i];
        } else if (strcmp(argv[i], "--camera") == 0 && i + 1 < argc) {
            sim_config.camera = argv[++i];
        } else if (strcmp(argv[i], "--camera-fps") == 0 && i + 1 < argc) {
            fps = argv[++i];
        } else if (strcmp(argv[i], "--camera-mount") == 0 && i + 1 < argc) {
            mount = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "k210-sim: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    sim_config.camera_fps = fps && *fps ? (int)strtol(fps, NULL, 10) : 30;
    if (sim_config.camera_fps < 1 || sim_config.camera_fps > 1000) {
        fprintf(stderr, "k210-sim: camera fps '%s': give 1 to 1000\n", fps);
        return 2;
    }
    if (mount && *mount) {
        if (strcmp(mount, "hmirror") == 0 || strcmp(mount, "rot180") == 0) {
            sim_config.camera_mount_h = 1;
        }
        if (strcmp(mount, "vflip") == 0 || strcmp(mount, "rot180") == 0) {
            sim_config.camera_mount_v = 1;
        }
        if (strcmp(mount, "none") != 0 && !sim_config.camera_mount_h && !sim_config.camera_mount_v) {
            fprintf(stderr, "k210-sim: camera mount '%s': give none, hmirror, vflip or rot180\n", mount);
            return 2;
        }
    }
    if (sim_config.camera && *sim_config.camera && sim_camera_open(sim_config.camera) != 0) {
        return 2;
    }
    if (mkdir(sim_config.state_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "k210-sim: cannot create state directory %s: %s\n", sim_config.state_dir, strerror(errno));
        return 1;
    }
    if (sim_uart_start() != 0) {
        return 1;
    }
    k210_main();
    return 0;
}
