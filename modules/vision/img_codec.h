// Image file decoders (BMP, PGM/PPM, baseline JPEG) over bytes in memory. They check the whole
// header first (img_probe), then hand decoded pixels to a sink one horizontal span at a time, so
// the caller decides where they go (an Image's RGB565 buffer, a camera's RGB888 frame) and no
// decoder allocates. Errors are a message naming the offset and what was wrong.
#ifndef VISION_IMG_CODEC_H
#define VISION_IMG_CODEC_H

#include <stddef.h>
#include <stdint.h>

typedef enum { IMG_FILE_BMP, IMG_FILE_PNM, IMG_FILE_JPEG, IMG_FILE_PNG, IMG_FILE_UNKNOWN } img_file_t;

typedef struct {
    img_file_t kind;
    int w, h;
    int gray;               // 1: the file holds luma only (PGM, grayscale JPEG)
} img_info_t;

// n RGB888 pixels (interleaved) for row y starting at column x.
typedef void (*img_sink_t)(void *ctx, int x, int y, int n, const uint8_t *rgb);

#define IMG_ERR_LEN (120)
// Which kind of file the bytes start with (no validation).
img_file_t img_kind(const uint8_t *d, size_t n);
const char *img_kind_name(img_file_t k);
// Validates the header (and, for JPEG, every marker up to the scan); 0 or -1 with err set.
int img_probe(const uint8_t *d, size_t n, img_info_t *info, char *err);
// Decodes the whole image through sink; 0 or -1 with err set (pixels already sunk are left).
int img_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err);

int img_bmp_probe(const uint8_t *d, size_t n, img_info_t *info, char *err);
int img_bmp_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err);
int img_pnm_probe(const uint8_t *d, size_t n, img_info_t *info, char *err);
int img_pnm_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err);
int img_jpeg_probe(const uint8_t *d, size_t n, img_info_t *info, char *err);
int img_jpeg_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err);

// Largest side any decoder accepts (a K210 frame is at most VGA; this bounds bad headers).
#define IMG_MAX_SIDE (4096)

#endif
