// The random module: xoshiro128** seeded through splitmix32, so a given seed() always yields the
// same sequence; seed() / seed(None) mixes the CPU cycle counter and the clock. Integer draws use
// rejection below a power of two (no modulo bias).
#include "py/runtime.h"
#include "py/mphal.h"

static uint32_t rng_state[4] = { 0x9e3779b9u, 0x243f6a88u, 0xb7e15162u, 0x13198a2eu };

static uint32_t rotl(uint32_t x, int k) {
    return x << k | x >> (32 - k);
}

static uint32_t rng_next(void) {
    uint32_t *s = rng_state;
    uint32_t result = rotl(s[1] * 5, 7) * 9;
    uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
}

// splitmix32 spreads any seed (0 included) over the whole state, never all zero.
static void rng_seed(uint64_t seed) {
    uint32_t z = (uint32_t)seed ^ (uint32_t)(seed >> 32);
    for (int i = 0; i < 4; i++) {
        z += 0x9e3779b9u;
        uint32_t x = z;
        x = (x ^ (x >> 16)) * 0x21f0aaadu;
        x = (x ^ (x >> 15)) * 0x735a2d97u;
        rng_state[i] = x ^ (x >> 15);
    }
}

static uint32_t rng_bits(int n) {
    return n == 0 ? 0 : rng_next() >> (32 - n);
}

// A uniform integer in [0, n), n > 0.
static mp_uint_t rng_below(mp_uint_t n) {
    int bits = 0;
    while (bits < (int)(8 * sizeof(mp_uint_t)) && ((mp_uint_t)1 << bits) < n) {
        bits++;
    }
    for (;;) {
        mp_uint_t r = bits > 32 ? (mp_uint_t)rng_bits(bits - 32) << 32 | rng_next() : rng_bits(bits);
        if (r < n) {
            return r;
        }
    }
}

static mp_obj_t random_seed(size_t n_args, const mp_obj_t *args) {
    uint64_t seed;
    if (n_args == 0 || args[0] == mp_const_none) {
        seed = mp_hal_time_ns() ^ ((uint64_t)mp_hal_ticks_cpu() << 17) ^ mp_hal_ticks_us();
    } else {
        seed = (uint64_t)mp_obj_get_int_truncated(args[0]);
    }
    rng_seed(seed);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(random_seed_obj, 0, 1, random_seed);

static mp_obj_t random_getrandbits(mp_obj_t n_in) {
    mp_int_t n = mp_obj_get_int(n_in);
    if (n < 0 || n > 32) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("getrandbits(%d): bits must be 0 to 32"), (int)n);
    }
    return mp_obj_new_int_from_uint(rng_bits((int)n));
}
static MP_DEFINE_CONST_FUN_OBJ_1(random_getrandbits_obj, random_getrandbits);

static mp_obj_t random_randrange(size_t n_args, const mp_obj_t *args) {
    mp_int_t start = 0, stop, step = 1;
    if (n_args == 1) {
        stop = mp_obj_get_int(args[0]);
    } else {
        start = mp_obj_get_int(args[0]);
        stop = mp_obj_get_int(args[1]);
        if (n_args == 3) {
            step = mp_obj_get_int(args[2]);
        }
    }
    if (step == 0) {
        mp_raise_msg(&mp_type_ValueError, MP_ERROR_TEXT("randrange: step must not be 0"));
    }
    // the number of values start, start+step, ... strictly before stop
    mp_int_t count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
    if (count <= 0) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("randrange(%d, %d, %d): empty range"), (int)start, (int)stop, (int)step);
    }
    return mp_obj_new_int(start + step * (mp_int_t)rng_below((mp_uint_t)count));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(random_randrange_obj, 1, 3, random_randrange);

static mp_obj_t random_randint(mp_obj_t a_in, mp_obj_t b_in) {
    mp_int_t a = mp_obj_get_int(a_in), b = mp_obj_get_int(b_in);
    if (b < a) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("randint(%d, %d): empty range"), (int)a, (int)b);
    }
    return mp_obj_new_int(a + (mp_int_t)rng_below((mp_uint_t)(b - a) + 1));
}
static MP_DEFINE_CONST_FUN_OBJ_2(random_randint_obj, random_randint);

static mp_obj_t random_choice(mp_obj_t seq) {
    mp_int_t len = mp_obj_get_int(mp_obj_len(seq));
    if (len == 0) {
        mp_raise_msg(&mp_type_IndexError, MP_ERROR_TEXT("choice: empty sequence"));
    }
    return mp_obj_subscr(seq, mp_obj_new_int((mp_int_t)rng_below((mp_uint_t)len)), MP_OBJ_SENTINEL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(random_choice_obj, random_choice);

// 53 random bits: every double in [0, 1) on a 2**-53 grid is equally likely.
static mp_float_t random_unit(void) {
    uint32_t hi = rng_next() >> 5, lo = rng_next() >> 6;    // 27 + 26 bits
    return ((mp_float_t)hi * 67108864.0 + (mp_float_t)lo) / 9007199254740992.0;
}

static mp_obj_t random_random(void) {
    return mp_obj_new_float(random_unit());
}
static MP_DEFINE_CONST_FUN_OBJ_0(random_random_obj, random_random);

static mp_obj_t random_uniform(mp_obj_t a_in, mp_obj_t b_in) {
    mp_float_t a = mp_obj_get_float(a_in), b = mp_obj_get_float(b_in);
    return mp_obj_new_float(a + (b - a) * random_unit());
}
static MP_DEFINE_CONST_FUN_OBJ_2(random_uniform_obj, random_uniform);

static const mp_rom_map_elem_t random_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_random) },
    { MP_ROM_QSTR(MP_QSTR_seed), MP_ROM_PTR(&random_seed_obj) },
    { MP_ROM_QSTR(MP_QSTR_getrandbits), MP_ROM_PTR(&random_getrandbits_obj) },
    { MP_ROM_QSTR(MP_QSTR_randrange), MP_ROM_PTR(&random_randrange_obj) },
    { MP_ROM_QSTR(MP_QSTR_randint), MP_ROM_PTR(&random_randint_obj) },
    { MP_ROM_QSTR(MP_QSTR_choice), MP_ROM_PTR(&random_choice_obj) },
    { MP_ROM_QSTR(MP_QSTR_random), MP_ROM_PTR(&random_random_obj) },
    { MP_ROM_QSTR(MP_QSTR_uniform), MP_ROM_PTR(&random_uniform_obj) },
};
static MP_DEFINE_CONST_DICT(random_module_globals, random_module_globals_table);

const mp_obj_module_t k210_random_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&random_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_random, k210_random_module);
