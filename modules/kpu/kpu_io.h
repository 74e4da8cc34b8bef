// The data path of the kpu module (issue 13): what a forward reads (kpu_input.c: a path streamed
// into the model's input buffer, an image/frame or LedgerBuf used in place, bytes-like objects)
// and how its outputs are read (kpu_outputs.c: views into the model's output memory, valid until
// the model runs again or is deinitialised). modkpu.c keeps the bindings thin over these.
#ifndef KPU_IO_H
#define KPU_IO_H

#include "py/obj.h"

#include "kmodel.h"

typedef struct {
    mp_obj_base_t base;
    kmodel_t km;
    uint32_t id;
    uint32_t epoch;              // the ledger epoch the model was loaded in (soft reset frees all)
    uint32_t run_layers;         // set_layers: 0 = the whole model
    bool live;
    uint32_t runs;               // complete runs started (numbers the output views)
    uint32_t valid_run;          // the run whose outputs are in place; 0 = none (a failed or partial run)
    uint8_t *in_buf;             // the model's input buffer (ledger, "#N input"): path inputs land here
    uint8_t *out_buf;            // copies of outputs that lie in AI SRAM (ledger, "#N outputs"), or NULL
    char source[64];             // "'/sd/x.kmodel'" or "0x300000"
} kpu_model_obj_t;

extern const mp_obj_type_t kpu_model_type;
extern const mp_obj_type_t kpu_output_type;

bool kpu_model_live(const kpu_model_obj_t *m);
kpu_model_obj_t *kpu_get_model(mp_obj_t obj, const char *fn);
const char *kpu_dtype_name(kmodel_dtype_t t);
// Raises the Python exception for a kmodel error (OSError with errno, MemoryError, ValueError...).
NORETURN void kpu_raise_err(const kmodel_err_t *e);

// The input bytes for one forward of m from src (exactly m->km.input.bytes of them): a path is
// read into m's input buffer, anything with the buffer protocol (LedgerBuf, bytes, bytearray,
// memoryview, array) or an object whose .data has it (planar.Image, frames) is used in place, a
// list/tuple of numbers is converted into m's input buffer too (no GC copy). Raises
// ValueError/OSError/TypeError naming what was wrong.
const uint8_t *kpu_input_bytes(kpu_model_obj_t *m, mp_obj_t src);
// The model's input or output buffer (*buf, a ledger block "#N what" charged to the model), made
// at its first use and kept until deinit, so a loop of forwards allocates nothing; 0, or -1 with
// a MemoryError in e when the pool has no room.
int kpu_io_buffer(kpu_model_obj_t *m, uint8_t **buf, size_t bytes, const char *what, kmodel_err_t *e);
// Frees the model's input and output buffers (deinit); safe after a soft reset.
void kpu_io_release(kpu_model_obj_t *m);

// After a complete run: copies outputs that lie outside the model's own memory (AI SRAM) into
// its output buffer, so every output stays readable until the model runs again.
void kpu_outputs_settle(kpu_model_obj_t *m);
// A view of output idx of m's last complete run (kpu.get_output).
mp_obj_t kpu_output_view(kpu_model_obj_t *m, mp_uint_t idx, const char *fn);
// Output idx of the last run into out (a caller's array/bytearray/memoryview of the output's
// size, or an output view of the same model and index, rebound to this run); returns out.
mp_obj_t kpu_output_into(kpu_model_obj_t *m, mp_uint_t idx, mp_obj_t out, const char *fn);

#endif
