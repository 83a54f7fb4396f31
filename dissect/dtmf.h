/*
 * dtmf.h - DTMF in its four transports:
 *
 *   - RTP telephone-event payload (RFC 4733 §2.3, formerly RFC 2833),
 *     plus a tracker that turns the packet stream into digits (§2.5:
 *     start packet with the marker bit, duration updates, three end
 *     packets with E=1, a new event with a new RTP timestamp);
 *   - SIP INFO bodies application/dtmf-relay ("Signal=5\r\nDuration=160",
 *     the de-facto Cisco/Asterisk format) and application/dtmf ("5");
 *   - Cisco unsolicited NOTIFY (Event: telephone-event, Content-Type:
 *     audio/telephone-event): a binary 4-byte body in the RFC 4733 §2.3
 *     layout, duration in units of the Event header's ;rate (Cisco sends
 *     rate=1000, i.e. milliseconds; absent -> 1000 is assumed).
 *
 * Pure and allocation-free; the tracker is a caller-owned struct of
 * constant size.  Event codes 0-15 map to 0-9 * # A-D, 16 to '!' (flash,
 * RFC 4733 §3.2); other codes have no character (ch == '?').
 */
#ifndef SIPLADDER_DISSECT_DTMF_H
#define SIPLADDER_DISSECT_DTMF_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/util.h"

/* RFC 4733 §2.3 payload. */
struct dtmf_event {
    uint8_t event;     /* 0..255 */
    uint8_t end;       /* E bit */
    uint8_t reserved;  /* R bit */
    uint8_t volume;    /* 0..63, -dBm0 */
    uint16_t duration; /* RTP timestamp units since the event's timestamp */
};

/* Parse the first 4 bytes of p.  Returns 1 when n >= 4 (bytes beyond the
 * first event, e.g. further events of the same packet, are ignored). */
int dtmf_event_parse(const uint8_t *p, size_t n, struct dtmf_event *e);

/* '0'..'9', '*', '#', 'A'..'D', '!' (flash) or '?' for other codes. */
char dtmf_event_char(unsigned event);
/* Inverse: event code for '0'-'9', '*', '#', 'A'-'D' (either case), '!'; -1 otherwise. */
int dtmf_char_event(uint8_t c);

/* One digit recognised by the tracker. */
struct dtmf_digit {
    uint8_t event;
    char ch;
    uint8_t volume;       /* last value seen, -dBm0 */
    uint8_t end_seen;     /* an E=1 packet ended it (0: superseded or flushed without end) */
    uint8_t start_lost;   /* no packet with the marker bit was seen for it (start packet lost) */
    uint16_t packets;     /* packets counted for it up to its emission (saturates) */
    uint32_t rtp_ts;      /* event timestamp */
    uint32_t duration;    /* timestamp units: the final (E=1) or the largest seen */
    uint32_t duration_ms; /* duration at the tracker's clock rate */
    int64_t start_ns;     /* arrival time of its first packet seen */
};

#define DTMF_TRACKER_MAX_OUT 2

struct dtmf_tracker {
    uint32_t clock_rate;     /* Hz for duration_ms, 8000 when 0 was given */
    uint8_t active;          /* an event is in progress in `cur` */
    uint8_t have_done;       /* `done_*` describe the last emitted event */
    uint8_t done_event;
    uint32_t done_ts;
    struct dtmf_digit cur;
    uint64_t digits;          /* emitted */
    uint64_t end_retransmits; /* E=1 packets after the first one (usually 2 per digit) */
    uint64_t late_packets;    /* E=0 packets of an event already ended */
    uint64_t packets;         /* all packets given */
};

void dtmf_tracker_init(struct dtmf_tracker *t, uint32_t clock_rate);

/*
 * Feed one telephone-event packet (its RTP timestamp and marker bit, the
 * parsed payload, the arrival time).  Writes completed digits to out[]
 * and returns how many (0..DTMF_TRACKER_MAX_OUT):
 *   - the first E=1 packet of an event completes it; later packets with
 *     the same timestamp and event are counted as retransmissions (or
 *     late packets) and produce nothing;
 *   - a packet with another timestamp or event code while an event is in
 *     progress completes that one without its end (end packets lost) and
 *     starts the new one; the same digit pressed twice gives two digits
 *     because each press has its own RTP timestamp;
 *   - an event first seen without the marker bit has start_lost set.
 */
int dtmf_tracker_add(struct dtmf_tracker *t, uint32_t rtp_ts, int marker, const struct dtmf_event *e,
                     int64_t arrival_ns, struct dtmf_digit out[DTMF_TRACKER_MAX_OUT]);

/* End of stream: emit the event in progress, if any (end_seen = 0).  Returns 0 or 1. */
int dtmf_tracker_flush(struct dtmf_tracker *t, struct dtmf_digit *out);

/* A digit carried by SIP (INFO or NOTIFY body). */
struct dtmf_info {
    char ch;              /* as dtmf_event_char() */
    uint8_t event;
    uint8_t end;          /* NOTIFY: E bit; INFO: 1 */
    uint8_t has_duration;
    uint8_t volume;       /* NOTIFY only */
    uint32_t duration_ms;
};

/*
 * application/dtmf-relay: lines "Signal=<key>" and "Duration=<ms>"
 * (names case-insensitive, CRLF or LF, spaces around '=' allowed, other
 * lines ignored).  <key> is one of 0-9 * # A-D or an event number 0-16.
 * Returns 1 when a Signal was found.
 */
int dtmf_relay_parse(struct slice body, struct dtmf_info *out);

/* application/dtmf: the body is one key (or event number), surrounding
 * white space ignored.  Returns 1 on success. */
int dtmf_plain_parse(struct slice body, struct dtmf_info *out);

/*
 * Cisco unsolicited NOTIFY body (audio/telephone-event): RFC 4733 §2.3
 * layout; duration converted to ms with `rate` (the Event header's ;rate
 * parameter, see dtmf_event_header_rate(); 0 -> 1000).  Returns 1 when
 * the body has at least 4 bytes.
 */
int dtmf_notify_parse(const uint8_t *p, size_t n, uint32_t rate, struct dtmf_info *out);

/* ;rate=N of an Event header value ("telephone-event;rate=1000"); 0 when
 * absent or not a number in 1..10000000. */
uint32_t dtmf_event_header_rate(struct slice event_value);

#endif
