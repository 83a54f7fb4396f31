/*
 * ws.h - WebSocket (RFC 6455) for SIP over WebSocket (RFC 7118).
 *
 * Three pieces, each usable on its own:
 *
 *   - Opening handshake detection (RFC 6455 §4.1, §4.2.2; HTTP/1.1
 *     message syntax of RFC 9112 §2-§5): is this TCP payload the client's
 *     "GET ... HTTP/1.1" with "Upgrade: websocket", or the server's
 *     "HTTP/1.1 101" answer, and how long is its header block.
 *   - Frame header parsing (§5.2) and unmasking (§5.3).
 *   - A reassembler for fragmented messages (§5.4) that the caller owns.
 *
 * The handshake and frame functions are pure: no I/O, no globals, no
 * allocation, and they never read outside [p, p + n).  The reassembler
 * (struct ws_msg_buf) is the one exception: it grows its buffer with
 * xrealloc() (src/base/util.h), bounded by the caller's `max`.
 *
 * Tolerance: a passive observer sees whatever the endpoints send, so the
 * frame parser rejects only what makes a frame undecodable or is an
 * unambiguous violation (reserved opcode, 64-bit length with the MSB set,
 * control frame fragmented or longer than 125 bytes).  Non-zero RSV bits
 * (set by extensions such as permessage-deflate, RFC 7692) are reported,
 * not rejected; non-minimal length encodings are accepted.
 */
#ifndef SIPLADDER_DISSECT_WS_H
#define SIPLADDER_DISSECT_WS_H

#include <stddef.h>
#include <stdint.h>

enum ws_rc {
    WS_OK = 0,
    WS_BAD = -1,
    WS_NEED_MORE = -2,
};

/* Opcodes (RFC 6455 §5.2, §11.8).  3-7 and 11-15 are reserved. */
enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* Header blocks longer than this are not treated as a handshake: the
 * detectors answer 0 instead of WS_NEED_MORE once n reaches it without
 * the terminating CRLFCRLF, so a caller never buffers without bound. */
#define WS_HTTP_MAX_HDR 65536

/* Longest frame header: 2 + 8 (64-bit length) + 4 (masking key). */
#define WS_MAX_FRAME_HDR 14

/*
 * Client opening handshake (RFC 6455 §4.1, §4.2.1).
 *
 * Returns 1 when p starts with a complete HTTP/1.1 GET request header
 * block (request line "GET SP target SP HTTP/1.1", header lines, and the
 * empty line: CRLFCRLF inside [p, p + n)) that has an Upgrade header
 * whose comma-separated list contains the protocol "websocket" (name and
 * value matched case-insensitively, an optional "/version" ignored,
 * obs-fold continuation lines honoured).  Several Upgrade headers are all
 * looked at.
 *
 * Returns WS_NEED_MORE (-2) when p is a prefix of "GET " or starts with
 * "GET " but the header block has not ended yet (and n < WS_HTTP_MAX_HDR);
 * when the request line is already complete and is not a GET HTTP/1.1
 * request line, the answer is 0 at once.  Returns 0 otherwise (not a
 * request, a complete request without the upgrade, an empty input).
 */
int ws_is_upgrade_request(const uint8_t *p, size_t n);

/*
 * Length of the HTTP header block at p: the offset just past the first
 * CRLFCRLF (so the caller can skip the handshake and find the first
 * frame), or 0 when there is no CRLFCRLF inside [p, p + n).
 */
size_t ws_upgrade_len(const uint8_t *p, size_t n);

/*
 * Server opening handshake (RFC 6455 §4.2.2 item 5, §4.1 client checks).
 *
 * Returns 1 when p starts with a complete "HTTP/1.1 101" status line
 * (followed by SP and a reason phrase, or directly by CRLF) and header
 * block containing "Upgrade: websocket" (as above); *hdr_len (when not
 * NULL) is then the header block length (ws_upgrade_len()).  Returns
 * WS_NEED_MORE while p is a prefix of "HTTP/1.1 101" or the status line
 * matches and the header block is incomplete, 0 otherwise.  *hdr_len is
 * set to 0 unless the answer is 1.
 */
int ws_is_upgrade_response(const uint8_t *p, size_t n, size_t *hdr_len);

