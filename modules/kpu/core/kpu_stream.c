// Streamed models (kpu_stream.h): the load that leaves KPU weights in flash, the per-forward
// read schedule over one or two buffers, and the predicted times.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kpu_ledger.h"
#include "kpu_stream.h"
#include "kpu_timing.h"

#define A(x)       KPU_LEDGER_ROUND(x)
#define DOWN128(x) ((uint32_t)(x) & ~(uint32_t)(KPU_LEDGER_ALIGN - 1))
#define WORD_SWAPPED_V3 (0x03000000u)   // a v3 file's first word after model_le2be.py

static kpu_stream_t *live;              // streamed models alive, newest first

// --- a word-byte-swapped source (MaixPy's model_le2be.py: every 32-bit word reversed) ---

typedef struct {
    kmodel_src_t *inner;
} swap_ctx_t;

static void swap_words(uint8_t *p, size_t n) {
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint8_t a = p[i], b = p[i + 1];
        p[i] = p[i + 3];
        p[i + 1] = p[i + 2];
        p[i + 2] = b;
        p[i + 3] = a;
    }
}

static int swapped_read(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    kmodel_src_t *in = ((swap_ctx_t *)s->ctx)->inner;
    uint8_t *d = buf;
    while (n > 0) {
        uint32_t head = off & 3u;
        if (head == 0 && n >= 4) {
            size_t k = n & ~(size_t)3;
            int r = in->read(in, off, d, k);
            if (r != 0) {
                return r;
            }
            swap_words(d, k);
            off += k, d += k, n -= k;
            continue;
        }
        uint8_t w[4];
        int r = in->read(in, off - head, w, 4);   // the source size is a multiple of 4 (checked)
        if (r != 0) {
            return r;
        }
        swap_words(w, 4);
        size_t k = 4 - head < n ? 4 - head : n;
        memcpy(d, w + head, k);
        off += k, d += k, n -= k;
    }
    return 0;
}

// --- load ---

static int refuse(kmodel_err_t *e, const char *name, const char *fmt, uint32_t a, uint32_t b, uint32_t c) {
    char what[240];
    snprintf(what, sizeof(what), fmt, (unsigned long)a, (unsigned long)b, (unsigned long)c);
    return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(%s, stream=True): %s", name, what);
}

// Cuts of the listed ranges; refuses ranges out of order or overlapping one another.
static int cut_ranges(kpu_stream_range_t *rg, uint32_t n, const char *name, uint32_t *cut_total, uint32_t *largest,
    uint32_t *flash_bytes, kmodel_err_t *e) {
    uint32_t total = 0, big = 0, end = 0;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        kpu_stream_range_t *r = &rg[i];
        if (r->off < end) {
            return refuse(e, name, "layer %lu's weights at offset %lu overlap the previous layer's (they end at %lu): "
                "this file cannot stream; load it resident", r->layer, r->off, end);
        }
        end = r->off + r->bytes;
        r->cut_lo = (uint32_t)A(r->off);
        r->cut_hi = DOWN128(end);
        if (r->cut_hi < r->cut_lo) {
            r->cut_hi = r->cut_lo;   // under 128 B: stays resident (and is read anyway)
        }
        r->cut_before = total;
        total += r->cut_hi - r->cut_lo;
        big = r->bytes > big ? r->bytes : big;
        sum += r->bytes;
    }
    *cut_total = total;
    *largest = big;
    *flash_bytes = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
    return 0;
}

static uint32_t round_read(uint32_t n, bool swapped) {
    return swapped ? (n + 3) & ~3u : n;
}

