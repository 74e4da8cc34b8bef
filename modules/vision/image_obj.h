// The image.Image object shared by the image, sensor and lcd bindings: pixels (RGB565 or
// GRAYSCALE) and, once made, the planar AI frame, each in its own LedgerBuf (ledger pool, never
// the GC heap; freed when the object dies, by soft reset, or when a module drops a frame).
#ifndef VISION_IMAGE_OBJ_H
#define VISION_IMAGE_OBJ_H

#include "py/obj.h"

#include "img.h"

// Pixel format numbers of image.format() and sensor.set_pixformat (one numbering for both).
#define VISION_GRAYSCALE (1)
#define VISION_RGB565    (2)

typedef struct {
    mp_obj_base_t base;
    mp_obj_t pix;           // LedgerBuf of w*h*bpp bytes
    mp_obj_t ai;            // LedgerBuf of the AI planes, or MP_OBJ_NULL until pix_to_ai/snapshot
    uint16_t w, h;
    uint8_t fmt;            // img_fmt_t
} image_obj_t;

extern const mp_obj_type_t image_type;

// A new image (pixels not cleared unless clear); with_ai also allocates the AI frame. Raises
// MemoryError (from the ledger) with nothing left allocated.
image_obj_t *image_new(int w, int h, img_fmt_t fmt, bool with_ai, bool clear);
// A plain view of the pixels (raises ValueError if a soft reset freed them).
img_t image_view(image_obj_t *o);
// The AI frame, made from the pixels first if the image has none.
uint8_t *image_ai(image_obj_t *o, size_t *len);
// Frees both blocks now (sensor/lcd drop frames they replace); the object then raises on use.
void image_release(image_obj_t *o);
// A colour argument: (r, g, b) tuple or an int (RGB565 value, or luma for GRAYSCALE).
uint32_t image_color_arg(img_fmt_t fmt, mp_obj_t c);

#endif
