// The simulated UART: the REPL on stdio or on a pty. A reader thread plays the RX interrupt: it
// fills a ring buffer and turns the interrupt character into a KeyboardInterrupt at once.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "py/runtime.h"
#include "py/mphal.h"
#include "py/stream.h"
#include "shared/runtime/interrupt_char.h"

#include "shared/runtime/pyexec.h"

#include "frame_tap.h"
#include "k210_main.h"
#include "sim.h"

#define RX_RING_BYTES (8192)
#define CTRL_RBRACKET (0x1d)   // quits a simulator running in a terminal
#define CTRL_E        (0x05)
#define TX_STALL_MS   (2000)   // a UART with nobody listening loses bytes; so do we, after this

static int in_fd = -1, out_fd = -1, keep_slave_fd = -1;
static int in_is_tty;
static struct termios saved_tio;

static uint8_t ring[RX_RING_BYTES];
static size_t ring_head, ring_tail;    // head: next write, tail: next read
static int rx_eof;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ring_data = PTHREAD_COND_INITIALIZER;
static pthread_cond_t ring_room = PTHREAD_COND_INITIALIZER;

static size_t ring_used(void) {
    return (ring_head + RX_RING_BYTES - ring_tail) % RX_RING_BYTES;
}

static void restore_terminal(void) {
    if (in_is_tty) {
        tcsetattr(in_fd, TCSANOW, &saved_tio);
    }
}

// One input byte, with ring_lock held.
static void rx_byte(int c) {
    if (in_is_tty && c == CTRL_RBRACKET) {
        restore_terminal();
        _exit(0);
    }
    if (c == mp_interrupt_char) {
        ring_head = ring_tail = 0;     // like MicroPython ports: pending input is dropped
        mp_sched_keyboard_interrupt();
        return;
    }
    // A full ring holds the sender back (pty flow control) rather than dropping bytes.
    while (ring_used() == RX_RING_BYTES - 1) {
        pthread_cond_wait(&ring_room, &ring_lock);
    }
    ring[ring_head] = (uint8_t)c;
    ring_head = (ring_head + 1) % RX_RING_BYTES;
}

static void *rx_thread(void *arg) {
    (void)arg;
    uint8_t buf[512];
    for (;;) {
        struct pollfd p = { .fd = in_fd, .events = POLLIN };
        poll(&p, 1, -1);
        ssize_t n = read(in_fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            pthread_mutex_lock(&ring_lock);
            rx_eof = 1;
            pthread_cond_broadcast(&ring_data);
            pthread_mutex_unlock(&ring_lock);
            return NULL;
        }
        pthread_mutex_lock(&ring_lock);
        for (ssize_t i = 0; i < n; i++) {
            // frame requests of the host preview leave the input here (firmware/frame_tap.c)
            uint8_t pass[FRAME_WIRE_REQ_BYTES];
            size_t np = frame_tap_rx(buf[i], pass);
            for (size_t k = 0; k < np; k++) {
                rx_byte(pass[k]);
            }
        }
        pthread_cond_broadcast(&ring_data);
        pthread_mutex_unlock(&ring_lock);
    }
}

static int open_pty(void) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        fprintf(stderr, "k210-sim: cannot create a pty: %s\n", strerror(errno));
        return -errno;
    }
    const char *path = ptsname(master);
    // Holding the slave open keeps the master readable while no client is connected.
    keep_slave_fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios tio;
    if (keep_slave_fd < 0 || tcgetattr(keep_slave_fd, &tio) != 0) {
        fprintf(stderr, "k210-sim: cannot open %s: %s\n", path, strerror(errno));
        return -errno;
    }
    cfmakeraw(&tio);
    tcsetattr(keep_slave_fd, TCSANOW, &tio);
    printf("%s\n", path);
    fflush(stdout);
    // Non-blocking, so output to a port nobody reads stalls at most TX_STALL_MS.
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    in_fd = out_fd = master;
    return 0;
}

int sim_uart_start(void) {
    if (sim_config.use_pty) {
        int r = open_pty();
        if (r != 0) {
            return r;
        }
    } else {
        in_fd = STDIN_FILENO;
        out_fd = STDOUT_FILENO;
        if (isatty(in_fd) && tcgetattr(in_fd, &saved_tio) == 0) {
            struct termios raw = saved_tio;
            cfmakeraw(&raw);
            raw.c_oflag |= OPOST | ONLCR;
            tcsetattr(in_fd, TCSANOW, &raw);
            in_is_tty = 1;
            atexit(restore_terminal);
            fprintf(stderr, "k210-sim: state in %s; Ctrl-] quits\r\n", sim_config.state_dir);
        }
    }
    pthread_t t;
    if (pthread_create(&t, NULL, rx_thread, NULL) != 0) {
        return -EAGAIN;
    }
    pthread_detach(t);
    return 0;
}

int mp_hal_stdin_rx_chr(void) {
    pthread_mutex_lock(&ring_lock);
    while (ring_used() == 0) {
        if (rx_eof) {
            pthread_mutex_unlock(&ring_lock);
            restore_terminal();
            exit(0);    // stdin closed: the simulator's power is off
        }
        pthread_mutex_unlock(&ring_lock);
        // A scheduled KeyboardInterrupt must reach code waiting for input (input(), readinto).
        mp_handle_pending(true);
        frame_tap_serve();
        pthread_mutex_lock(&ring_lock);
        if (ring_used() == 0 && !rx_eof) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 20 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&ring_data, &ring_lock, &ts);
        }
    }
    int c = ring[ring_tail];
    ring_tail = (ring_tail + 1) % RX_RING_BYTES;
    pthread_cond_signal(&ring_room);
    pthread_mutex_unlock(&ring_lock);
    // a request that arrived before this byte is answered before the byte is used
    frame_tap_serve();
    if (c == CTRL_E && k210_maixpy_compat && pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
        // MicroPython 1.11 (MaixPy-v1) has no raw-paste: the request decays into a raw REPL reset
        return mp_hal_stdin_rx_chr();
    }
    return c;
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, mp_uint_t len) {
    mp_uint_t done = 0;
    while (done < len) {
        ssize_t r = write(out_fd, str + done, len - done);
        if (r > 0) {
            done += r;
            continue;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = out_fd, .events = POLLOUT };
            if (poll(&p, 1, TX_STALL_MS) > 0) {
                continue;
            }
        }
        break;   // nobody is reading: the bytes are lost, as on a UART
    }
    return len;
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    uintptr_t ret = 0;
    if (poll_flags & MP_STREAM_POLL_RD) {
        pthread_mutex_lock(&ring_lock);
        if (ring_used() > 0) {
            ret |= MP_STREAM_POLL_RD;
        }
        pthread_mutex_unlock(&ring_lock);
    }
    if (poll_flags & MP_STREAM_POLL_WR) {
        ret |= MP_STREAM_POLL_WR;
    }
    return ret;
}
