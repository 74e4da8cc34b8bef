// Models bigger than SRAM (issue 19): a model loaded with stream=True keeps its header, layer
// table, layer arguments, batch-norm and activation tables and CPU-layer parameters resident;
// the KPU conv weights stay in the raw SPI flash and are read per layer, during the forward, into
// one or two ledger buffers (double buffering: layer k+1's weights are read while the KPU runs
// layer k). docs/kpu-stream.md explains the schedule, the charge and the time model.
//
// The resident image is the file with the 128-aligned inside of every weight range cut out, so
// the tables keep the 128-B alignment their file offsets have; kpu_stream_resident_off maps a
// file offset to the resident image. Plain C, no MicroPython objects (modkpu.c binds it).
#ifndef KPU_STREAM_H
#define KPU_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmodel.h"

// Bytes per buffer when window= is not given (a larger layer is read in groups of output
// channels; MaixPy suggests 0x4000-0x10000 for its batch_size).
#define KPU_STREAM_DEFAULT_WINDOW (65536u)
#define KPU_STREAM_DEFAULT_SPI_HZ (80000000u)    // MaixPy's load_flash ceiling for spi_speed
#define KPU_STREAM_MAX_SPI_HZ     (133000000u)   // fastest quad read a Maix board's NOR flash takes
// Flash rate model: a quad-output fast read (0xEB) is 8 command + 6 address + 4 dummy clocks,
// then 2 clocks per byte; plus the driver's and DMA's set-up per read.
#define KPU_STREAM_READ_HEAD_CLOCKS (18u)
#define KPU_STREAM_READ_SETUP_NS    (2000u)

// One streamed range: the weights of one K210_CONV layer, read whole, or (a layer larger than
// the window) in groups of `group` output channels, each run as a layer of its own.
typedef struct kpu_stream_range_tag {
    uint32_t layer;          // layer index in the model
    uint32_t off, bytes;     // file offset and size of the weights (what a forward reads)
    uint32_t oc;             // output channels; their weights are oc runs of bytes / oc
    uint32_t step;           // a group is a multiple of this many channels (the output map's wb_group)
    bool depthwise;          // never split (its input channels are its output channels)
    uint32_t cut_lo, cut_hi; // the part left out of the resident image (128-aligned; may be empty)
    uint32_t cut_before;     // bytes cut out before cut_lo
    uint32_t group;          // output channels per read (oc: the whole layer)
    uint32_t first_unit;     // index of its first read in a forward
} kpu_stream_range_t;

// One read of a forward: weights of output channels [c0, c0 + channels) of a layer.
typedef struct {
    const uint8_t *weights;
    uint32_t c0, channels;
} kpu_stream_piece_t;

// How the user asked for it (kpu.load keywords).
typedef struct {
    uint32_t window;         // bytes per buffer; 0 = KPU_STREAM_DEFAULT_WINDOW or less (the largest layer)
    uint32_t buffers;        // 1 (single) or 2 (double buffering)
    uint32_t spi_hz;         // flash clock for the time model (and the board's reads); 0 = default
} kpu_stream_opts_t;

typedef struct kpu_stream {
    struct kpu_stream *next_live;   // the list of live streamed models (kpu_stream_totals)
    uint32_t epoch;                 // ledger epoch of the load (a soft reset frees every block)
    kmodel_src_start_t start;       // the port's flash reader (kmodel_src_t)
    kmodel_src_wait_t wait;
    uint32_t flash_base;            // flash offset of the file
    bool swapped;                   // a word-byte-swapped file (MaixPy's model_le2be.py)
    uint32_t n;                     // ranges
    uint32_t units;                 // reads per forward (ranges, split layers counted per group)
    kpu_stream_range_t *ranges;     // in the model block, after this struct
    uint8_t *buf[2];
    uint32_t nbufs, window;         // window: bytes per buffer (128-rounded)
    uint32_t spi_hz;
    uint32_t resident_charge;       // the model block
    uint32_t buffers_charge;        // the buffers block
    uint32_t flash_bytes;           // bytes one whole forward reads
    uint32_t largest;               // the largest range
    int pending;                    // range with a read in flight, -1 none
    uint32_t next;                  // the range the next take expects
    uint32_t last_bytes;            // bytes read by the last (or current) forward
    uint32_t forwards;              // forwards started
} kpu_stream_t;

// The whole streamed load (kmodel_load's steps with the weights left in flash): identify (a
// word-swapped v3 file is read through a swapping reader), check, list the ranges, split the
// layers larger than the window by output channels (refusing a window below a layer's smallest
// group, or below a depthwise layer, with the figures), charge the ledger for the resident part and the buffers,
// read the resident part, prepare. On failure nothing stays allocated.
int kpu_stream_load(kmodel_src_t *src, uint32_t owner, const char *tag, kpu_act_rule_t *rule_override,
    const kpu_stream_opts_t *opts, kmodel_t *m, kmodel_err_t *e);
// Unlinks the stream of a model being freed (kmodel_free calls it).
void kpu_stream_forget(kpu_stream_t *s);

// The offset in the resident image of file offset off (off outside every cut).
uint32_t kpu_stream_resident_off(const kpu_stream_t *s, uint32_t off);

// The forward schedule: begin before the first layer (reads the first range), take at each
// K210_CONV (waits for its weights, starts the next read when a second buffer is free), end
// after the last layer run (waits for a read still in flight). 0 or -errno of the flash read.
int kpu_stream_begin(kpu_stream_t *s);
// Groups the layer whose weights are at file offset off runs as (1: whole).
uint32_t kpu_stream_groups(const kpu_stream_t *s, uint32_t off);
int kpu_stream_take(kpu_stream_t *s, uint32_t off, uint32_t group, kpu_stream_piece_t *piece);
void kpu_stream_end(kpu_stream_t *s);

// Predicted forward times (ns) from the silicon timing model and the flash rate model at spi_hz
// (0 = the model's): resident, streamed with this stream's buffers, and the flash reading alone.
typedef struct {
    uint64_t resident_ns, stream_ns, read_ns;
} kpu_stream_times_t;
void kpu_stream_predict(const kmodel_t *m, uint32_t spi_hz, kpu_stream_times_t *t);
// ns to read n bytes from flash at spi_hz.
uint64_t kpu_stream_read_ns(uint32_t n, uint32_t spi_hz);

// Sums over the live streamed models: count, resident charge, buffer charge, flash bytes per forward.
typedef struct {
    uint32_t models, resident, buffers, flash;
} kpu_stream_totals_t;
void kpu_stream_totals(kpu_stream_totals_t *t);

#endif
