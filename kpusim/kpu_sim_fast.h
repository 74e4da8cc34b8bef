// The fast engine of the behavioural KPU (hosted builds: the simulated board and the native
// tests; the QEMU board keeps the banded reference path of kpu_sim_exec.c, which needs no heap).
// Same integers as the reference path, computed differently:
//  - weights rearranged once per layer into 16-bit pairs (kpu_sim_wcache.c), kept in host
//    memory of the simulator (never charged to the simulated board) and checked against a copy
//    of the original bytes on every run, so a model freed and another loaded at the same
//    address can never reuse stale weights;
//  - each band of input rows packed once into padded planes of u16 pairs (two channels, or two
//    horizontal taps for depthwise), so every tap is one unaligned load with no edge cases;
//  - the sum S as pairwise 16x16->32 multiply-adds: AVX2 (vpmaddwd; vpdpwssd with AVX-VNNI)
//    when the CPU has it, otherwise the portable C loop over the same data
//    (K210_KPUSIM_PORTABLE=1 forces it, K210_KPUSIM_NO_VNNI=1 stops at plain AVX2);
//  - BN and activation fused per row, then pooling and write-back, per band;
//  - the bands (or, for maps of few bands, the output channels) shared out to worker threads,
//    each writing its own outputs (kpu_sim_threads.h).
#ifndef K210_KPU_SIM_FAST_H
#define K210_KPU_SIM_FAST_H

#include "kpu_sim.h"

#if !defined(__riscv)
#define KPU_SIM_FAST 1
#else
#define KPU_SIM_FAST 0
#endif

// Runs the layer; 0, or -1 when this engine cannot take it (no memory): the caller then runs
// the reference path. Layers of at least kpu_sim_set_min_parallel_work's multiply-add pairs
// are cut into parts for the worker threads (kpu_sim_threads.h); smaller ones stay on the
// caller. The tests lower the bound to 0 so that their small layers take the threaded path.
int kpu_sim_fast_exec(const kpu_sim_layer_t *L, uint8_t *dma_out);
void kpu_sim_set_min_parallel_work(int64_t pairs);

// The rearranged weights of one layer: per virtual channel (output channel o, or 2o and 2o+1
// for the low and high byte planes of u16 weights) nplanes x ntaps words, each two u16
// weights (low half: even channel or left tap). sw[o] = sum of the original weights.
//
// Normal convolutions with 8-bit weights also get a quad form for the u8 x s8 kernels: per
// output channel nquads x ntaps words of four signed bytes w - 128 (byte k: input channel
// 4q + k, 0 past the last channel), so that S = sum x * (w - 128) + 128 * Sx.
typedef struct {
    int nvirt, nplanes, ntaps;
    const int32_t *w;        // nvirt x nplanes x ntaps
    const int32_t *ones;     // nplanes x ntaps: the weights of the input-sum term Sx
    const int64_t *sw;       // oc
    int nquads;              // 0: no quad form
    const int32_t *wq;       // oc x nquads x ntaps
    const int32_t *ones_q;   // nquads x ntaps bytes of 1: Sx over quad planes
} kpu_sim_wpack_t;

// The packed weights of L (cached by weight address and checked against the original bytes).
// NULL when out of host memory.
const kpu_sim_wpack_t *kpu_sim_wcache_get(const kpu_sim_layer_t *L);

// acc[i] (i < n, n a multiple of KPU_SIM_STRIP) = sum over planes p and taps t of the pairwise
// product of word planes[p * plane_stride + toff[t] + i] with w[p * ntaps + t].
#define KPU_SIM_STRIP 32
typedef void (*kpu_sim_kernel_t)(int32_t *acc, const int32_t *planes, size_t plane_stride,
    int nplanes, const int32_t *toff, int ntaps, const int32_t *w, size_t n);
// The same sums for KPU_SIM_VBLOCK virtual channels at once: channel j (j < KPU_SIM_VBLOCK)
// has its weights at w + j * wstride and its sums at acc + j * acc_stride. One load of the
// input serves the four channels, which is what makes the normal convolutions fast.
#define KPU_SIM_VBLOCK 4
typedef void (*kpu_sim_kernel4_t)(int32_t *acc, size_t acc_stride, const int32_t *planes,
    size_t plane_stride, int nplanes, const int32_t *toff, int ntaps, const int32_t *w,
    size_t wstride, size_t n);
// The u8 x s8 kernels over planes of channel quads (four u8 per word) and the quad weights:
// acc[i] = 128 * init[i] (init NULL: 0) + the sum over planes and taps of the four byte
// products of planes[p * plane_stride + toff[t] + i] and w[p * ntaps + t]; the four-channel
// form as kpu_sim_kernel4_t with init shared. NULL when the CPU has no VNNI byte products.
typedef void (*kpu_sim_kernelq_t)(int32_t *acc, const int32_t *planes, size_t plane_stride,
    int nplanes, const int32_t *toff, int ntaps, const int32_t *w, const int32_t *init, size_t n);
