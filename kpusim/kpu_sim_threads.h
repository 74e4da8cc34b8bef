// Worker threads of the fast engine (hosted builds only: the simulated board and the native
// tests). A layer is cut into parts that write disjoint outputs (row bands or output-channel
// ranges, kpu_sim_fast.c), so the result is bit-identical whatever the thread count.
// K210_SIM_THREADS=N sets the count (1..KPU_SIM_MAX_THREADS); the default is 2 when the host
// has 2 or more CPUs, else 1.
#ifndef K210_KPU_SIM_THREADS_H
#define K210_KPU_SIM_THREADS_H

#define KPU_SIM_MAX_THREADS 16

// The threads a layer may use (read once from the environment, or set by kpu_sim_set_threads).
int kpu_sim_threads(void);
// For tests and tools: n threads from now on (clamped to 1..KPU_SIM_MAX_THREADS; 0: read
// K210_SIM_THREADS again at the next layer); returns the count set (0 for a re-read).
int kpu_sim_set_threads(int n);

// Runs fn(arg, p) for p = 0 .. nparts - 1 (nparts <= kpu_sim_threads()): part 0 on the caller,
// the others on the workers; returns when all are done. If the workers cannot be started the
// caller runs every part itself (the parts are independent, so the result is the same).
typedef void (*kpu_sim_part_fn)(void *arg, int part);
void kpu_sim_run_parts(kpu_sim_part_fn fn, void *arg, int nparts);

#endif
