// nnil_unary_method (0x14): per element, a straight-line stack program (64 f32 entries) over x.
// Opcodes: 00 nop, 01 dup, 02 pop, 03 push x, 04 push 0, 05 push 1, 06 push f32 immediate,
// 20-29 abs ceil cos exp floor log neg rsqrt sin square, 40-45 add sub mul div min max
// (b = pop, a = pop, push a op b), 80 clamp (hi, lo, v popped in that order), A0 ret (pop -> out).
// The program has no branches, so kv4_nnil_check proves at load that it never under/overflows.
#include <math.h>

#include "ops_v4.h"

#define NNIL_STACK 64

// Stack effect of an opcode: pops, pushes; -1 pops for unknown.
static int effect(uint8_t op, int *pops, int *pushes) {
    *pops = 0;
    *pushes = 0;
    if (op == 0x00) {
        return 0;
    }
    if (op == 0x01) {
        *pops = 1;
        *pushes = 2;
        return 0;
    }
    if (op == 0x02) {
        *pops = 1;
        return 0;
    }
    if (op >= 0x03 && op <= 0x06) {
        *pushes = 1;
        return 0;
    }
    if (op >= 0x20 && op <= 0x29) {
        *pops = 1;
        *pushes = 1;
        return 0;
    }
    if (op >= 0x40 && op <= 0x45) {
        *pops = 2;
        *pushes = 1;
        return 0;
    }
    if (op == 0x80) {
        *pops = 3;
        *pushes = 1;
        return 0;
    }
    if (op == 0xA0) {
        *pops = 1;
        return 0;
    }
    return -1;
}

int kv4_nnil_check(const uint8_t *code, size_t len, size_t *bad_at, const char **why) {
    int depth = 0;
    for (size_t pc = 0; pc < len;) {
        uint8_t op = code[pc];
        int pops, pushes;
        *bad_at = pc;
        if (effect(op, &pops, &pushes)) {
            *why = "unknown nnil opcode";
            return -1;
        }
        if (depth < pops) {
            *why = "nnil stack underflow";
            return -1;
        }
        depth += pushes - pops;
        if (depth > NNIL_STACK) {
            *why = "nnil stack overflow";
            return -1;
        }
        if (op == 0x06 && pc + 5 > len) {
            *why = "nnil immediate past the end of the body";
            return -1;
        }
        if (op == 0xA0) {
            return 0;
        }
        pc += op == 0x06 ? 5 : 1;
    }
    return 0;
}

static float un(uint8_t op, float a) {
    switch (op) {
        case 0x20:
            return fabsf(a);
        case 0x21:
            return ceilf(a);
        case 0x22:
            return cosf(a);
        case 0x23:
            return expf(a);
        case 0x24:
            return floorf(a);
        case 0x25:
            return logf(a);
        case 0x26:
            return -a;
        case 0x27:
            return 1.0f / sqrtf(a);
        case 0x28:
            return sinf(a);
        default:
            return a * a;
    }
}

static float bin(uint8_t op, float a, float b) {
    switch (op) {
        case 0x40:
            return a + b;
        case 0x41:
            return a - b;
        case 0x42:
            return a * b;
        case 0x43:
            return a / b;
        case 0x44:
            return b < a ? b : a;
        default:
            return a < b ? b : a;
    }
}

void kv4_nnil_unary_method(const float *in, float *out, size_t count, const uint8_t *code, size_t len) {
    float st[NNIL_STACK + 1];
    for (size_t i = 0; i < count; i++) {
        int top = 0;
        for (size_t pc = 0; pc < len;) {
            uint8_t op = code[pc++];
            if (op == 0x01) {
                st[top] = st[top - 1];
                top++;
            } else if (op == 0x02) {
                top--;
            } else if (op == 0x03) {
                st[top++] = in[i];
            } else if (op == 0x04) {
                st[top++] = 0.0f;
            } else if (op == 0x05) {
                st[top++] = 1.0f;
            } else if (op == 0x06) {
                st[top++] = kv4_rd_f32(code + pc);
                pc += 4;
            } else if (op >= 0x20 && op <= 0x29) {
                st[top - 1] = un(op, st[top - 1]);
            } else if (op >= 0x40 && op <= 0x45) {
                top--;
                st[top - 1] = bin(op, st[top - 1], st[top]);
            } else if (op == 0x80) {
                float hi = st[--top], lo = st[--top], v = st[top - 1];
                st[top - 1] = v < lo ? lo : (hi < v ? hi : v);     // std::clamp(v, lo, hi)
            } else if (op == 0xA0) {
                out[i] = st[--top];
                break;
            }
        }
    }
}

int kv4_node_nnil_unary_method(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 32, "nnil_unary_method")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    if (size > env->visible) {
        return kv4_fail(env, 32, "nnil program of %u bytes is longer than the %u bytes the loader reads", (unsigned)(size - 32),
            (unsigned)(env->visible - 32));
    }
    size_t bad;
    const char *why;
    if (kv4_nnil_check(body + 32, size - 32, &bad, &why)) {
        return kv4_fail(env, 32 + (uint32_t)bad, "%s 0x%02x", why, body[32 + bad]);
    }
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 0, 0) || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, in.size / 4 * 4ull, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kv4_nnil_unary_method((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), in.size / 4, body + 32, size - 32);
    }
    return 0;
}
