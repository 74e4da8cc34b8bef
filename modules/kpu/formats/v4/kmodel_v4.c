// kmodel v4: header and table parsing, and the load-time check of every node body through the
// same decoders the executor runs (ops_v4/). docs/kmodel-formats.md, "kmodel v4".

#include "kmodel_v4.h"
#include "ops/ops_v4.h"

typedef struct {
    uint32_t opcode;
    const char *name;
    kv4_node_fn fn;
} kv4_op_t;

static const kv4_op_t ops[] = {
    { 0x00, "binary", kv4_node_binary },
    { 0x01, "concat", kv4_node_concat },
    { 0x02, "conv2d", kv4_node_conv2d },
    { 0x03, "dequantize", kv4_node_dequantize },
    { 0x04, "matmul", kv4_node_matmul },
    { 0x05, "pad", kv4_node_pad },
    { 0x06, "quantize", kv4_node_quantize },
    { 0x07, "reduce", kv4_node_reduce },
    { 0x08, "reduce_window2d", kv4_node_reduce_window2d },
    { 0x09, "memory_copy", kv4_node_memory_copy },
    { 0x0A, "resize_image", kv4_node_resize_image },
    { 0x0B, "softmax", kv4_node_softmax },
    { 0x0C, "transpose", kv4_node_transpose },
    { 0x0D, "strided_slice", kv4_node_strided_slice },
    { 0x0E, "unary", kv4_node_unary },
    { 0x0F, "quantized_conv2d", kv4_node_quantized_conv2d },
    { 0x10, "quantized_matmul", kv4_node_quantized_matmul },
    { 0x11, "quantized_binary", kv4_node_quantized_binary },
    { 0x12, "table_lookup1d", kv4_node_table_lookup1d },
    { 0x13, "conv2d_transpose", kv4_node_conv2d_transpose },
    { 0x14, "nnil_unary_method", kv4_node_nnil_unary_method },
    { 0x2001, "kpu_upload", kv4_node_kpu_upload },
    { 0x2002, "kpu_conv2d", kv4_node_kpu_conv2d },
};

static const char *const cpu_ops[] = {
    "cpu_conv2d", "cpu_depthwise_conv2d", "cpu_reduce_window2d", "cpu_quantized_conv2d", "cpu_quantized_depthwise_conv2d",
};

static const kv4_op_t *find_op(uint32_t opcode) {
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (ops[i].opcode == opcode) {
            return &ops[i];
        }
    }
    return NULL;
}

const char *kv4_op_name(uint32_t opcode) {
    const kv4_op_t *op = find_op(opcode);
    if (op) {
        return op->name;
    }
    if (opcode >= 0x1001 && opcode <= 0x1005) {
        return cpu_ops[opcode - 0x1001];
    }
    return NULL;
}

kv4_node_fn kv4_node_function(uint32_t opcode) {
    const kv4_op_t *op = find_op(opcode);
    return op ? op->fn : NULL;
}

static uint32_t rd(const uint8_t *f, uint32_t off) {
    return kv4_rd_u32(f + off);
}

// A value error about the file; the message names the offset or node and what is wrong.
#define fail(err, ...) kmodel_fail((err), KMODEL_EVALUE, 0, __VA_ARGS__)

kv4_mr_t kv4_input(const uint8_t *f, const kv4_header_t *h, uint32_t i) {
    return kv4_rd_mr(f + h->inputs_off + 16 * i);
}
kv4_mr_t kv4_output(const uint8_t *f, const kv4_header_t *h, uint32_t i) {
    return kv4_rd_mr(f + h->outputs_off + 16 * i);
}
void kv4_input_shape(const uint8_t *f, const kv4_header_t *h, uint32_t i, int32_t shape[4]) {
    kernel_shape_t s = kv4_rd_shape(f + h->shapes_off + 16 * i);
    memcpy(shape, s.d, sizeof(s.d));
}
uint32_t kv4_input_bytes(const uint8_t *f, const kv4_header_t *h, uint32_t i) {
    kv4_mr_t r = kv4_input(f, h, i);
    kernel_shape_t s = kv4_rd_shape(f + h->shapes_off + 16 * i);
    return (uint32_t)kernel_count(&s) * kv4_dt_bytes(r.dtype);
}

