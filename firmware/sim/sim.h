// Internals shared by the simulated board's files (firmware/sim/).
#ifndef K210_SIM_H
#define K210_SIM_H

#include <stddef.h>

typedef struct {
    const char *state_dir;      // holds sd.img and flash.img
    int use_pty;                // serve the REPL on a new pty instead of stdio
    size_t sd_bytes;            // size of a newly created SD image
    int no_sd;                  // no card in the slot
    long flash_cut_after;       // power cut during this flash erase/program (1-based); 0: never
    const char *flash_log;      // appends one line per flash erase/program when set
    const char *camera;         // image file or directory the camera shows (NULL: no camera)
    int camera_fps;             // frames per second the camera delivers
    int camera_mount_h, camera_mount_v;   // how the sensor is mounted (mirrored / upside down)
} sim_config_t;

extern sim_config_t sim_config;

// REPL transport: stdio or a pty whose slave path is printed as the first line of stdout.
int sim_uart_start(void);       // 0 or -errno
void sim_uart_stop(void);

// Opens (creating if absent) a state file of the given size; fill is the byte a new file holds.
int sim_open_image(const char *name, size_t size, int fill, size_t *actual);

// Reads and checks every image of the camera (file or directory); -1 after printing why.
int sim_camera_open(const char *path);

#endif
