// kmodel v5: what the TENSOR instruction's parts share (internal to formats/v5): the op ids,
// the decoding context of one instruction and its helpers (kmodel_v5_tensor.c), and the op
// adapters (kmodel_v5_op_*.c). An adapter decodes its fields, pops its operands, checks every
// shape and every address extent against its pool and, on a run, calls its kernel.
#ifndef KPU_KMODEL_V5_TENSOR_H
#define KPU_KMODEL_V5_TENSOR_H

#include "kmodel_v5.h"

typedef enum {
    OP_NONE, OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_COMPARE, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE,
    OP_CONVERT, OP_COPY, OP_CUMSUM, OP_DEQUANTIZE, OP_EQUAL, OP_GATHER, OP_GATHER_ND, OP_HARDMAX, OP_LOGISTIC, OP_LUT1D,
    OP_MATMUL, OP_ONEHOT, OP_PAD, OP_QUANTIZE, OP_RANDOM_NORMAL, OP_RANDOM_UNIFORM, OP_REDUCE, OP_REDUCE_ARG, OP_REDUCE_PROD,
    OP_REDUCE_WINDOW2D, OP_RESIZE_IMAGE, OP_ROI_ALIGN, OP_SIGMOID, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH, OP_TAKE,
    OP_TERNARY, OP_TOPK, OP_TRANSPOSE, OP_TRILU, OP_UNARY, OP_GRU, OP_TFLITE_DETECTION_POSTPROCESS, OP_LAYER_NORMALIZATION,
    OP_COMPRESS, OP_GATHER_ELEMENTS, OP_COUNT
} kv5_op_t;

// The numbering (kmodel_v5_opnum.c): funct id -> op under epoch e (OP_NONE: no such id), and
// the op's name.
kv5_op_t kv5_op_of(kv5_epoch_t e, uint16_t funct);
void kv5_op_name(kv5_op_t op, char out[KV5_NAME]);

// Decoding context of one instruction.
typedef struct {
    kv5_vm_t *vm;
    uint32_t pc, at;           // the instruction's .text offset; the next field's
    uint32_t base, end;        // file offset of the code; code bytes
    char name[KV5_NAME];
} kv5_dec_t;

// Fields after the funct, by a spec: d datatype, b u8, R shape register (set before), h u16,
// f f32, w u32.
typedef struct {
    const kv5_shape_reg_t *r[8];
    uint8_t b[4];
    uint16_t h[6];
    float f[2];
    uint32_t w;
} kv5_fld_t;

// Fails with "stackvm .text+PC OP: <msg>".
int kv5_dfail(kv5_dec_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kv5_fields(kv5_dec_t *d, const char *spec, kv5_fld_t *o);
// Operands by a spec in push order (A address, n number, i integer, p padding), popped last first.
int kv5_operands(kv5_dec_t *d, const char *spec, kv5_value_t *v, kernel_padding_t *pad);
float kv5_real_of(const kv5_value_t *v);
// The extent a strided tensor of elem-byte elements touches, checked against its address's
// pool (write: not .rdata); on a run *ptr is its CPU address (else NULL).
int kv5_span(kv5_dec_t *d, const kv5_value_t *addr, uint32_t elem, const kv5_shape_reg_t *shape, const kv5_shape_reg_t *stride,
    bool write, uint8_t **ptr);
bool kv5_contiguous(const kv5_shape_reg_t *shape, const kv5_shape_reg_t *stride);
void kv5_nd_of(kernel_nd_t *nd, const kv5_shape_reg_t *shape, const kv5_shape_reg_t *is, const kv5_shape_reg_t *os);
// Notes what the op wrote (netinfo, layer outputs).
void kv5_record(kv5_dec_t *d, kv5_op_t op, uint8_t dt, const kv5_value_t *out, const kv5_shape_reg_t *shape,
    const kv5_shape_reg_t *stride);

// The adapters, by file: elementwise maths (kmodel_v5_op_math.c), element moves
// (kmodel_v5_op_move.c), NCHW window ops (kmodel_v5_op_image.c), the k210 call (kmodel_v5_op_call.c).
int kv5_op_cast(kv5_dec_t *d, kv5_op_t op);       // DEQUANTIZE, QUANTIZE, CONVERT
int kv5_op_binary(kv5_dec_t *d);
int kv5_op_unary(kv5_dec_t *d, kv5_op_t op);      // UNARY, SOFTMAX
int kv5_op_matmul(kv5_dec_t *d);
int kv5_op_reduce(kv5_dec_t *d, kv5_op_t op);     // REDUCE, REDUCE_PROD
int kv5_op_copy(kv5_dec_t *d, kv5_op_t op);       // COPY, TRANSPOSE, SLICE
int kv5_op_pad(kv5_dec_t *d);
int kv5_op_gather(kv5_dec_t *d);
int kv5_op_reduce_window2d(kv5_dec_t *d);
int kv5_op_resize_image(kv5_dec_t *d);
int kv5_op_conv2d(kv5_dec_t *d);
int kv5_op_call(kv5_dec_t *d);

#endif