static const char *const pool_names[3] = { "constants", "main memory", "KPU memory" };

#define KV4_WINDOW 1536u   // bytes of a node body the load-time check can read at once (stack)
#define KV4_FIXED_MAX 160u // the longest fixed part of any body (quantized_binary: 136)

typedef struct {
    kv4_read_fn read;
    void *ctx;
    uint32_t len;
} src_t;

// Read n bytes at off (bytes past the end read as zeros: the short tail of real files).
static int get(src_t *s, uint32_t off, void *buf, size_t n, kmodel_err_t *err) {
    memset(buf, 0, n);
    if (off >= s->len) {
        return 0;
    }
    size_t have = s->len - off < n ? s->len - off : n;
    int r = s->read(s->ctx, off, buf, have);
    if (r) {
        return fail(err, "read error %d at offset %u", r, (unsigned)off);
    }
    return 0;
}

static int check_io(src_t *s, const kv4_header_t *h, kmodel_err_t *err) {
    uint32_t pools[3] = { h->const_bytes, h->main_mem, K210_AI_SRAM_BYTES };
    uint8_t b[16];
    for (uint32_t i = 0; i < h->n_inputs; i++) {
        uint32_t at = h->inputs_off + 16 * i;
        if (get(s, at, b, 16, err)) {
            return -EINVAL;
        }
        kv4_mr_t r = kv4_rd_mr(b);
        if (get(s, h->shapes_off + 16 * i, b, 16, err)) {
            return -EINVAL;
        }
        kernel_shape_t sh = kv4_rd_shape(b);
        if (r.type != KV4_MEM_MAIN && r.type != KV4_MEM_KPU) {
            return fail(err, "input %u has memory type %u (expected 1 main or 2 kpu)", (unsigned)i, (unsigned)r.type);
        }
        if (r.dtype > KV4_DT_U8) {
            return fail(err, "input %u has datatype %u (expected 0 float32 or 1 uint8)", (unsigned)i, (unsigned)r.dtype);
        }
        for (int k = 0; k < 4; k++) {
            if (sh.d[k] < 1 || sh.d[k] > 65536) {
                return fail(err, "input %u shape [%d,%d,%d,%d] is not valid", (unsigned)i,
                    (int)sh.d[0], (int)sh.d[1], (int)sh.d[2], (int)sh.d[3]);
            }
        }
        uint64_t n = (uint64_t)sh.d[0] * sh.d[1] * sh.d[2] * sh.d[3];
        uint64_t need;   // bytes the input writes into its pool
        if (r.type == KV4_MEM_KPU) {
            if (r.dtype != KV4_DT_U8 || sh.d[3] > 1024 || sh.d[2] > 512 || sh.d[1] > 1024) {
                return fail(err, "input %u in KPU memory must be a u8 map of at most 1024x512x1024", (unsigned)i);
            }
            need = (uint64_t)sh.d[0] * kv4_map_bytes(sh.d[3], sh.d[2], sh.d[1]);
        } else {
            need = n * kv4_dt_bytes(r.dtype);
            if (r.size < need) {
                return fail(err, "input %u range has %u bytes, its shape needs %llu", (unsigned)i, (unsigned)r.size,
                    (unsigned long long)need);
            }
        }
        if (n > (1u << 24) || (uint64_t)r.start + need > pools[r.type] || (uint64_t)r.start + r.size > pools[r.type]) {
            return fail(err, "input %u at %u (%llu bytes) is outside %s (%u bytes)", (unsigned)i, (unsigned)r.start,
                (unsigned long long)(need > r.size ? need : r.size), pool_names[r.type], (unsigned)pools[r.type]);
        }
        if (r.dtype == KV4_DT_F32 && (r.start & 3)) {
            return fail(err, "input %u at %u is not 4-byte aligned", (unsigned)i, (unsigned)r.start);
        }
    }
    for (uint32_t i = 0; i < h->n_outputs; i++) {
        uint32_t at = h->outputs_off + 16 * i;
        if (get(s, at, b, 16, err)) {
            return -EINVAL;
        }
        kv4_mr_t r = kv4_rd_mr(b);
        if (r.type > KV4_MEM_KPU || r.dtype > KV4_DT_U8) {
            return fail(err, "output %u has memory type %u / datatype %u", (unsigned)i, (unsigned)r.type, (unsigned)r.dtype);
        }
        if ((uint64_t)r.start + r.size > pools[r.type]) {
            return fail(err, "output %u [%u, %llu) is outside %s (%u bytes)", (unsigned)i, (unsigned)r.start,
                (unsigned long long)r.start + r.size, pool_names[r.type], (unsigned)pools[r.type]);
        }
        if (r.dtype == KV4_DT_F32 && ((r.start | r.size) & 3)) {
            return fail(err, "output %u (float32) at %u size %u is not 4-byte aligned", (unsigned)i, (unsigned)r.start, (unsigned)r.size);
        }
    }
    return 0;
}

