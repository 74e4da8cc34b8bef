// PNG reader of the simulated camera (host only: it allocates with malloc). 8-bit grey, grey +
// alpha, RGB, RGBA and palette images, non-interlaced, with our own inflate (RFC 1950/1951).
#ifndef K210_SIM_PNG_H
#define K210_SIM_PNG_H

#include <stddef.h>
#include <stdint.h>

// Decodes to malloc'd RGB888 (alpha dropped); 0 or -1 with err (IMG_ERR_LEN bytes) set.
int sim_png_decode(const uint8_t *d, size_t n, uint8_t **rgb, int *w, int *h, char *err);

#endif
