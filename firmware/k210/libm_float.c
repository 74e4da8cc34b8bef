// Single-precision libm for the cross-built boards (K210 and QEMU_VIRT), over the double one.
// The core's float type is double, so picolibc's double functions are linked anyway; its separate
// float versions (their own argument reduction, pow and exp tables) were about 8 KB of firmware.bin
// for the nncase kernels alone. A double result rounded once to float is at least as accurate as
// picolibc's float code (the rounding-only ones are exact either way); defining the symbols here
// keeps the linker from taking libm's members.
#include <math.h>

float expf(float x) {
    return (float)exp(x);
}

float logf(float x) {
    return (float)log(x);
}

float powf(float x, float y) {
    return (float)pow(x, y);
}

float sinf(float x) {
    return (float)sin(x);
}

float cosf(float x) {
    return (float)cos(x);
}

float tanhf(float x) {
    return (float)tanh(x);
}

float fmodf(float x, float y) {
    return (float)fmod(x, y);   // exact in double, so exact after the conversion
}

float floorf(float x) {
    return (float)floor(x);
}

float ceilf(float x) {
    return (float)ceil(x);
}

float roundf(float x) {
    return (float)round(x);
}

float rintf(float x) {
    return (float)rint(x);   // the current rounding mode, as rintf's
}

long lrintf(float x) {
    return lrint(x);
}