static int check_nodes(src_t *s, const kv4_header_t *h, kmodel_err_t *err) {
    kv4_env_t env = { { NULL, NULL, NULL }, { h->const_bytes, h->main_mem, K210_AI_SRAM_BYTES }, 0, 0, 0, 0, 0, NULL, err };
    uint8_t window[KV4_WINDOW + 8] __attribute__((aligned(8)));
    uint64_t off = h->bodies_off;
    for (uint32_t i = 0; i < h->n_nodes; i++) {
        uint32_t hdr = h->nodes_off + 8 * i;
        uint8_t nh[8];
        if (get(s, hdr, nh, 8, err)) {
            return -EINVAL;
        }
        uint32_t opcode = kv4_rd_u32(nh), size = kv4_rd_u32(nh + 4);
        kv4_node_fn fn = kv4_node_function(opcode);
        if (!fn) {
            if (opcode >= 0x1001 && opcode <= 0x1005) {
                return fail(err, "node %u is %s (opcode 0x%04x), a CPU op the nncase 0.2 runtime does not run; "
                    "recompile the model with nncase 0.2.0-beta4", (unsigned)i, cpu_ops[opcode - 0x1001], (unsigned)opcode);
            }
            return fail(err, "node %u has unknown opcode 0x%x; this is not an nncase 0.2 (kmodel v4) op",
                (unsigned)i, (unsigned)opcode);
        }
        // the body sits at the same offset mod 8 as in the loaded image, so alignment checks hold
        uint8_t *b = window + (off & 7);
        // only concat (its input table) and nnil (its program) read past their fixed part
        uint32_t want = opcode == 0x01 || opcode == 0x14 ? KV4_WINDOW : KV4_FIXED_MAX;
        uint32_t visible = size < want ? size : want;
        if (get(s, (uint32_t)off, b, visible, err)) {
            return -EINVAL;
        }
        env.node = i;
        env.body_off = (uint32_t)off;
        env.op = kv4_op_name(opcode);
        env.visible = visible;
        if (fn(b, size, &env)) {
            return -EINVAL;
        }
        off += size;
    }
    return 0;
}

