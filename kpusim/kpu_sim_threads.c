// The worker pool of kpu_sim_threads.h: workers started once, on the first layer that asks for
// more than one thread, then woken per layer through a generation counter. They block every
// signal, so Ctrl-C and the simulated board's own signals still reach its main thread.
#include "kpu_sim_fast.h"
#include "kpu_sim_threads.h"

#if KPU_SIM_FAST

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;     // a new job (gen changed)
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;   // pending reached 0
static unsigned long gen;           // bumped once per job
static kpu_sim_part_fn job_fn;
static void *job_arg;
static int job_parts;
static int pending;                 // parts the workers still run
static int workers;                 // started
static int start_failed;
static int nthreads;                // 0: not read yet

static int default_threads(void) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus >= 2 ? 2 : 1;
}

int kpu_sim_threads(void) {
    if (nthreads == 0) {
        const char *env = getenv("K210_SIM_THREADS");
        int n = default_threads();
        if (env != NULL && env[0] != '\0') {
            char *end;
            long v = strtol(env, &end, 10);
            if (*end != '\0' || v < 1 || v > KPU_SIM_MAX_THREADS) {
                fprintf(stderr, "kpusim: K210_SIM_THREADS=%s is not a thread count from 1 to %d; "
                    "using %d\n", env, KPU_SIM_MAX_THREADS, n);
            } else {
                n = (int)v;
            }
        }
        nthreads = n;
    }
    return nthreads;
}

int kpu_sim_set_threads(int n) {
    nthreads = n < 0 ? 1 : n > KPU_SIM_MAX_THREADS ? KPU_SIM_MAX_THREADS : n;
    return nthreads;
}

static void *worker(void *p) {
    int part = (int)(intptr_t)p;    // worker i runs part i of every job that has one
    unsigned long seen = 0;         // gen is 0 until the first job, which follows the start
    pthread_mutex_lock(&mu);
    for (;;) {
        while (gen == seen) {
            pthread_cond_wait(&go, &mu);
        }
        seen = gen;
        if (part < job_parts) {
            kpu_sim_part_fn fn = job_fn;
            void *arg = job_arg;
            pthread_mutex_unlock(&mu);
            fn(arg, part);
            pthread_mutex_lock(&mu);
            if (--pending == 0) {
                pthread_cond_signal(&done);
            }
        }
    }
    return NULL;
}

// Starts workers up to want - 1 (parts 1 ..); the caller holds mu. 0, or -1 if none could be.
static int start_workers(int want) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    while (workers < want - 1) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, (void *)(intptr_t)(workers + 1)) != 0) {
            start_failed = 1;
            break;
        }
        pthread_detach(t);
        workers++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return workers > 0 ? 0 : -1;
}

void kpu_sim_run_parts(kpu_sim_part_fn fn, void *arg, int nparts) {
    pthread_mutex_lock(&mu);
    if (nparts > 1 && workers < nparts - 1 && !start_failed) {
        start_workers(nparts);
    }
    int pooled = nparts - 1 <= workers ? nparts - 1 : workers;   // parts 1..pooled on workers
    if (pooled > 0) {
        job_fn = fn;
        job_arg = arg;
        job_parts = pooled + 1;
        pending = pooled;
        gen++;
        pthread_cond_broadcast(&go);
    }
    pthread_mutex_unlock(&mu);
    fn(arg, 0);
    for (int p = pooled + 1; p < nparts; p++) {   // parts no worker could take
        fn(arg, p);
    }
    if (pooled > 0) {
        pthread_mutex_lock(&mu);
        while (pending > 0) {
            pthread_cond_wait(&done, &mu);
        }
        pthread_mutex_unlock(&mu);
    }
}

#endif
