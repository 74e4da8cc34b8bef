// Boot sequence shared by every board: mount storage, lay out memory, run boot.py/main.py, serve
// the REPL, and soft-reset (Ctrl-D, machine.soft_reset) or fully reset (machine.reset) on request.
#include <stdio.h>
#include <string.h>

#include "py/compile.h"
#include "py/runtime.h"
#include "py/gc.h"
#include "py/builtin.h"
#include "py/lexer.h"
#include "py/stackctrl.h"
#include "py/mphal.h"
#include "shared/readline/readline.h"
#include "shared/runtime/pyexec.h"
#include "shared/runtime/gchelper.h"

#include "board_hal.h"
#include "k210_main.h"
#include "kpu_mem.h"
#include "settings.h"
#include "vfs.h"
#include "vfs_py.h"

int k210_maixpy_compat;

// The kpu module frees every model at soft reset; a build without it links this no-op.
__attribute__((weak)) void kpu_deinit_all(void) {
}

// A board that can see a Ctrl-C sent right after reset (firmware/k210/) skips main.py then.
__attribute__((weak)) int board_boot_interrupted(void) {
    return 0;
}

static void init_sys_path(void) {
    static const char *const dirs[] = { "/flash/lib", "/sd/lib" };
    for (size_t i = 0; i < MP_ARRAY_SIZE(dirs); i++) {
        mp_obj_list_append(mp_sys_path, mp_obj_new_str(dirs[i], strlen(dirs[i])));
    }
}

// boot.py and main.py: /flash first, then /sd (the first one found runs).
static int run_script(const char *name) {
    static const char *const dirs[] = { "/flash/", "/sd/" };
    char path[32];
    for (size_t i = 0; i < MP_ARRAY_SIZE(dirs); i++) {
        snprintf(path, sizeof(path), "%s%s", dirs[i], name);
        if (mp_import_stat(path) == MP_IMPORT_STAT_FILE) {
            return pyexec_file(path);
        }
    }
    return 1;
}

static void layout_memory(void **gc_start, void **gc_end) {
    size_t heap = settings_heap_size(BOARD_GC_HEAP_DEFAULT);
    if (board_mem_layout(heap, gc_start, gc_end) != 0) {
        mp_printf(&mp_plat_print, "k210: stored heap_size %lu does not fit the 6 MiB split; using %lu\n",
            (unsigned long)heap, (unsigned long)BOARD_GC_HEAP_DEFAULT);
        board_mem_layout(BOARD_GC_HEAP_DEFAULT, gc_start, gc_end);
    }
}

// Everything after the stack top is set runs in this frame of its own. Inlined into k210_main
// (as -flto did), its locals, such as the raw REPL's line buffer, could sit above the marker,
// outside the GC's stack scan: a collection then freed blocks still in use.
static MP_NOINLINE void run_forever(void);

void k210_main(void) {
    volatile int stack_marker = 0;   // volatile: a real stack slot, above every callee frame
    mp_stack_set_top((void *)&stack_marker);
    mp_stack_set_limit(BOARD_STACK_LIMIT);
    board_init();
    run_forever();
}

static MP_NOINLINE void run_forever(void) {
hard_reset:
    vfs_mount_all();
    for (;;) {
        void *gc_start, *gc_end;
        layout_memory(&gc_start, &gc_end);
        gc_init(gc_start, gc_end);
        mp_init();
        vfs_py_init();
        vfs_remount_unmounted();   // a script's vfs.umount('/sd') lasts until the soft reset
        vfs_reset_cwd();   // main.py starts where a freshly powered board does, whatever ran before
        init_sys_path();
        readline_init0();

        int ret = run_script("boot.py");
        if (!(ret & PYEXEC_FORCED_EXIT) && pyexec_mode_kind == PYEXEC_MODE_FRIENDLY_REPL) {
            if (board_boot_interrupted()) {
                mp_printf(&mp_plat_print, "k210: Ctrl-C at boot: main.py skipped\n");
            } else {
                ret = run_script("main.py");
            }
        }
        if (!(ret & PYEXEC_FORCED_EXIT)) {
            for (;;) {
                if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
                    ret = pyexec_raw_repl();
                } else {
                    ret = pyexec_friendly_repl();
                }
                if (ret != 0) {
                    break;
                }
            }
        }

        mp_printf(&mp_plat_print, k210_maixpy_compat ? "[MaixPy]: soft reboot\n" : "k210-kpu: soft reboot\n");
        kpu_deinit_all();
        gc_sweep_all();
        mp_deinit();
        if (board_reset_requested()) {
            vfs_unmount_all();
            goto hard_reset;
        }
    }
}

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

void nlr_jump_fail(void *val) {
    mp_printf(&mp_plat_print, "k210: FATAL: uncaught NLR %p\n", val);
    board_fatal();
}

void NORETURN __fatal_error(const char *msg) {
    mp_printf(&mp_plat_print, "k210: FATAL: %s\n", msg);
    board_fatal();
}

#if defined(__riscv)   // picolibc: assert() would otherwise pull in getpid/kill
void MP_WEAK __assert_func(const char *file, int line, const char *func, const char *expr) {
    mp_printf(&mp_plat_print, "k210: assertion '%s' failed at %s:%d\n", expr, file, line);
    __fatal_error("assertion failed");
}
#endif