int kv4_check(kv4_read_fn read, void *ctx, uint32_t len, kv4_header_t *h, kmodel_err_t *err) {
    src_t s = { read, ctx, len };
    uint8_t hb[KV4_HEADER_BYTES];
    memset(h, 0, sizeof(*h));
    if (len < KV4_HEADER_BYTES) {
        return fail(err, "file of %u bytes is shorter than the 40-byte kmodel v4 header", (unsigned)len);
    }
    if (get(&s, 0, hb, sizeof(hb), err)) {
        return -EINVAL;
    }
    if (rd(hb, 0) != KV4_IDENTIFIER) {
        return fail(err, "no \"LDMK\" identifier: not an nncase kmodel v4 file");
    }
    uint32_t version = rd(hb, 4);
    if (version == 5) {
        return fail(err, "kmodel v5 (nncase 1.x) is not supported: compile with nncase 0.2.0-beta4 (v4) or 0.1.0-rc5 (v3)");
    }
    if (version == 6 || version == 7) {
        return fail(err, "kmodel v%u (nncase 2.x, K230) is not a K210 model: compile with nncase 0.2.0-beta4 (v4) or 0.1.0-rc5 (v3)",
            (unsigned)version);
    }
    if (version != 4) {
        return fail(err, "kmodel version %u is not supported (expected 4)", (unsigned)version);
    }
    h->flags = rd(hb, 8);
    h->target = rd(hb, 12);
    h->const_bytes = rd(hb, 16);
    h->main_mem = rd(hb, 20);
    h->n_nodes = rd(hb, 24);
    h->n_inputs = rd(hb, 28);
    h->n_outputs = rd(hb, 32);
    if (h->target > 1) {
        return fail(err, "target %u (expected 0 cpu or 1 k210)", (unsigned)h->target);
    }
    if (h->n_inputs < 1 || h->n_inputs > 64 || h->n_outputs < 1 || h->n_outputs > 64) {
        return fail(err, "%u inputs and %u outputs (expected 1..64 each)", (unsigned)h->n_inputs, (unsigned)h->n_outputs);
    }
    if (h->main_mem > 6u * 1024 * 1024) {
        return fail(err, "main memory of %u bytes is more than the K210's 6 MiB SRAM", (unsigned)h->main_mem);
    }
    uint64_t off = KV4_HEADER_BYTES;
    h->inputs_off = (uint32_t)off;
    off += 16ull * h->n_inputs;
    h->shapes_off = (uint32_t)off;
    off += 16ull * h->n_inputs;
    h->outputs_off = (uint32_t)off;
    off += 16ull * h->n_outputs;
    h->const_off = (uint32_t)off;
    off += h->const_bytes;
    h->nodes_off = (uint32_t)off;
    off += 8ull * h->n_nodes;
    h->bodies_off = (uint32_t)off;
    if (off > len) {
        return fail(err, "header declares %u bytes of constants and %u nodes: tables end at %llu, past the end of the file (%u bytes)",
            (unsigned)h->const_bytes, (unsigned)h->n_nodes, (unsigned long long)off, (unsigned)len);
    }
    for (uint32_t i = 0; i < h->n_nodes; i++) {
        uint8_t nh[8];
        if (get(&s, h->nodes_off + 8 * i, nh, 8, err)) {
            return -EINVAL;
        }
        off += kv4_rd_u32(nh + 4);
        if (off > (uint64_t)len + KV4_MAX_SHORT_TAIL) {
            return fail(err, "node %u (%s) body ends at %llu, %llu bytes past the end of the file "
                "(%u bytes): truncated file", (unsigned)i, kv4_op_name(kv4_rd_u32(nh)) ? kv4_op_name(kv4_rd_u32(nh)) : "?",
                (unsigned long long)off, (unsigned long long)(off - len), (unsigned)len);
        }
    }
    h->declared_bytes = (uint32_t)off;
    h->used_bytes = (uint32_t)(off < len ? off : len);
    if (check_io(&s, h, err) || check_nodes(&s, h, err)) {
        return -EINVAL;
    }
    return 0;
}

static int mem_read(void *ctx, uint32_t off, void *buf, size_t n) {
    memcpy(buf, (const uint8_t *)ctx + off, n);
    return 0;
}

int kv4_parse(const uint8_t *f, size_t len, kv4_header_t *h, kmodel_err_t *err) {
    if (len > 0xFFFFFFF0u) {
        return fail(err, "file larger than 4 GiB");
    }
    return kv4_check(mem_read, (void *)(uintptr_t)f, (uint32_t)len, h, err);
}
