// kmodel v5 (nncase 1.x): the container (modules stackvm + k210, mempools, functions, sections),
// the stackvm interpreter and its tensor ops, and the k210 module (docs: kmodel-v5-spec.md).
// Plain C like v3/v4: the caller owns every buffer; nothing here allocates. The whole file is
// checked before the load allocates: the container, then a symbolic run of the entry function
// (addresses stay (pool, offset) pairs, so every tensor op's extent is checked against its pool)
// under each nncase minor version's op numbering, then every k210 instruction.
#ifndef KPU_KMODEL_V5_H
#define KPU_KMODEL_V5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmodel.h"
#include "kernels.h"

#define KV5_IDENTIFIER  0x4B4D444Cu
#define KV5_MAX_MODULES 4u
#define KV5_MAX_FUNCS   128u     // functions of the k210 module (yolox: 27)
#define KV5_MAX_IO      8u       // inputs / outputs of one function
#define KV5_MAX_RANK    KERNEL_ND_MAX
#define KV5_SHAPE_REGS  60u      // shape registers the interpreter keeps (STSHAPE index below this)
#define KV5_PAD_REGS    4u       // paddings registers the interpreter keeps (the last ones set)
#define KV5_STACK       64u      // evaluation stack entries (the known files use < 40)
#define KV5_MAX_STEPS   (1u << 22)   // instructions of one run: code that runs longer is refused

enum { KV5_LOC_INPUT = 0, KV5_LOC_OUTPUT = 1, KV5_LOC_RDATA = 2, KV5_LOC_DATA = 3, KV5_LOC_SHARED = 4, KV5_LOC_KPU = 64 };
enum { KV5_MOD_STACKVM = 0, KV5_MOD_K210 = 1 };

// The op numberings of nncase 1.x (kmodel-v5-spec.md §8), oldest first.
typedef enum {
    KV5_EPOCH_10PRE,    // 1.0.0-beta1/2, master to 2021-09 (yolox), 1.0.0-rc1 (UNARY aside)
    KV5_EPOCH_10,       // 1.0.0
    KV5_EPOCH_11,
    KV5_EPOCH_12,
    KV5_EPOCH_13,       // 1.3 (MATMUL without strides, BINARY without rshape_dest)
    KV5_EPOCH_14,       // 1.4-1.5
    KV5_EPOCH_16,       // 1.6-1.9
    KV5_EPOCHS
} kv5_epoch_t;
const char *kv5_epoch_name(kv5_epoch_t e);

typedef struct {
    uint8_t loc, dt;
    uint16_t shared_module;
    uint32_t start, size;
} kv5_mr_t;

// One input or output of a function: its range and shape.
typedef struct {
    kv5_mr_t mr;
    uint32_t rank;
    uint32_t dims[KV5_MAX_RANK];
    uint32_t bytes;             // product(dims) * element size
    uint32_t main_at;           // entry function only: where it lives in the main block
} kv5_tensor_t;

typedef struct {
    uint32_t off;               // file offset of the function record
    uint32_t n_in, n_out, entry, text_size;
    uint32_t io_off;            // file offset of its first memory_range
} kv5_func_t;

typedef struct {
    uint8_t kind;               // KV5_MOD_*
    uint32_t off, size;
    uint32_t n_funcs, funcs_off;
    uint32_t rdata_size, data_size, kpu_size;
    uint32_t rdata_off, text_off, text_size;   // file offsets of the sections' bytes
    uint32_t data_at;           // where its data pool lives in the main block
} kv5_module_t;

typedef struct {
    uint32_t file_bytes, alignment;
    uint32_t n_modules, entry_module, entry_function;
    kv5_module_t mod[KV5_MAX_MODULES];
    int8_t stackvm, k210;       // module indices (-1: none)
    kv5_func_t entry;           // the entry (stackvm) function
    uint32_t n_in, n_out;
    kv5_tensor_t in[KV5_MAX_IO], out[KV5_MAX_IO];
    uint32_t k210_funcs;
    uint32_t k210_func_off[KV5_MAX_FUNCS];
    uint32_t main_bytes;        // data pools + inputs + outputs
    kv5_epoch_t epoch;          // op numbering chosen at load
    uint32_t tensor_ops;        // TENSOR instructions one run executes
    uint32_t steps;             // instructions one run executes
    uint32_t max_reg;           // highest shape register used + 1
} kv5_header_t;

// Reads bytes of the file: through a source at load, from the image once loaded.
typedef struct {
    kmodel_src_t *src;          // NULL: read from mem
    const uint8_t *mem;
    uint32_t size;
    uint32_t win_off, win_len;
    uint8_t win[256];
} kv5_reader_t;
int kv5_read(kv5_reader_t *r, uint32_t off, void *dst, uint32_t n, kmodel_err_t *e);

