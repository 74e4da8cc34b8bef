// MicroPython configuration for every k210-kpu board (the simulated board, the real K210 boards
// and the QEMU virt board). Board specifics come from board.h (boards/<NAME>/board.h).
#include <stdint.h>
#include <stddef.h>   // picolibc's stdint.h does not bring size_t
#include "board.h"

#define MICROPY_CONFIG_ROM_LEVEL             (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)
#define MICROPY_ENABLE_COMPILER              (1)
#define MICROPY_ENABLE_GC                    (1)
#define MICROPY_HELPER_REPL                  (1)
#define MICROPY_REPL_AUTO_INDENT             (1)
#define MICROPY_KBD_EXCEPTION                (1)
#define MICROPY_LONGINT_IMPL                 (MICROPY_LONGINT_IMPL_MPZ)
#define MPZ_DIG_SIZE                         (16)  // frozen .mpy (mpy-tool.py) assumes 16-bit digits
#define MICROPY_FLOAT_IMPL                   (MICROPY_FLOAT_IMPL_DOUBLE)
#define MICROPY_ENABLE_EXTERNAL_IMPORT       (1)
#define MICROPY_HAS_FILE_READER              (1)   // firmware/import.c: mp_reader_new_file
#define MICROPY_PERSISTENT_CODE_LOAD         (1)   // import of .mpy files (bytecode; mpremote mip installs them)
#define MICROPY_PY_SYS_STDFILES              (1)
#define MICROPY_PY_SYS_STDIO_BUFFER          (1)   // binary transfers read sys.stdin.buffer
#define MICROPY_PY_SYS_PLATFORM              "k210"
#define MICROPY_ALLOC_PATH_MAX               (256)
#define MICROPY_STACK_CHECK                  (1)
#define MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF (1)
#define MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE (256)
#define MICROPY_USE_INTERNAL_PRINTF          (0)
#define MICROPY_GCREGS_SETJMP                (1)   // gchelper_generic.c has no RISC-V code
#if defined(__riscv)
#define MICROPY_NLR_SETJMP                   (1)   // 1.23 has no py/nlrrv64.c
#endif

// os, time, machine, binascii, json, re, random, hashlib and select are ours (firmware/mod*.c):
// the sdist has no extmod/. MICROPY_PY_JSON only turns on the core's JSON printing (PRINT_JSON).
#define MICROPY_PY_OS                        (0)
#define MICROPY_PY_TIME                      (0)
#define MICROPY_PY_MACHINE                   (0)
#define MICROPY_PY_BINASCII                  (0)
#define MICROPY_PY_SELECT                    (0)
#define MICROPY_PY_JSON                      (1)
#define MICROPY_PY_RE                        (0)
#define MICROPY_PY_RANDOM                    (0)
#define MICROPY_PY_HEAPQ                     (0)
#define MICROPY_PY_HASHLIB                   (0)
#define MICROPY_PY_DEFLATE                   (0)
#define MICROPY_PY_UCTYPES                   (0)
#define MICROPY_PY_ASYNCIO                   (0)
#define MICROPY_PY_PLATFORM                  (0)
#define MICROPY_PY_FRAMEBUF                  (0)
#define MICROPY_PY_SSL                       (0)
#define MICROPY_PY_VFS                       (0)

// The host preview (firmware/frame_tap.c): a frame asked for on the REPL line is sent between
// bytecodes, so a script busy in a loop is previewed too; one volatile load per branch.
extern volatile int frame_tap_pending;
void frame_tap_serve(void);
#define MICROPY_VM_HOOK_LOOP if (frame_tap_pending) { frame_tap_serve(); }

typedef intptr_t mp_int_t;
typedef uintptr_t mp_uint_t;
typedef long mp_off_t;
#define MP_SSIZE_MAX INTPTR_MAX   // picolibc defines no SSIZE_MAX

#include <alloca.h>

#define MICROPY_HW_BOARD_NAME BOARD_NAME
#define MICROPY_HW_MCU_NAME   "kendryte-k210"
#define MP_STATE_PORT MP_STATE_VM

#define K210_KPU_VERSION "0.1.0"
#define MICROPY_EPOCH_IS_1970 (1)   // time.time() and os.stat() agree with the host's clock
#define MICROPY_PY_TIME_GMTIME_LOCALTIME_MKTIME (1)

// errno names a filesystem user meets (the core's default list is network-centric and lacks
// ENOSPC, ENOTEMPTY and friends); the two the core has no MP_ alias for come from <errno.h>.
#include <errno.h>
#define MP_ENAMETOOLONG ENAMETOOLONG
#define MP_ENOTEMPTY    ENOTEMPTY
#define MICROPY_PY_ERRNO_LIST \
    X(EPERM) X(ENOENT) X(EIO) X(EBADF) X(EAGAIN) X(ENOMEM) X(EACCES) X(EBUSY) X(EEXIST) \
    X(EXDEV) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(EMFILE) X(ENOSPC) X(EROFS) \
    X(ENAMETOOLONG) X(ENOTEMPTY) X(EOPNOTSUPP) X(ETIMEDOUT)
