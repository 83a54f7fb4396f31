/*
 * test_dtmf.c - DTMF (dissect/dtmf.c): RFC 4733 §2.3 payload, the event
 * tracker over an RFC 4733 §2.5 packet stream (marker on the start, three
 * E=1 end packets counted once, the same digit twice with a new RTP
 * timestamp, a lost start packet, lost end packets, flush), SIP INFO
 * application/dtmf-relay and application/dtmf bodies, the Cisco
 * unsolicited NOTIFY audio/telephone-event body and the Event ;rate.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/dtmf.h"
#include "tests/unit/tap.h"

static struct slice S(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

/* feed one packet; returns the number of digits out */
static int feed(struct dtmf_tracker *t, uint32_t ts, int m, unsigned ev, int end, unsigned vol, unsigned dur,
                int64_t at_ms, struct dtmf_digit out[2])
{
    uint8_t pl[4] = {(uint8_t)ev, (uint8_t)((end ? 0x80 : 0) | (vol & 0x3f)), (uint8_t)(dur >> 8), (uint8_t)dur};
    struct dtmf_event e;
    if (!dtmf_event_parse(pl, 4, &e))
        return -1;
    return dtmf_tracker_add(t, ts, m, &e, at_ms * 1000000, out);
}

int main(void)
{
    struct dtmf_event e;
    static const uint8_t p5[] = {0x05, 0x8a, 0x03, 0x20, 0xff};
    ok(dtmf_event_parse(p5, sizeof p5, &e), "event: parsed");
    is_int(e.event, 5, "event: code");
    is_int(e.end, 1, "event: E bit");
    is_int(e.reserved, 0, "event: R bit");
    is_int(e.volume, 10, "event: volume");
    is_int(e.duration, 800, "event: duration");
    ok(!dtmf_event_parse(p5, 3, &e), "event: 3 bytes too short");
    ok(!dtmf_event_parse(NULL, 4, &e), "event: NULL");
    for (size_t i = 0; i <= sizeof p5; i++) {
        uint8_t *q = malloc(i ? i : 1);
        memcpy(q, p5, i);
        (void)dtmf_event_parse(q, i, &e);
        free(q);
    }
    ok(1, "event: every prefix in bounds");
    is_int(dtmf_event_char(0), '0', "char: 0");
    is_int(dtmf_event_char(10), '*', "char: 10 = *");
    is_int(dtmf_event_char(11), '#', "char: 11 = #");
    is_int(dtmf_event_char(15), 'D', "char: 15 = D");
    is_int(dtmf_event_char(16), '!', "char: 16 = flash");
    is_int(dtmf_event_char(17), '?', "char: 17 unknown");
    is_int(dtmf_char_event('#'), 11, "event of #");
    is_int(dtmf_char_event('c'), 14, "event of c");
    is_int(dtmf_char_event('x'), -1, "event of x");

    /* ---- tracker: '5' pressed twice, then '1' with lost start, then '9' with lost ends ---- */
    struct dtmf_tracker t;
    struct dtmf_digit out[2];
    dtmf_tracker_init(&t, 8000);
    int n = 0;
    n += feed(&t, 1000, 1, 5, 0, 10, 160, 0, out);
    n += feed(&t, 1000, 0, 5, 0, 10, 320, 20, out);
    n += feed(&t, 1000, 0, 5, 0, 10, 480, 40, out);
    n += feed(&t, 1000, 0, 5, 0, 10, 640, 60, out);
    is_int(n, 0, "tracker: nothing before the end");
    n = feed(&t, 1000, 0, 5, 1, 10, 800, 80, out);
    is_int(n, 1, "tracker: first E=1 completes the digit");
    is_int(out[0].ch, '5', "digit 1: 5");
    is_int(out[0].rtp_ts, 1000, "digit 1: timestamp");
    is_int(out[0].duration, 800, "digit 1: duration ts units");
    is_int(out[0].duration_ms, 100, "digit 1: 100 ms");
    is_int(out[0].volume, 10, "digit 1: volume");
    is_int(out[0].end_seen, 1, "digit 1: end seen");
    is_int(out[0].start_lost, 0, "digit 1: start seen");
    is_int(out[0].packets, 5, "digit 1: packets");
    is_int(out[0].start_ns, 0, "digit 1: start time");
    n = feed(&t, 1000, 0, 5, 1, 10, 800, 85, out);
    n += feed(&t, 1000, 0, 5, 1, 10, 800, 90, out);
    is_int(n, 0, "tracker: end retransmissions produce nothing");
    is_int(t.end_retransmits, 2, "tracker: two end retransmissions counted");
    n = feed(&t, 1000, 0, 5, 0, 10, 640, 95, out);
    is_int(n, 0, "tracker: late E=0 packet of an ended event ignored");
    is_int(t.late_packets, 1, "tracker: late packet counted");

    /* the same digit again: new timestamp */
    n = feed(&t, 3000, 1, 5, 0, 12, 160, 300, out);
    n += feed(&t, 3000, 0, 5, 1, 12, 400, 320, out);
    is_int(n, 1, "tracker: second 5 completes");
    ok(out[0].ch == '5' && out[0].rtp_ts == 3000 && out[0].duration == 400 && out[0].start_ns == 300000000LL,
       "digit 2: a second 5 with its own timestamp");
    n = feed(&t, 3000, 0, 5, 1, 12, 400, 325, out);
    is_int(n, 0, "digit 2: retransmission");

    /* lost start (no marker seen) */
    n = feed(&t, 5000, 0, 1, 0, 8, 480, 500, out);
    n += feed(&t, 5000, 0, 1, 1, 8, 640, 520, out);
    ok(n == 1 && out[0].ch == '1' && out[0].start_lost && out[0].end_seen, "digit 3: 1 with start lost");

    /* end packets lost: the next event completes it */
    n = feed(&t, 7000, 1, 9, 0, 8, 160, 700, out);
    n += feed(&t, 7000, 0, 9, 0, 8, 320, 720, out);
    is_int(n, 0, "digit 4: in progress");
    n = feed(&t, 9000, 1, 11, 0, 8, 160, 900, out);
    ok(n == 1 && out[0].ch == '9' && !out[0].end_seen && out[0].duration == 320, "digit 4: 9 ended by the next event");
    /* next event: start and end lost at once, and a new one right after -> two out */
    n = feed(&t, 11000, 0, 0, 1, 8, 800, 1100, out);
    ok(n == 2 && out[0].ch == '#' && !out[0].end_seen && out[1].ch == '0' && out[1].end_seen && out[1].start_lost,
       "tracker: two digits from one packet");
    n = feed(&t, 13000, 1, 2, 0, 8, 160, 1300, out);
    is_int(n, 0, "digit 7: started");
    struct dtmf_digit last;
    ok(dtmf_tracker_flush(&t, &last) == 1 && last.ch == '2' && !last.end_seen, "flush: pending digit");
    ok(dtmf_tracker_flush(&t, &last) == 0, "flush: nothing left");
    is_int(t.digits, 7, "tracker: 7 digits");
    is_int(t.packets, 18, "tracker: 18 packets");
    dtmf_tracker_init(&t, 0);
    is_int(t.clock_rate, 8000, "tracker: default 8000 Hz");
    dtmf_tracker_init(&t, 16000);
    feed(&t, 1, 1, 3, 1, 0, 1600, 0, out);
    is_int(out[0].duration_ms, 100, "tracker: 16 kHz duration");

    /* ---- SIP INFO bodies ---- */
    struct dtmf_info di;
    ok(dtmf_relay_parse(S("Signal=5\r\nDuration=160\r\n"), &di), "relay: parsed");
    ok(di.ch == '5' && di.event == 5 && di.has_duration && di.duration_ms == 160 && di.end, "relay: 5, 160 ms");
    ok(dtmf_relay_parse(S("signal = *\nduration= 250"), &di) && di.ch == '*' && di.duration_ms == 250,
       "relay: lower case, spaces, LF");
    ok(dtmf_relay_parse(S("Signal=11\r\n"), &di) && di.ch == '#' && !di.has_duration, "relay: event number 11 = #");
    ok(dtmf_relay_parse(S("Signal=d\r\n"), &di) && di.ch == 'D', "relay: d");
    ok(!dtmf_relay_parse(S("Duration=100\r\n"), &di), "relay: no Signal");
    ok(!dtmf_relay_parse(S("Signal=55\r\nDuration=1"), &di), "relay: bad key");
    ok(!dtmf_relay_parse(S("Signal=\r\n"), &di), "relay: empty key");
    ok(dtmf_relay_parse(S("Signal=1\r\nDuration=abc\r\n"), &di) && !di.has_duration, "relay: bad duration ignored");
    ok(!dtmf_relay_parse(SLICE_NULL, &di), "relay: NULL body");
    ok(dtmf_plain_parse(S("7"), &di) && di.ch == '7', "dtmf: 7");
    ok(dtmf_plain_parse(S(" #\r\n"), &di) && di.ch == '#', "dtmf: # with white space");
    ok(dtmf_plain_parse(S("10"), &di) && di.ch == '*', "dtmf: event number 10");
    ok(!dtmf_plain_parse(S("78"), &di), "dtmf: two keys rejected");
    ok(!dtmf_plain_parse(S(""), &di), "dtmf: empty");

    /* ---- Cisco unsolicited NOTIFY (audio/telephone-event, 4 bytes) ---- */
    static const uint8_t nb[4] = {0x05, 0x0a, 0x01, 0xf4}; /* 5, E=0, vol 10, 500 */
    ok(dtmf_notify_parse(nb, 4, 0, &di), "notify: parsed");
    ok(di.ch == '5' && !di.end && di.volume == 10 && di.duration_ms == 500, "notify: 5, 500 ms at rate 1000");
    static const uint8_t nb2[4] = {0x0b, 0x80, 0x0f, 0xa0}; /* #, E=1, 4000 */
    ok(dtmf_notify_parse(nb2, 4, 8000, &di) && di.ch == '#' && di.end && di.duration_ms == 500,
       "notify: rate 8000 scaling, E=1");
    ok(!dtmf_notify_parse(nb, 3, 0, &di), "notify: short body");
    is_int(dtmf_event_header_rate(S("telephone-event;rate=1000")), 1000, "Event rate 1000");
    is_int(dtmf_event_header_rate(S("telephone-event ; rate = 8000 ; x")), 8000, "Event rate with spaces");
    is_int(dtmf_event_header_rate(S("telephone-event")), 0, "Event without rate");
    is_int(dtmf_event_header_rate(S("telephone-event;rate=abc")), 0, "Event bad rate");
    is_int(dtmf_event_header_rate(S("telephone-event;rate=0")), 0, "Event rate 0");
    is_int(dtmf_event_header_rate(SLICE_NULL), 0, "Event NULL");
    return tap_done();
}
