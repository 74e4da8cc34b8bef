// Dispatch of the image decoders by the file's first bytes.
#include <stdio.h>
#include <string.h>

#include "img_codec.h"

img_file_t img_kind(const uint8_t *d, size_t n) {
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') {
        return IMG_FILE_BMP;
    }
    if (n >= 2 && d[0] == 'P' && (d[1] == '5' || d[1] == '6')) {
        return IMG_FILE_PNM;
    }
    if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff) {
        return IMG_FILE_JPEG;
    }
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
        return IMG_FILE_PNG;
    }
    return IMG_FILE_UNKNOWN;
}

const char *img_kind_name(img_file_t k) {
    static const char *const names[] = { "BMP", "PGM/PPM", "JPEG", "PNG", "unknown" };
    return names[k];
}

int img_probe(const uint8_t *d, size_t n, img_info_t *info, char *err) {
    switch (img_kind(d, n)) {
        case IMG_FILE_BMP:
            return img_bmp_probe(d, n, info, err);
        case IMG_FILE_PNM:
            return img_pnm_probe(d, n, info, err);
        case IMG_FILE_JPEG:
            return img_jpeg_probe(d, n, info, err);
        case IMG_FILE_PNG:
            snprintf(err, IMG_ERR_LEN, "PNG is read only by the simulated camera; convert it to BMP, PPM or JPEG");
            return -1;
        default:
            snprintf(err, IMG_ERR_LEN, "not a BMP, PGM/PPM or JPEG file (starts with %02x %02x %02x %02x)",
                n > 0 ? d[0] : 0, n > 1 ? d[1] : 0, n > 2 ? d[2] : 0, n > 3 ? d[3] : 0);
            return -1;
    }
}

int img_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err) {
    switch (img_kind(d, n)) {
        case IMG_FILE_BMP:
            return img_bmp_decode(d, n, sink, ctx, err);
        case IMG_FILE_PNM:
            return img_pnm_decode(d, n, sink, ctx, err);
        case IMG_FILE_JPEG:
            return img_jpeg_decode(d, n, sink, ctx, err);
        default: {
            img_info_t info;
            return img_probe(d, n, &info, err);   // sets the message
        }
    }
}