// Output channels per read of each range for a window of `want` bytes (0: the largest layer,
// nothing split); sets group/first_unit, the reads per forward and the buffer size.
static int plan_groups(kpu_stream_range_t *rg, uint32_t n, uint32_t want, bool swapped, const char *name,
    uint32_t *units, uint32_t *window, kmodel_err_t *e) {
    uint32_t big = 0, least = 0, u = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t b = round_read(rg[i].bytes, swapped);
        // the smallest read this layer can be split into
        uint32_t l = rg[i].depthwise ? b : round_read((swapped ? 4 : rg[i].step) * (rg[i].bytes / rg[i].oc), swapped);
        l = l < b ? l : b;
        big = b > big ? b : big;
        least = l > least ? l : least;
    }
    // default: the largest layer, at most KPU_STREAM_DEFAULT_WINDOW (larger layers split), at
    // least what every layer needs
    uint32_t win = big < KPU_STREAM_DEFAULT_WINDOW ? big : KPU_STREAM_DEFAULT_WINDOW;
    win = want ? want : win > least ? win : least;
    for (uint32_t i = 0; i < n; i++) {
        kpu_stream_range_t *r = &rg[i];
        if (swapped && r->off % 4 != 0) {   // its words would be un-swapped across the wrong boundary
            return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(%s, stream=True): layer %lu's weights at offset %lu are "
                "not on a 4-byte word of this word-swapped file: load the file as nncase wrote it", name,
                (unsigned long)r->layer, (unsigned long)r->off);
        }
        r->first_unit = u;
        r->group = r->oc;
        if (round_read(r->bytes, swapped) > win) {
            uint32_t per_oc = r->bytes / r->oc;
            // groups start on a channel of the output map's first slot (and, swapped, on a word)
            uint32_t step = swapped ? 4 : r->step;
            uint32_t g = per_oc ? win / per_oc / step * step : 0;
            if (r->depthwise || g == 0) {
                char a[16], b[16], c[16];
                uint32_t need = r->depthwise ? round_read(r->bytes, swapped) : round_read(step * per_oc, swapped);
                return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(%s, stream=True): window=%s B is smaller than layer %lu's "
                    "%s (%s B%s): use window>=%s", name, kpu_ledger_grouped(a, win), (unsigned long)r->layer,
                    r->depthwise ? "depthwise weights, which are read whole" : "smallest group of output channels",
                    kpu_ledger_grouped(b, need), r->depthwise ? "" : " for channels sharing an AI SRAM line",
                    kpu_ledger_grouped(c, need));
            }
            r->group = g;
        }
        u += (r->oc + r->group - 1) / r->group;
    }
    *units = u;
    *window = (uint32_t)A(win);
    return 0;
}