/* Frame header (RFC 6455 §5.2). */
struct ws_frame {
    uint8_t fin;         /* 1 = final fragment */
    uint8_t rsv;         /* RSV1..RSV3 as a 3-bit value (RSV1 = 4) */
    uint8_t opcode;      /* enum ws_opcode */
    uint8_t masked;      /* 1 = a masking key follows (client -> server) */
    uint8_t mask[4];     /* masking key; zero when !masked */
    uint64_t payload_len; /* < 2^63 */
    size_t header_len;   /* 2..14 bytes: where the payload starts */
};

/* 1 for close/ping/pong (and the reserved 0xB-0xF): opcode has the MSB set. */
static inline int ws_is_control(uint8_t opcode)
{
    return (opcode & 0x8) != 0;
}

/*
 * Parse the frame header at p.  Returns WS_OK when the header is complete
 * (all of f is set; the payload is f->payload_len bytes from
 * p + f->header_len and may or may not all be within n: the caller
 * checks), WS_NEED_MORE when the header itself is cut short, WS_BAD on a
 * violation: reserved opcode (3-7, 0xB-0xF), 64-bit length with the most
 * significant bit set, or a control frame that is not FIN or carries more
 * than 125 bytes.  Violations visible in the bytes present are reported
 * even when the header is incomplete.  *f is set on WS_OK and zeroed
 * otherwise.
 */
int ws_frame_parse(const uint8_t *p, size_t n, struct ws_frame *f);

/*
 * Unmask (or mask: XOR is its own inverse) n payload bytes (RFC 6455
 * §5.3).  `offset` is the position of src[0] within the frame payload, so
 * a payload that arrives in pieces can be unmasked piece by piece.  dst
 * may equal src (in place); otherwise the ranges must not overlap.
 */
void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4], uint64_t offset);

/*
 * Message reassembly (RFC 6455 §5.4).  The caller owns the struct,
 * initialises it with ws_msg_init() (or zero + max), feeds it every data
 * frame's unmasked payload with ws_msg_add(), and frees it with
 * ws_msg_free().  The buffer grows with xrealloc() up to `max` bytes.
 *
 *   p, n      the message bytes so far (p may be NULL while n == 0)
 *   cap       allocated size of p
 *   max       largest message accepted (0 = no limit other than SIZE_MAX)
 *   opcode    WS_OP_TEXT or WS_OP_BINARY of the message being built/ready
 *   active    1 while a fragmented message is in progress
 *   frame_got bytes of the current frame added so far (a frame's payload
 *             may be added in several pieces)
 *   dropped   incremented each time an unfinished message was discarded
 *             because a new text/binary frame started (RFC 6455 §5.4
 *             violation, or capture loss); the caller may report it
 */
struct ws_msg_buf {
    uint8_t *p;
    size_t n, cap, max;
    uint8_t opcode;
    int active;
    uint64_t frame_got;
    uint32_t dropped;
};

void ws_msg_init(struct ws_msg_buf *b, size_t max);

/* Forget the current message (keeps the allocation and `max`). */
void ws_msg_reset(struct ws_msg_buf *b);

/* Release the buffer; the struct may be re-initialised afterwards. */
void ws_msg_free(struct ws_msg_buf *b);

/*
 * Add payload bytes of frame f (already unmasked).  Usually n equals
 * f->payload_len; a frame may also be fed in several pieces (same f each
 * time) whose lengths add up to f->payload_len.
 *
 * Returns
 *    1  a complete text/binary message is in b->p / b->n (b->opcode says
 *       which); the caller consumes it and calls ws_msg_reset() (a new
 *       message started without the reset also overwrites it)
 *    0  more is needed (more pieces of this frame, or more fragments);
 *       also for control frames (close/ping/pong), which are never mixed
 *       into the message: the caller handles them by f->opcode and the
 *       message in progress is left untouched
 *   -1  error: the message would exceed b->max, a continuation frame
 *       arrived without a started message, a reserved opcode, or the
 *       pieces exceed f->payload_len.  Nothing of this frame was kept;
 *       the caller reports and calls ws_msg_reset().
 *
 * A text/binary frame arriving while a fragmented message is unfinished
 * discards the unfinished one (b->dropped++) and starts over.
 */
int ws_msg_add(struct ws_msg_buf *b, const struct ws_frame *f, const uint8_t *payload_unmasked, size_t n);

#endif
