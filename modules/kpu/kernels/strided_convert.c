// strided_convert (kernels.h): static_cast between the integer types and f32.
#include <string.h>

#include "kernels.h"

// The value as double: exact for every type read here.
static double load(const uint8_t *p, uint32_t dt) {
    switch (dt) {
        case KERNEL_DT_I8: return (int8_t)p[0];
        case KERNEL_DT_U8: return p[0];
        case KERNEL_DT_I16: { int16_t v; memcpy(&v, p, 2); return v; }
        case KERNEL_DT_U16: { uint16_t v; memcpy(&v, p, 2); return v; }
        case KERNEL_DT_I32: { int32_t v; memcpy(&v, p, 4); return v; }
        case KERNEL_DT_U32: { uint32_t v; memcpy(&v, p, 4); return v; }
        default: { float v; memcpy(&v, p, 4); return v; }
    }
}

static void store(uint8_t *p, uint32_t dt, double v) {
    switch (dt) {
        case KERNEL_DT_I8: p[0] = (uint8_t)(int8_t)(int32_t)v; break;
        case KERNEL_DT_U8: p[0] = (uint8_t)(int32_t)v; break;
        case KERNEL_DT_I16: { int16_t x = (int16_t)(int32_t)v; memcpy(p, &x, 2); break; }
        case KERNEL_DT_U16: { uint16_t x = (uint16_t)(int32_t)v; memcpy(p, &x, 2); break; }
        case KERNEL_DT_I32: { int32_t x = (int32_t)v; memcpy(p, &x, 4); break; }
        case KERNEL_DT_U32: { uint32_t x = (uint32_t)(int64_t)v; memcpy(p, &x, 4); break; }
        default: { float x = (float)v; memcpy(p, &x, 4); break; }
    }
}

void kernel_strided_convert(const uint8_t *in, uint32_t in_dt, uint8_t *out, uint32_t out_dt, const kernel_nd_t *nd) {
    if (kernel_nd_count(nd) == 0) {
        return;
    }
    uint32_t ie = kernel_dt_bytes(in_dt), oe = kernel_dt_bytes(out_dt);
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    int64_t i = 0, o = 0;
    do {
        store(out + o * oe, out_dt, load(in + i * ie, in_dt));
    } while (kernel_nd_next(nd, idx, &i, &o));
}
