// The simulated board's GPIOs (firmware/gpio_hw.h), visible to the host in its state directory:
//   gpio.state  rewritten on every change, one line per routed GPIOHS line:
//               "GPIOHS<n> pad=<p> mode=<in|in_pull_up|in_pull_down|out> level=<0|1>"
//   gpio.in     written by the host (optional): "<line> <level>" lines drive inputs (a button
//               press); an input not listed reads its pull (up: 1, otherwise 0)
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "gpio_hw.h"
#include "sim.h"

static struct {
    int pad;                // -1: not routed
    gpio_hw_mode_t mode;
    int level;              // driven level (outputs)
} lines[GPIO_HW_LINES];
static int ready;

static void init(void) {
    if (!ready) {
        for (int i = 0; i < GPIO_HW_LINES; i++) {
            lines[i].pad = -1;
        }
        ready = 1;
    }
}

static void save(void) {
    static const char *const names[] = { "in", "in_pull_up", "in_pull_down", "out" };
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/gpio.state", sim_config.state_dir);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return;
    }
    for (int i = 0; i < GPIO_HW_LINES; i++) {
        if (lines[i].pad >= 0) {
            fprintf(f, "GPIOHS%d pad=%d mode=%s level=%d\n", i, lines[i].pad, names[lines[i].mode], lines[i].level);
        }
    }
    fclose(f);
}

int gpio_hw_route(unsigned pad, unsigned line) {
    init();
    if (pad >= GPIO_HW_PADS || line >= GPIO_HW_LINES) {
        return -EINVAL;
    }
    lines[line].pad = (int)pad;
    lines[line].mode = GPIO_HW_IN;
    save();
    return 0;
}

int gpio_hw_mode(unsigned line, gpio_hw_mode_t mode) {
    init();
    if (line >= GPIO_HW_LINES || lines[line].pad < 0) {
        return -EINVAL;
    }
    lines[line].mode = mode;
    save();
    return 0;
}

int gpio_hw_write(unsigned line, int level) {
    init();
    if (line >= GPIO_HW_LINES) {
        return -EINVAL;
    }
    lines[line].level = level != 0;
    save();
    return 0;
}

int gpio_hw_read(unsigned line, int *level) {
    init();
    if (line >= GPIO_HW_LINES) {
        return -EINVAL;
    }
    if (lines[line].mode == GPIO_HW_OUT) {
        *level = lines[line].level;
        return 0;
    }
    *level = lines[line].mode == GPIO_HW_IN_PULL_UP;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/gpio.in", sim_config.state_dir);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        int n, v;
        while (fscanf(f, "%d %d", &n, &v) == 2) {
            if (n == (int)line) {
                *level = v != 0;
            }
        }
        fclose(f);
    }
    return 0;
}
