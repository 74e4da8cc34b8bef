// kmodel v5 tensor op adapter: CALL of a k210 module function (kmodel-v5-spec.md §6.2).
#include <errno.h>
#include <string.h>

#include "kmodel_v5_tensor.h"

// CALL: function_id, module_id, num_src, num_dst; per tensor (addr, datatype, rshape, rstride).
int kv5_op_call(kv5_dec_t *d) {
    kv5_vm_t *vm = d->vm;
    const kv5_header_t *h = vm->h;
    kv5_fld_t f;
    if (kv5_fields(d, "whbb", &f)) {
        return -EINVAL;
    }
    uint32_t fn = f.w;
    uint8_t ns = f.b[0], nd = f.b[1];
    if (h->k210 < 0 || f.h[0] != (uint16_t)h->k210 || fn >= h->k210_funcs) {
        return kv5_dfail(d, "calls function %lu of module %u: only k210 module functions can be called", (unsigned long)fn, f.h[0]);
    }
    kv5_func_t fk;
    kv5_tensor_t fin[KV5_MAX_IO], fout[KV5_MAX_IO];
    if (kv5_read_func(vm->rd, &h->mod[h->k210], h->k210_func_off[fn], &fk, fin, fout, vm->err)) {
        return -EINVAL;
    }
    if (ns != fk.n_in || nd != fk.n_out) {
        return kv5_dfail(d, "passes %u inputs and %u outputs to k210 function %lu", ns, nd, (unsigned long)fn);
    }
    uint8_t *ptr[2][KV5_MAX_IO];
    for (int side = 1; side >= 0; side--) {   // outputs pop first, last one first
        kv5_tensor_t *ts = side ? fout : fin;
        for (int32_t i = (int32_t)(side ? nd : ns) - 1; i >= 0; i--) {
            kv5_value_t v[4];   // addr, datatype, rshape, rstride
            if (kv5_operands(d, "Aiii", v, NULL)) {
                return -EINVAL;
            }
            if (v[2].i < 0 || v[2].i >= KV5_SHAPE_REGS || vm->reg[v[2].i].rank == 0xFF || v[3].i < 0 || v[3].i >= KV5_SHAPE_REGS
                || vm->reg[v[3].i].rank == 0xFF) {
                return kv5_dfail(d, "shape registers never set");
            }
            const kv5_shape_reg_t *shape = &vm->reg[v[2].i], *stride = &vm->reg[v[3].i];
            uint64_t cnt = 1;
            for (uint32_t k = 0; k < shape->rank; k++) {
                cnt *= shape->d[k];
            }
            // what the callee declares, as one contiguous tensor
            if (v[1].i != ts[i].mr.dt || cnt * kernel_dt_bytes(ts[i].mr.dt) != ts[i].bytes || stride->rank != shape->rank
                || !kv5_contiguous(shape, stride)) {
                return kv5_dfail(d, "%s %ld is not the contiguous datatype %u tensor of %lu B that k210 function %lu takes",
                    side ? "output" : "input", (long)i, ts[i].mr.dt, (unsigned long)ts[i].bytes, (unsigned long)fn);
            }
            if (kv5_span(d, &v[0], 1, shape, stride, side == 1, &ptr[side][i])) {
                return -EINVAL;
            }
            if (side && i == 0) {
                kv5_record(d, OP_CALL, ts[0].mr.dt, &v[0], shape, stride);
            }
        }
    }
    vm->last.k210_fn = fn;
    if (vm->run) {
        return kv5_k210_run(vm, fn, ptr[0], ptr[1]);
    }
    return 0;
}
