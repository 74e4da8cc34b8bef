// kmodel v3 streamed from flash (core/kpu_stream.h): the weight ranges of its K210_CONV layers,
// listed through the source after kv3_check accepted the file.
#include "kmodel_v3.h"
#include "kpu_stream.h"

static bool overlaps(uint32_t a, uint32_t an, uint32_t b, uint32_t bn) {
    return a < b + bn && b < a + an;
}

int kv3_stream_ranges(kmodel_src_t *src, kpu_stream_range_t *out, uint32_t *n, kmodel_err_t *e) {
    uint8_t hdr[KV3_HEADER_BYTES];
    int r = kmodel_src_read_z(src, 0, hdr, sizeof(hdr));
    uint32_t wbytes = (kv3_u32(hdr + 4) & KV3_FLAG_8BIT) ? 1 : 2;
    uint32_t layers = kv3_u32(hdr + 12), outputs = kv3_u32(hdr + 24);
    uint32_t table = KV3_HEADER_BYTES + 8 * outputs, body = table + 8 * layers, k = 0;
    for (uint32_t i = 0; r == 0 && i < layers; i++) {
        uint8_t l[8], head[24], args[96];
        if ((r = kmodel_src_read_z(src, table + 8 * i, l, 8)) != 0) {
            break;
        }
        uint32_t type = kv3_u32(l), size = kv3_u32(l + 4);
        if (type == KV3_K210_CONV) {
            if ((r = kmodel_src_read_z(src, body, head, 24)) != 0
                || (r = kmodel_src_read_z(src, kv3_u32(head + 8), args, 96)) != 0) {
                break;
            }
            kv3_conv_t cv;
            kv3_conv_decode(head, args, wbytes, &cv);
            // a table inside the weights would be cut out of the resident image with them
            if (overlaps(cv.weights_off, cv.weight_bytes, body, 24) || overlaps(cv.weights_off, cv.weight_bytes, cv.layer_off, 96)
                || overlaps(cv.weights_off, cv.weight_bytes, cv.bn_off, cv.oc * 8)
                || overlaps(cv.weights_off, cv.weight_bytes, cv.act_off, 144)) {
                return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(%s, stream=True): layer %lu at offset %lu: its weights "
                    "[%lu, +%lu B) overlap its argument or tables: this file cannot stream; load it resident",
                    src->name, (unsigned long)i, (unsigned long)body, (unsigned long)cv.weights_off,
                    (unsigned long)cv.weight_bytes);
            }
            if (out != NULL) {
                out[k] = (kpu_stream_range_t) { .layer = i, .off = cv.weights_off, .bytes = cv.weight_bytes, .oc = cv.oc,
                    .step = cv.args.wb_group, .depthwise = cv.depthwise != 0 };
            }
            k++;
        }
        body += size;
    }
    if (r != 0) {
        return kmodel_fail(e, KMODEL_EOS, -r, "kpu.load(%s): read error %d while listing the weights", src->name, r);
    }
    *n = k;
    return 0;
}
