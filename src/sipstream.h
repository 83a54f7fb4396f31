/*
 * sipstream.h - what runs on a reassembled TCP byte stream: SIP framing
 * (RFC 3261 §18.3: Content-Length delimits each message; several messages
 * per segment, one message over many), RFC 5626 CRLF keep-alives, SIP over
 * WebSocket (RFC 7118: HTTP Upgrade detected on any port, then RFC 6455
 * frames, masked or not, fragmented or not), TLS
 * detection (reported once per connection as encrypted signalling), and
 * resynchronisation on the next SIP start line after a gap or junk.
 *
 * It is the sink of src/tcp.c.  Complete messages go to the store with
 * the frame of the segment that completed them, the first segment's frame
 * and the number of segments.  A message cut by a gap or by the end of the
 * stream is still stored, flagged (PKT_GAP_CUT, anomaly stream-gap), so it
 * shows on the ladder; the message after a gap is flagged PKT_AFTER_GAP.
 */
#ifndef SIPLADDER_SRC_SIPSTREAM_H
#define SIPLADDER_SRC_SIPSTREAM_H

#include "src/base/diag.h"
#include "src/base/hmap.h"
#include "src/store.h"
#include "src/tcp.h"

struct enc_flow {
    struct endpoint a, b;     /* client (first seen sender) and server */
    uint64_t first_frame, frames, bytes;
    uint32_t file;
    int64_t first_ts, last_ts;
    uint8_t handshake;        /* a TLS handshake record was seen */
    uint8_t sip_port;         /* either side is a SIPS port (5061): certainly SIP over TLS */
};

struct sipstream {
    struct store *store;
    struct diag *diag;
    const struct limits *lim;
    struct tcp_sink sink;     /* pass &ss->sink to tcp_init with ctx = ss */
    struct hmap enc_by_pair;
    struct enc_flow *enc;
    size_t nenc, cap_enc;
    uint64_t messages, keepalives, junk_bytes, cut_messages, incomplete_bytes;
    uint64_t ws_streams;      /* stream directions upgraded to WebSocket */
};

void sipstream_init(struct sipstream *ss, struct store *store, struct diag *diag, const struct limits *lim);
void sipstream_fini(struct sipstream *ss);

#endif