int kpu_stream_load(kmodel_src_t *src, uint32_t owner, const char *tag, kpu_act_rule_t *rule_override,
    const kpu_stream_opts_t *opts, kmodel_t *m, kmodel_err_t *e) {
    if (!src->is_flash || src->stream_start == NULL) {
        return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(%s, stream=True): weights stream from the raw SPI flash only "
            "(a file's clusters need not be contiguous): write it with k210 model push --flash 0x300000 and "
            "load kpu.load(0x300000, stream=True)", src->name);
    }
    uint8_t head[16];
    size_t hn;
    int r = kmodel_read_head(src, head, &hn, e);
    if (r != 0) {
        return r;
    }
    swap_ctx_t sc = { src };
    kmodel_src_t swapped = *src;
    bool is_swapped = hn >= 4 && (uint32_t)(head[0] | head[1] << 8 | head[2] << 16 | (uint32_t)head[3] << 24) == WORD_SWAPPED_V3;
    if (is_swapped) {
        if (src->base % 4 != 0) {
            return refuse(e, src->name, "a word-swapped file must start on a 4-byte boundary (offset 0x%lx)%.0lu%.0lu",
                src->base, 0, 0);
        }
        swapped.read = swapped_read;
        swapped.ctx = &sc;
        swapped.size = src->size & ~3u;
        src = &swapped;
        r = src->read(src, 0, head, hn);
        if (r != 0) {
            return kmodel_fail(e, KMODEL_EOS, -r, "kpu.load(%s): read error %d at offset 0", src->name, r);
        }
    }
    const kmodel_format_t *fmt;
    r = kmodel_identify(head, hn, &fmt, e);
    if (r != 0) {
        char msg[sizeof(e->msg)];
        snprintf(msg, sizeof(msg), "kpu.load(%s): %.360s", src->name, e->msg);
        memcpy(e->msg, msg, sizeof(msg));
        return r;
    }
    if (fmt->stream_ranges == NULL) {
        return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(%s, stream=True): %s files are not streamed (only kmodel v3 "
            "is): load it resident (stream=False) or compile with nncase 0.1 (v3)", src->name, fmt->name);
    }
    kmodel_plan_t plan = { 0 };
    if ((r = fmt->check(src, &plan, e)) != 0) {
        return r;
    }
    uint32_t n = 0;
    if ((r = fmt->stream_ranges(src, NULL, &n, e)) != 0) {
        return r;
    }
    uint32_t nbufs = opts->buffers;
    if (nbufs != 1 && nbufs != 2) {
        return refuse(e, src->name, "buffers=%lu: use 1 (single buffer) or 2 (read the next layer during the "
            "current one)%.0lu%.0lu", nbufs, 0, 0);
    }
    // the block: resident image | main | this struct + the range table. The ranges are listed
    // into a scratch ledger block first (freed before the block is asked for), so the charge
    // and the window check use the exact figures.
    size_t table = sizeof(kpu_stream_t) + (size_t)n * sizeof(kpu_stream_range_t);
    size_t main_part = A(plan.main_bytes) + A(table);
    size_t list = (size_t)n * sizeof(kpu_stream_range_t);
    kpu_stream_range_t *scratch = n ? kpu_ledger_alloc(list, owner, tag) : NULL;
    if (n && scratch == NULL) {
        return kmodel_fail_memory(src, A(list), 0, A(list), e);
    }
    uint32_t cut = 0, largest = 0, flash_bytes = 0;
    if (n && ((r = fmt->stream_ranges(src, scratch, &n, e)) != 0
        || (r = cut_ranges(scratch, n, src->name, &cut, &largest, &flash_bytes, e)) != 0)) {
        kpu_ledger_free(scratch);
        return r;
    }
    uint32_t units = 0, window = 0;
    if ((r = plan_groups(scratch, n, opts->window, is_swapped, src->name, &units, &window, e)) != 0) {
        if (scratch) {
            kpu_ledger_free(scratch);
        }
        return r;
    }
    uint32_t resident = plan.image_bytes - cut;
    size_t charge = A(resident) + main_part;
    size_t bufs = (size_t)nbufs * window;
    if (scratch) {
        kpu_ledger_free(scratch);   // its place goes to the model block
    }
    uint8_t *block = kpu_ledger_alloc(charge, owner, tag);
    uint8_t *bblock = NULL;
    char btag[KPU_LEDGER_TAG_LEN];
    snprintf(btag, sizeof(btag), "%.12s stream buf", tag);
    if (n == 0) {
        bufs = 0;   // no KPU layer: nothing to stream, no buffers
    }
    if (block != NULL && bufs != 0) {
        bblock = kpu_ledger_alloc(bufs, owner, btag);
    }
    if (block == NULL || (bufs != 0 && bblock == NULL)) {
        if (block != NULL) {
            kpu_ledger_free(block);
        }
        return kmodel_fail_memory(src, charge + bufs, A(resident), charge - A(resident) + bufs, e);
    }
    memset(m, 0, sizeof(*m));
    m->fmt = fmt;
    m->block = block;
    m->stream_block = bblock;
    m->charge = charge + bufs;
    m->image = block;
    m->image_bytes = resident;
    m->main = block + A(resident);
    m->main_bytes = plan.main_bytes;
    memset(block, 0, charge);
    kpu_stream_t *s = (kpu_stream_t *)(m->main + A(plan.main_bytes));
    s->ranges = (kpu_stream_range_t *)(s + 1);
    s->n = n;
    if (n && (r = fmt->stream_ranges(src, s->ranges, &n, e)) == 0
        && (r = cut_ranges(s->ranges, n, src->name, &cut, &largest, &flash_bytes, e)) == 0) {
        r = plan_groups(s->ranges, n, opts->window, is_swapped, src->name, &units, &window, e);
    }
    s->units = units;
    // the resident part: the file between the cuts
    uint32_t pos = 0;
    for (uint32_t i = 0; r == 0 && i <= n; i++) {
        uint32_t lo = i < n ? s->ranges[i].cut_lo : plan.image_bytes;
        uint32_t before = i < n ? s->ranges[i].cut_before : cut;
        if (lo > pos && (r = kmodel_src_read_z(src, pos, block + pos - before, lo - pos)) != 0) {
            r = kmodel_fail(e, KMODEL_EOS, -r, "kpu.load(%s): read error %d at offset %lu", src->name, r, (unsigned long)pos);
        }
        pos = i < n ? s->ranges[i].cut_hi : pos;
    }
    if (r != 0) {
        kmodel_free(m);
        return r;
    }
    s->epoch = kpu_ledger_epoch();
    s->start = src->stream_start;
    s->wait = src->stream_wait;
    s->flash_base = src->base;
    s->swapped = is_swapped;
    s->buf[0] = bblock;
    s->buf[1] = nbufs == 2 && bblock != NULL ? bblock + window : bblock;   // no buffers without KPU layers
    s->nbufs = nbufs;
    s->window = window;
    s->spi_hz = opts->spi_hz ? opts->spi_hz : KPU_STREAM_DEFAULT_SPI_HZ;
    s->resident_charge = (uint32_t)charge;
    s->buffers_charge = (uint32_t)bufs;
    s->flash_bytes = flash_bytes;
    s->largest = largest;
    s->pending = -1;
    m->act_rule = rule_override ? *rule_override : fmt->default_act_rule;
    m->stream = s;
    if ((r = fmt->prepare(m, e)) != 0) {
        kmodel_free(m);
        return r;
    }
    kpu_stream_totals_t t;
    kpu_stream_totals(&t);   // drops entries of an earlier epoch
    s->next_live = live;
    live = s;
    return 0;
}

