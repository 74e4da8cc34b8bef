// kmodel v4 (nncase 0.2): parse + validate a file, then run it node by node.
// Plain C, independent of MicroPython: the caller owns every buffer (the model bytes, the main
// memory of kv4_header_t.main_mem bytes, the AI SRAM), so the kpu module charges them to its
// ledger and this code never allocates. Layout and semantics: docs/kmodel-formats.md, "kmodel v4".
#ifndef KPU_KMODEL_V4_H
#define KPU_KMODEL_V4_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "kmodel.h"     // kmodel_err_t: functions return 0 or -errno and fill its message
#include "kpu_mem.h"   // K210_AI_SRAM_BYTES

#define KV4_IDENTIFIER   0x4B4D444Cu    // 'KMDL' as a LE u32: the bytes "LDMK" on disk
#define KV4_HEADER_BYTES 40u
// The writer pads each body to 8 bytes; real files lose up to that padding at the end.
#define KV4_MAX_SHORT_TAIL 7u

enum { KV4_MEM_CONST = 0, KV4_MEM_MAIN = 1, KV4_MEM_KPU = 2 };
enum { KV4_DT_F32 = 0, KV4_DT_U8 = 1 };

// A memory_range of the file: {memory_type, datatype, start, size}, start/size in bytes.
typedef struct {
    uint32_t type, dtype, start, size;
} kv4_mr_t;

typedef struct {
    uint32_t flags, target;
    uint32_t const_bytes, main_mem, n_nodes, n_inputs, n_outputs;
    uint32_t inputs_off, shapes_off, outputs_off, const_off, nodes_off, bodies_off;
    uint32_t declared_bytes;    // header + tables + constants + sum of body sizes
    uint32_t used_bytes;        // min(declared, file length): what must stay resident
} kv4_header_t;


// A loaded model: caller-provided buffers, bound after a successful kv4_parse.
typedef struct {
    const uint8_t *file;        // >= h.used_bytes, stays valid and unchanged while loaded
    kv4_header_t h;
    uint8_t *main_mem;          // h.main_mem bytes (may be NULL when main_mem == 0)
    uint8_t *ai_sram;           // K210_AI_SRAM_BYTES
} kv4_model_t;

// Shape/description of one node, for netinfo and set_layers (u8 maps in AI SRAM use the
// KPU row layout, see kv4_download_map).
typedef struct {
    uint32_t opcode;
    const char *name;
    kv4_mr_t out;               // where the node's (first) output lives
    int32_t out_shape[4];       // NCHW, 0s when the op does not say
    uint8_t out_is_kpu_map;     // out is a KPU-layout map in AI SRAM of out_shape
    uint32_t body_off, body_size;
} kv4_node_info_t;

// Check the whole file (header, tables, every node body and every memory range); fill *h.
// Returns 0, or -1 with *err set. Reads only file[0 .. len); bytes past len read as zeros (the
// last body may be up to KV4_MAX_SHORT_TAIL bytes short).
int kv4_parse(const uint8_t *file, size_t len, kv4_header_t *h, kmodel_err_t *err);
// The same check through a reader (n bytes at off, off + n <= len; 0 or -errno), so a file on SD
// or flash is validated before anything is allocated. Uses ~1.6 KB of stack.
typedef int (*kv4_read_fn)(void *ctx, uint32_t off, void *buf, size_t n);
int kv4_check(kv4_read_fn read, void *ctx, uint32_t len, kv4_header_t *h, kmodel_err_t *err);

// Helpers over a parsed file (valid only after kv4_parse returned 0 on the same bytes).
kv4_mr_t kv4_input(const uint8_t *file, const kv4_header_t *h, uint32_t i);
void kv4_input_shape(const uint8_t *file, const kv4_header_t *h, uint32_t i, int32_t shape[4]);
kv4_mr_t kv4_output(const uint8_t *file, const kv4_header_t *h, uint32_t i);
// Bytes a caller passes for input i: N*C*H*W * element size (not the range size: a KPU input's
// range counts the row layout).
uint32_t kv4_input_bytes(const uint8_t *file, const kv4_header_t *h, uint32_t i);
int kv4_node_info(const uint8_t *file, const kv4_header_t *h, uint32_t i, kv4_node_info_t *info);
const char *kv4_op_name(uint32_t opcode);   // NULL for an unknown opcode

// Running (the model's buffers bound). All return 0 or -1 with *err set.
int kv4_set_input(kv4_model_t *m, uint32_t i, const uint8_t *data, size_t len, kmodel_err_t *err);
// Run nodes [0, n) (n > n_nodes or n == 0: all).
int kv4_run(kv4_model_t *m, uint32_t n, kmodel_err_t *err);
// Run nodes [first, end) only (end == 0: to the last), for stepping through a model.
int kv4_run_nodes(kv4_model_t *m, uint32_t first, uint32_t end, kmodel_err_t *err);
// CPU pointer of a range of the bound model (NULL if out of its pool).
uint8_t *kv4_at(const kv4_model_t *m, const kv4_mr_t *r);

// Planar CHW <-> KPU row layout (docs/kpu.md, "AI SRAM layout"), per batch at a stride of the map's
// layout bytes. kv4_map_bytes: bytes of one C x H x W map in the layout.
uint32_t kv4_map_bytes(int32_t w, int32_t h, int32_t c);
void kv4_upload_map(const uint8_t *src, uint8_t *dst, const int32_t shape[4]);
void kv4_download_map(const uint8_t *src, uint8_t *dst, const int32_t shape[4]);

#endif
