// kmodel files: the source a model is read from, the loaded model, and the small table of
// formats (v3, v4, v5; kmodel.c picks one by the header).
// Nothing here raises: every function returns 0 or -errno and fills a kmodel_err_t message,
// so a caller can release files and ledger blocks before it raises the Python exception.
#ifndef KPU_KMODEL_H
#define KPU_KMODEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kpu_hw.h"

struct kpu_stream;
struct kpu_stream_range_tag;

// --- errors ---
// KMODEL_EINTR: a run stopped between layers because kmodel_stop_requested() said so.
typedef enum { KMODEL_EVALUE = 1, KMODEL_EMEMORY, KMODEL_EOS, KMODEL_ERUNTIME, KMODEL_EINTR } kmodel_ekind_t;
typedef struct {
    kmodel_ekind_t kind;
    int err;                 // errno for KMODEL_EOS / KMODEL_ERUNTIME
    char msg[400];
} kmodel_err_t;
// Formats msg, sets kind; returns -EINVAL (EVALUE), -ENOMEM (EMEMORY) or -err.
int kmodel_fail(kmodel_err_t *e, kmodel_ekind_t kind, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int kmodel_vfail(kmodel_err_t *e, kmodel_ekind_t kind, int err, const char *fmt, va_list ap);
// Re-files an error a lower layer filled: sets kind and err and puts the formatted prefix
// before its message (the tail is cut if both do not fit); returns as kmodel_fail.
int kmodel_refile(kmodel_err_t *e, kmodel_ekind_t kind, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Asked between layers of a run: true stops it with KMODEL_EINTR (the next run starts afresh,
// so nothing is left half done). Without a hook nothing stops a run; modkpu.c sets one that
// answers "a Ctrl-C is pending" so a long forward ends at the next layer boundary.
void kmodel_set_stop_hook(bool (*stop)(void));
bool kmodel_stop_requested(void);

// --- where the bytes come from ---
// A flash source's reader for streamed weights (kpu_stream.h): start reading n bytes of raw flash
// at addr into buf (by DMA on a board), then wait for it; both 0 or -errno.
typedef int (*kmodel_src_start_t)(uint32_t addr, void *buf, size_t n);
typedef int (*kmodel_src_wait_t)(void);
typedef struct kmodel_src {
    // Reads n bytes at off; off + n <= size is guaranteed by the caller. 0 or -errno.
    int (*read)(struct kmodel_src *s, uint32_t off, void *buf, size_t n);
    uint32_t size;           // bytes that can be read (file length, size=, or flash to its end)
    uint32_t base;           // flash offset (0 for files), for messages
    bool is_flash;
    const char *name;        // "/sd/x.kmodel" or "flash 0x300000" (for messages)
    void *ctx;
    kmodel_src_start_t stream_start;   // flash sources only; NULL elsewhere
    kmodel_src_wait_t stream_wait;
} kmodel_src_t;
// Like s->read, but bytes in [s->size, off + n) read as zeros (the short tail of real files).
int kmodel_src_read_z(kmodel_src_t *s, uint32_t off, void *buf, size_t n);

// --- tensors and layers as the Python side sees them ---
typedef enum { KMODEL_U8 = 0, KMODEL_F32 = 1 } kmodel_dtype_t;
typedef struct {
    kmodel_dtype_t dtype;
    uint32_t c, h, w;        // planar CHW; vectors are c x 1 x 1
    uint32_t bytes;
} kmodel_tensor_t;

typedef struct {
    uint32_t type;           // the format's layer/opcode value
    const char *name;        // "K210_CONV", "SOFTMAX", ...
    bool on_kpu;
    kmodel_tensor_t in, out;
    uint32_t body_bytes;     // bytes of the layer in the file (v3 body_size)
    // K210 conv details (on_kpu only)
    uint8_t kernel, pool, depthwise, main_out;
    uint32_t weight_bytes;
} kmodel_layer_info_t;

// --- a loaded model ---
struct kmodel_format;
typedef struct kmodel {
    const struct kmodel_format *fmt;
    uint8_t *block;          // the model's ledger block (NULL once freed)
    size_t charge;           // bytes the ledger charged
    uint8_t *image;          // the file as declared by its header (zero-filled short tail)
    uint32_t image_bytes;
    uint8_t *main;           // CPU working memory (v3 main buffer)
    uint32_t main_bytes;
    uint8_t *state;          // format-private state in the block (0 bytes for v3)
    uint32_t state_bytes;
    uint32_t layers;         // layers (v3) / nodes (v4)
    uint32_t outputs;
    kmodel_tensor_t input;
    kpu_act_rule_t act_rule;
    struct kpu_stream *stream;   // stream=True: weights in flash (kpu_stream.h), in the block; else NULL
    uint8_t *stream_block;       // its buffers' ledger block
} kmodel_t;

// What a format's check() learnt from the file, before anything is allocated.
// The block is laid out image | main | state, each part rounded to KPU_LEDGER_ALIGN, so
// charge = A(image_bytes) + A(main_bytes) + A(state_bytes) (kpu_ledger.h), plus
// image_align - 128 when a format asks for an image alignment above the ledger's 128 B (v5: the
// header's alignment, 256 for K210 files), so the image can start on that boundary in the block.
typedef struct {
    uint32_t image_bytes;    // bytes to load from the source (may exceed src->size by <= 7)
    uint32_t image_align;    // 0 or a power of two: where the image must start
    uint32_t main_bytes;
    uint32_t state_bytes;
} kmodel_plan_t;

typedef struct kmodel_format {
    const char *name;        // "kmodel v3 (nncase 0.1)"
    int version;
    kpu_act_rule_t default_act_rule;
    // True when the first 16 bytes are this format's; kmodel.c picks the format by the magic /
    // version word, then asks probe (kmodel_identify needs at least 8 bytes, the rest reads 0).
    bool (*probe)(const uint8_t head[16]);
    // Validates the whole file through src (no allocation); fills plan.
    int (*check)(kmodel_src_t *src, kmodel_plan_t *plan, kmodel_err_t *e);
    // After the image is in the block: fill m->layers/outputs/input, set up m->state.
    int (*prepare)(kmodel_t *m, kmodel_err_t *e);
    // Puts the input (m->input.bytes bytes) where the first layer reads it and runs the first
    // n layers (n = m->layers for the whole model).
    int (*run)(kmodel_t *m, const uint8_t *input, uint32_t n, kmodel_err_t *e);
    // Output idx of a complete run: shape, and (dst != NULL) its bytes copied to dst.
    int (*output)(const kmodel_t *m, uint32_t idx, kmodel_tensor_t *t, void *dst);
    // Where output idx of a complete run lies (its bytes as output() copies them), so it can be
    // read in place; NULL when the format cannot say (the caller then copies through output()).
    // The pointer may be in AI SRAM, which the next run of any model overwrites.
    const uint8_t *(*output_data)(const kmodel_t *m, uint32_t idx);
    // The output of layer i after a run that stopped after it (dst as above).
    int (*layer_output)(const kmodel_t *m, uint32_t i, kmodel_tensor_t *t, void *dst);
    int (*layer_info)(const kmodel_t *m, uint32_t i, kmodel_layer_info_t *info);
    // The KPU weight ranges a streamed load leaves in flash, in file order (out NULL: count only;
    // else out[0..*n) filled: layer, off, bytes). NULL for a format that cannot stream.
    int (*stream_ranges)(kmodel_src_t *src, struct kpu_stream_range_tag *out, uint32_t *n, kmodel_err_t *e);
} kmodel_format_t;

extern const kmodel_format_t kmodel_v3_format;
extern const kmodel_format_t kmodel_v4_format;
extern const kmodel_format_t kmodel_v5_format;

// Identifies the file from its first bytes; refuses v1, v6/v7, word-swapped and unknown files with a message saying what to do.
int kmodel_identify(const uint8_t *head, size_t n, const kmodel_format_t **fmt, kmodel_err_t *e);

// The whole load: identify, check, ask the ledger for the charge (owner/tag), read, prepare.
// On failure nothing stays allocated.
int kmodel_load(kmodel_src_t *src, uint32_t owner, const char *tag, kpu_act_rule_t *rule_override,
    kmodel_t *m, kmodel_err_t *e);
void kmodel_free(kmodel_t *m);
// The charge of a plan (kpu_ledger.h formula).
size_t kmodel_plan_charge(const kmodel_plan_t *p);
// The MemoryError of a load that needs charge B (image + working) with the ledger's figures.
int kmodel_fail_memory(kmodel_src_t *src, size_t charge, size_t image, size_t working, kmodel_err_t *e);
// The first 16 bytes of the model (zero-filled past its end) and how many it has; an error names the read.
int kmodel_read_head(kmodel_src_t *src, uint8_t head[16], size_t *got, kmodel_err_t *e);

#endif
