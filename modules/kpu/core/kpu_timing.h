// Predicted silicon time of one layer from its geometry (kpu.netinfo's predicted_ms). The
// model and its constants are explained in kpu_timing.c; scripts/k210tools/kmodel/timing.py is
// the same model on the host, and a test checks both agree on every shared model.
#ifndef K210_KPU_TIMING_H
#define K210_KPU_TIMING_H

#include <stdint.h>

#include "kmodel.h"

#define KPU_TIMING_KPU_HZ 400000000u
#define KPU_TIMING_CPU_HZ 400000000u

// Cycles of the layer: KPU clock for a KPU layer (info->on_kpu), CPU clock otherwise.
uint64_t kpu_timing_cycles(const kmodel_layer_info_t *info);
// The same in nanoseconds (rounded down).
uint64_t kpu_timing_ns(const kmodel_layer_info_t *info);

#endif