// --- evaluation stack entries: integers, reals and (pool, offset) addresses ---
// KV5_V_DATA: a number read from tensor memory during the load check (known only at run time):
// it may be stored or passed as a scale, never steer a branch, a shape or an address.
typedef enum { KV5_V_INT, KV5_V_REAL, KV5_V_ADDR, KV5_V_DATA } kv5_vkind_t;
enum { KV5_POOL_MAIN = 0, KV5_POOL_RDATA = 1 };   // stackvm .rdata, read-only
typedef struct {
    uint8_t kind, pool;
    int64_t i;                  // integer value, or the address offset in its pool
    uint32_t lo, hi;            // an address may reach [lo, hi) of its pool
    float f;
} kv5_value_t;

typedef struct {
    uint8_t rank;
    uint32_t d[KV5_MAX_RANK];
} kv5_shape_reg_t;

// A paddings register (STPADDINGS): its number, per dim (before, after); interior paddings are
// refused. rank 0xFF: unused.
typedef struct {
    uint8_t id, rank;
    int32_t before[KV5_MAX_RANK], after[KV5_MAX_RANK];
} kv5_pad_reg_t;

// What STIND wrote during the load check, so a later LDIND of it is known (a loop counter).
#define KV5_SHADOW 8u
typedef struct {
    uint8_t pool, size;
    uint32_t off;
    uint64_t raw;
} kv5_shadow_t;

// What one tensor op wrote (netinfo, set_layers).
#define KV5_NAME 32
typedef struct {
    char name[KV5_NAME];
    uint32_t pc;                // .text offset of the TENSOR instruction
    uint32_t funct;
    uint8_t dt;
    uint8_t pool;
    uint32_t at, count;         // output's first element offset (bytes) in the pool, elements
    uint32_t rank, dims[KV5_MAX_RANK];
    int64_t strides[KV5_MAX_RANK];  // element strides of the output
    uint32_t bytes;             // bytes of the instruction
    uint32_t k210_fn;           // CALL: the callee (else ~0)
} kv5_op_info_t;

typedef struct kv5_vm {
    const kv5_header_t *h;
    kv5_reader_t *rd;
    kv5_epoch_t epoch;
    bool run;
    bool kpu_ready;
    uint8_t *main;              // run: the main block; rdata: the stackvm .rdata in the image
    const uint8_t *rdata;
    const uint8_t *image;       // run: the loaded file
    uint8_t *ai;                // run: the AI SRAM
    uint32_t stop_after;        // stop after this many tensor ops (0: run to the end)
    uint32_t op_index;
    kv5_op_info_t last;         // the last tensor op executed
    uint32_t steps, max_reg;
    uint32_t sp;
    uint32_t hash;              // the op sequence (candidate epochs must agree)
    bool fields_ok;             // the current tensor op decoded its fields and operands
    kv5_value_t stack[KV5_STACK];
    kv5_shape_reg_t reg[KV5_SHAPE_REGS];
    kv5_pad_reg_t preg[KV5_PAD_REGS];
    uint32_t preg_next;         // the entry the next new paddings register replaces
    kv5_shadow_t shadow[KV5_SHADOW];
    uint32_t shadow_n;          // entries written (the newest KV5_SHADOW are kept)
    kmodel_err_t *err;
} kv5_vm_t;

// The container through r (nothing allocated); fills h up to the entry function's tensors and
// the main-block layout. 0 or -EINVAL with e filled.
int kv5_parse(kv5_reader_t *r, kv5_header_t *h, kmodel_err_t *e);
// Everything after the container: every k210 function, then the entry function's code under
// each numbering; picks h->epoch. vm is scratch (large: keep it off small stacks).
int kv5_check_code(kv5_reader_t *r, kv5_header_t *h, kv5_vm_t *vm, kmodel_err_t *e);

// Paddings register r if the interpreter still keeps it (else NULL).
kv5_pad_reg_t *kv5_pad_reg(kv5_vm_t *vm, uint8_t r);
// Runs the entry function (vm set up for a run); stop_after as in kv5_vm_t.
int kv5_exec(kv5_vm_t *vm);
// The tensor op at .text offset pc (decode, check, run when vm->run); *pc advances past it.
int kv5_tensor_op(kv5_vm_t *vm, uint32_t *pc);
// The k210 module: check function fn on its own; run it with its inputs/outputs bound.
int kv5_k210_check(kv5_reader_t *r, const kv5_header_t *h, uint32_t fn, kmodel_err_t *e);
int kv5_k210_run(kv5_vm_t *vm, uint32_t fn, uint8_t *const *in, uint8_t *const *out);
// Reads function record at off (of a module of kind) into f and optionally its tensors.
int kv5_read_func(kv5_reader_t *r, const kv5_module_t *m, uint32_t off, kv5_func_t *f, kv5_tensor_t *in,
    kv5_tensor_t *out, kmodel_err_t *e);

// Little-endian readers.
static inline uint32_t kv5_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint16_t kv5_u16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint64_t kv5_u64(const uint8_t *p) {
    return kv5_u32(p) | ((uint64_t)kv5_u32(p + 4) << 32);
}
static inline kv5_mr_t kv5_rd_mr(const uint8_t *p) {
    kv5_mr_t m = { p[0], p[1], kv5_u16(p + 2), kv5_u32(p + 4), kv5_u32(p + 8) };
    return m;
}

extern const kmodel_format_t kmodel_v5_format;

#endif