typedef void (*kpu_sim_kernel4q_t)(int32_t *acc, size_t acc_stride, const int32_t *planes,
    size_t plane_stride, int nplanes, const int32_t *toff, int ntaps, const int32_t *w,
    size_t wstride, const int32_t *init, size_t n);
kpu_sim_kernelq_t kpu_sim_kernelq(void);
kpu_sim_kernel4q_t kpu_sim_kernel4q(void);
// The kernels this process uses (AVX2 or portable, chosen once), and their name.
kpu_sim_kernel_t kpu_sim_kernel(void);
kpu_sim_kernel4_t kpu_sim_kernel4(void);
const char *kpu_sim_kernel_name(void);
// For the tests: the portable kernels (portable = 1) or the best SIMD ones; 0 when the SIMD
// ones were asked for and this CPU has none (the portable ones then stay).
int kpu_sim_select_kernel(int portable);
// Kernel sets: portable C, AVX2 (vpmaddwd + vpaddd), AVX2 with AVX-VNNI (vpdpwssd: the
// multiply-add and the add in one instruction, same sums), and AVX-512: the 32-bit BN +
// activation loop on 16 lanes, plus, where the CPU has AVX-512 VNNI, 16-lane kernels and the
// byte-product kernels on channel quads (vpdpbusd) for normal 8-bit layers. The process starts on the
// best the CPU has; K210_KPUSIM_NO_AVX512=1 stops at VNNI, K210_KPUSIM_NO_VNNI=1 at AVX2 and
// K210_KPUSIM_PORTABLE=1 at the portable set. kpu_sim_select_kernels(level) takes the best
// set up to level and returns the level it got.
#define KPU_SIM_KERNELS_PORTABLE 0
#define KPU_SIM_KERNELS_AVX2 1
#define KPU_SIM_KERNELS_VNNI 2
#define KPU_SIM_KERNELS_AVX512 3
int kpu_sim_select_kernels(int level);
// Set by the selection: the BN + activation loop's 16-lane AVX-512 part on or off.
void kpu_sim_bn_act_use_avx512(int on);
// The range of n int32 values, and the input term tx[i] = (arg_x * sx[i]) >> shr_x with its
// range (n a multiple of KPU_SIM_STRIP): AVX2 when the kernels are, else portable C. tx32 gets
// the low 32 bits of each tx (the value itself when the range fits int32).
void kpu_sim_range32(const int32_t *v, size_t n, int64_t *mn, int64_t *mx);
void kpu_sim_input_term(int32_t arg_x, unsigned shr_x, const int32_t *sx, int64_t *tx,
    int32_t *tx32, size_t n, int64_t *mn, int64_t *mx);
// o[x] (x < ow) = the max (use_min: min) of the 2x2 window at columns 2x, 2x + 1 of band rows
// starting at a and b, over the sums lo[i] + tx32[i] + tw taken mod 2^32 as int32 (the caller
// knows the true sums fit int32): max pooling before BN (kpu_sim_fast.c).
void kpu_sim_pool2_acc(const int32_t *lo, const int32_t *tx32, size_t a, size_t b, uint32_t tw,
    int32_t *o, int ow, int use_min);
// Nonzero when the AVX2 kernels (with or without VNNI) are in use (the BN + activation loop
// follows the same choice).
int kpu_sim_use_avx2(void);
// The AVX2 BN + activation over a prefix of n outputs (kpu_sim_bnact.c): how many it did (a
// multiple of 4; 0 for a table only the scalar path takes). tx32 (or NULL) is tx as int32,
// given only when every tx fits int32.
int kpu_sim_bn_act_avx2(const kpu_sim_act_t *a, kpu_sim_bn_t bn, const int32_t *lo,
    const int32_t *hi, const int64_t *tx, const int32_t *tx32, int64_t tw, int64_t acc_min,
    int64_t acc_max, uint8_t *out, int n);

// BN (spec 3.5 step 3) and activation of n conv outputs: acc = lo[i] (+ 256 * hi[i] when hi is
// not NULL) + tx[i] + tw, exactly as the reference path's post-processing. The caller
// guarantees acc_min <= acc <= acc_max for every element (narrower arithmetic when it can),
// and passes tx32 (tx as int32) only when every tx fits int32, else NULL.
void kpu_sim_bn_act_row(const kpu_sim_act_t *a, kpu_sim_bn_t bn, const int32_t *lo,
    const int32_t *hi, const int64_t *tx, const int32_t *tx32, int64_t tw, int64_t acc_min,
    int64_t acc_max, uint8_t *out, int n);

#endif