void kpu_stream_forget(kpu_stream_t *s) {
    for (kpu_stream_t **p = &live; *p != NULL; p = &(*p)->next_live) {
        if (*p == s) {
            *p = s->next_live;
            return;
        }
    }
}

void kpu_stream_totals(kpu_stream_totals_t *t) {
    memset(t, 0, sizeof(*t));
    if (live != NULL && live->epoch != kpu_ledger_epoch()) {
        live = NULL;   // a soft reset freed every block (and every stream in them)
    }
    for (kpu_stream_t *s = live; s != NULL; s = s->next_live) {
        t->models++;
        t->resident += s->resident_charge;
        t->buffers += s->buffers_charge;
        t->flash += s->flash_bytes;
    }
}

uint32_t kpu_stream_resident_off(const kpu_stream_t *s, uint32_t off) {
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {   // the last range with cut_lo <= off
        uint32_t mid = (lo + hi) / 2;
        if (s->ranges[mid].cut_lo <= off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) {
        return off;
    }
    const kpu_stream_range_t *r = &s->ranges[lo - 1];
    return off - r->cut_before - (off >= r->cut_hi ? r->cut_hi - r->cut_lo : 0);
}

// --- the forward schedule ---

// The range of read u and the group within it.
static const kpu_stream_range_t *unit_range(const kpu_stream_t *s, uint32_t u, uint32_t *group) {
    uint32_t lo = 0, hi = s->n;
    while (hi - lo > 1) {   // the last range with first_unit <= u
        uint32_t mid = (lo + hi) / 2;
        if (s->ranges[mid].first_unit <= u) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    *group = u - s->ranges[lo].first_unit;
    return &s->ranges[lo];
}

// Channels [c0, c0 + channels) of read u, at file offset off, len bytes to read.
static void unit_span(const kpu_stream_t *s, uint32_t u, uint32_t *c0, uint32_t *channels, uint32_t *off, uint32_t *len) {
    uint32_t k;
    const kpu_stream_range_t *r = unit_range(s, u, &k);
    uint32_t per_oc = r->bytes / r->oc;
    *c0 = k * r->group;
    *channels = r->oc - *c0 < r->group ? r->oc - *c0 : r->group;
    *off = r->off + *c0 * per_oc;
    *len = round_read(r->group == r->oc ? r->bytes : *channels * per_oc, s->swapped);
}

static uint8_t *buf_of(const kpu_stream_t *s, uint32_t u) {
    return s->buf[s->nbufs == 2 ? (u & 1) : 0];
}

static int fetch(kpu_stream_t *s, uint32_t u) {
    uint32_t c0, ch, off, len;
    unit_span(s, u, &c0, &ch, &off, &len);
    s->last_bytes += len;
    s->pending = (int)u;
    return s->start(s->flash_base + off, buf_of(s, u), len);
}

static int settle(kpu_stream_t *s) {
    if (s->pending < 0) {
        return 0;
    }
    s->pending = -1;
    return s->wait();
}

int kpu_stream_begin(kpu_stream_t *s) {
    settle(s);
    s->next = 0;
    s->last_bytes = 0;
    s->forwards++;
    return s->units ? fetch(s, 0) : 0;   // the buffer is free: overlap the input upload
}

static const kpu_stream_range_t *range_at(const kpu_stream_t *s, uint32_t off) {
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->ranges[mid].off < off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < s->n && s->ranges[lo].off == off ? &s->ranges[lo] : NULL;
}

uint32_t kpu_stream_groups(const kpu_stream_t *s, uint32_t off) {
    const kpu_stream_range_t *r = range_at(s, off);
    return r ? (r->oc + r->group - 1) / r->group : 1;
}

int kpu_stream_take(kpu_stream_t *s, uint32_t off, uint32_t group, kpu_stream_piece_t *piece) {
    const kpu_stream_range_t *r = range_at(s, off);
    uint32_t u = r ? r->first_unit + group : 0;
    if (r == NULL || u != s->next) {
        return -EINVAL;   // layers run in file order: the loader listed them that way
    }
    int rc;
    if (s->pending != (int)u) {
        if ((rc = settle(s)) != 0 || (rc = fetch(s, u)) != 0) {
            s->pending = -1;
            return rc;
        }
    }
    if ((rc = settle(s)) != 0) {
        return rc;
    }
    uint32_t off2, len;
    uint8_t *b = buf_of(s, u);
    unit_span(s, u, &piece->c0, &piece->channels, &off2, &len);
    if (s->swapped) {
        swap_words(b, len);
    }
    s->next = u + 1;
    // the other buffer held the previous read's weights, whose layer is done: fill it with the next
    if (s->nbufs == 2 && u + 1 < s->units && (rc = fetch(s, u + 1)) != 0) {
        s->pending = -1;
        return rc;
    }
    piece->weights = b;
    return 0;
}

void kpu_stream_end(kpu_stream_t *s) {
    settle(s);
}

// --- predicted times ---

uint64_t kpu_stream_read_ns(uint32_t n, uint32_t spi_hz) {
    uint64_t clocks = KPU_STREAM_READ_HEAD_CLOCKS + 2ull * n;
    return KPU_STREAM_READ_SETUP_NS + clocks * 1000000000ull / spi_hz;
}

void kpu_stream_predict(const kmodel_t *m, uint32_t spi_hz, kpu_stream_times_t *t) {
    const kpu_stream_t *s = m->stream;
    memset(t, 0, sizeof(*t));
    spi_hz = spi_hz ? spi_hz : s ? s->spi_hz : KPU_STREAM_DEFAULT_SPI_HZ;
    // the schedule of begin/take: read u+1 starts when read u's group starts (two buffers),
    // read u when its group asks for it (one buffer); read 0 is started by begin at time 0
    uint64_t now = 0, ready = 0;
    uint32_t u = 0;
    for (uint32_t i = 0; i < m->layers; i++) {
        kmodel_layer_info_t li;
        if (m->fmt->layer_info(m, i, &li) != 0) {
            continue;
        }
        t->resident_ns += kpu_timing_ns(&li);
        if (s == NULL || !li.on_kpu || u >= s->units) {
            now += kpu_timing_ns(&li);
            continue;
        }
        uint32_t k, oc = li.out.c;
        const kpu_stream_range_t *r = unit_range(s, u, &k);
        for (k = 0; k * r->group < r->oc; k++, u++) {
            uint32_t c0, ch, off, len;
            unit_span(s, u, &c0, &ch, &off, &len);
            uint64_t rd = kpu_stream_read_ns(len, spi_hz);
            t->read_ns += rd;
            if (u == 0) {
                ready = rd;
            } else if (s->nbufs == 1) {
                ready = now + rd;
            }
            now = now > ready ? now : ready;
            if (s->nbufs == 2 && u + 1 < s->units) {
                uint32_t c1, ch1, off1, len1;
                unit_span(s, u + 1, &c1, &ch1, &off1, &len1);
                ready = now + kpu_stream_read_ns(len1, spi_hz);
            }
            kmodel_layer_info_t part = li;
            part.out.c = ch;   // a group is a layer with fewer output channels
            now += r->group == oc ? kpu_timing_ns(&li) : kpu_timing_ns(&part);
        }
    }
    t->stream_ns = s != NULL ? now : t->resident_ns;
}
