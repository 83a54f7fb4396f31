/*
 * fuzz_dtmf.c - libFuzzer target for DTMF (dissect/dtmf.c): RFC 4733
 * payloads through the event tracker, SIP INFO dtmf-relay / dtmf bodies,
 * the Cisco NOTIFY body and the Event ;rate parameter.
 *
 * The input is read as 9-byte records (RTP timestamp, marker, 4-byte
 * event) fed to one tracker, and whole as each text body.  Aborts when
 * the tracker emits more than DTMF_TRACKER_MAX_OUT digits, loses count, or
 * a parsed digit has an impossible character.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dtmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void digit_ok(char ch)
{
    CHECK(ch && strchr("0123456789*#ABCD!?", ch));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dtmf_tracker t;
    struct dtmf_digit out[DTMF_TRACKER_MAX_OUT], last;
    uint64_t emitted = 0;
    dtmf_tracker_init(&t, size ? (uint32_t)data[0] * 1000u : 0);
    for (size_t off = 0; off + 9 <= size; off += 9) {
        struct dtmf_event e;
        uint32_t ts = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 | (uint32_t)data[off + 2] << 8 |
                      data[off + 3];
        CHECK(dtmf_event_parse(data + off + 5, 4, &e));
        int n = dtmf_tracker_add(&t, ts, data[off + 4] & 1, &e, (int64_t)off * 1000, out);
        CHECK(n >= 0 && n <= DTMF_TRACKER_MAX_OUT);
        for (int i = 0; i < n; i++)
            digit_ok(out[i].ch);
        emitted += (uint64_t)n;
    }
    if (dtmf_tracker_flush(&t, &last)) {
        digit_ok(last.ch);
        emitted++;
    }
    CHECK(emitted == t.digits);

    struct slice body = {data, size};
    struct dtmf_info di;
    if (dtmf_relay_parse(body, &di))
        digit_ok(di.ch);
    if (dtmf_plain_parse(body, &di))
        digit_ok(di.ch);
    if (dtmf_notify_parse(data, size, size ? data[size - 1] : 0, &di))
        digit_ok(di.ch);
    (void)dtmf_event_header_rate(body);
    return 0;
}
