/*
 * test_sctp.c - SCTP common header, chunk walking and DATA / I-DATA
 * decoding (dissect/sctp.c; RFC 9260 §3, RFC 8260 §2.1, RFC 4168).
 *
 * Fixtures are built here: a packet bundling several DATA chunks (each a
 * SIP message, lengths not multiples of 4, so padded) with a SACK chunk,
 * a fragmented message in B/E DATA chunks, I-DATA fragments, and
 * malformed lengths.  Every fixture is also walked at every prefix and
 * with every single-byte mutation, each copy in a malloc'd buffer of
 * exactly its size.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/sctp.h"
#include "src/base/util.h"
#include "tests/unit/tap.h"

static const char SIP1[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/SCTP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n"
    "From: <sip:alice@example.com>;tag=9fxced76sl\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: 3848276298220188511@192.0.2.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";
static const char SIP2[] =
    "SIP/2.0 100 Trying\r\n"
    "Via: SIP/2.0/SCTP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n"
    "From: <sip:alice@example.com>;tag=9fxced76sl\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: 3848276298220188511@192.0.2.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";
static const char SIP3[] = "OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n!"; /* odd length */

/* ---- a byte builder ------------------------------------------------- */

struct bb {
    uint8_t b[2048];
    size_t n;
};

static void put(struct bb *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put8(struct bb *b, unsigned v)
{
    b->b[b->n++] = (uint8_t)v;
}

static void put16(struct bb *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v);
}

static void put32(struct bb *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}

static void pad4(struct bb *b)
{
    while (b->n & 3)
        put8(b, 0);
}

static void common(struct bb *b, unsigned sport, unsigned dport)
{
    b->n = 0;
    put16(b, sport);
    put16(b, dport);
    put32(b, 0xdeadbeef);
    put32(b, 0x12345678); /* checksum: not verified */
}

static void data(struct bb *b, unsigned flags, uint32_t tsn, unsigned sid, unsigned ssn, uint32_t ppid,
                 const void *user, size_t n)
{
    put8(b, SCTP_CHUNK_DATA);
    put8(b, flags);
    put16(b, (unsigned)(16 + n));
    put32(b, tsn);
    put16(b, sid);
    put16(b, ssn);
    put32(b, ppid);
    put(b, user, n);
    pad4(b);
}

static void idata(struct bb *b, unsigned flags, uint32_t tsn, unsigned sid, uint32_t mid, uint32_t ppid_fsn,
                  const void *user, size_t n)
{
    put8(b, SCTP_CHUNK_I_DATA);
    put8(b, flags);
    put16(b, (unsigned)(20 + n));
    put32(b, tsn);
    put16(b, sid);
    put16(b, 0);
    put32(b, mid);
    put32(b, ppid_fsn);
    put(b, user, n);
    pad4(b);
}

static void sack(struct bb *b, uint32_t cum)
{
    put8(b, SCTP_CHUNK_SACK);
    put8(b, 0);
    put16(b, 16 + 4); /* one gap block */
    put32(b, cum);
    put32(b, 65536);  /* a_rwnd */
    put16(b, 1);      /* gap blocks */
    put16(b, 0);      /* duplicate TSNs */
    put16(b, 2);
    put16(b, 3);
}

/* ---- robustness ----------------------------------------------------- */

static int viol;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            if (!viol)                                                                             \
                printf("# invariant failed: %s (line %d)\n", #c, __LINE__);                       \
            viol++;                                                                                \
        }                                                                                          \
    } while (0)

static void check(const uint8_t *p, size_t n)
{
    struct sctp_hdr h;
    int rc = sctp_parse_header(p, n, &h);
    CHECK(rc == 0 || rc == -1);
    CHECK(rc == 0 || n < SCTP_HDR_LEN);
    struct rd r = sctp_chunks(p, n);
    struct sctp_chunk c;
    const uint8_t *prev = NULL;
    for (int k = 0; k < 1000; k++) {
        rc = sctp_next_chunk(&r, &c);
        CHECK(rc == 1 || rc == 0 || rc == -1);
        if (rc != 1) {
            CHECK(sctp_next_chunk(&r, &c) == rc); /* sticky */
            break;
        }
        CHECK(c.length >= 4 && c.value_len == (size_t)c.length - 4);
        CHECK(c.value >= p + SCTP_HDR_LEN + 4 && c.value_len <= n && (size_t)(c.value - p) <= n - c.value_len);
        CHECK(!prev || c.value > prev);
        prev = c.value;
        struct sctp_data d;
        int dr = sctp_parse_data(&c, &d);
        CHECK(dr == 1 || dr == 0 || dr == -1);
        CHECK((dr == 0) == (c.type != SCTP_CHUNK_DATA && c.type != SCTP_CHUNK_I_DATA));
        if (dr == 1) {
            CHECK(d.user_len > 0 && d.user >= c.value && (size_t)(d.user - c.value) + d.user_len == c.value_len);
            CHECK(d.user - c.value == (d.idata ? 16 : 12));
            volatile uint8_t sink = 0;
            for (size_t i = 0; i < d.user_len; i++)
                sink ^= d.user[i];
            (void)sink;
        } else {
            CHECK(d.user == NULL && d.user_len == 0);
        }
    }
}

static void robust(const char *name, const uint8_t *fx, size_t n)
{
    viol = 0;
    for (size_t i = 0; i <= n; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, fx, i);
        check(p, i);
        free(p);
    }
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        memcpy(p, fx, n);
        for (unsigned v = 0; v < 256; v++) {
            p[i] = (uint8_t)v;
            check(p, n);
        }
    }
    free(p);
    ok(viol == 0, "%s: every prefix and single-byte mutation (%zu bytes)", name, n);
}

static struct slice sl(const uint8_t *p, size_t n)
{
    return (struct slice){p, n};
}

/* ---- tests ---------------------------------------------------------- */

static void test_bundle(void)
{
    struct bb b;
    struct sctp_hdr h;
    struct sctp_chunk c;
    struct sctp_data d;

    common(&b, 5060, 5061);
    data(&b, SCTP_DATA_B | SCTP_DATA_E, 100, 0, 7, 0, SIP1, sizeof SIP1 - 1);
    sack(&b, 4242);
    data(&b, SCTP_DATA_B | SCTP_DATA_E | SCTP_DATA_U, 101, 3, 0, 0, SIP2, sizeof SIP2 - 1);
    data(&b, SCTP_DATA_B | SCTP_DATA_E | SCTP_DATA_I, 102, 1, 8, 0x01020304, SIP3, sizeof SIP3 - 1);
    ok((sizeof SIP3 - 1) % 4 != 0, "fixture: last message needs padding");

    is_int(sctp_parse_header(b.b, b.n, &h), 0, "hdr: parsed");
    ok(h.sport == 5060 && h.dport == 5061 && h.vtag == 0xdeadbeef && h.checksum == 0x12345678, "hdr: fields");

    struct rd r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), 1, "chunk 1");
    ok(c.type == SCTP_CHUNK_DATA && c.length == 16 + sizeof SIP1 - 1, "chunk 1: DATA, length without padding");
    is_int(sctp_parse_data(&c, &d), 1, "chunk 1: DATA decoded");
    ok(d.tsn == 100 && d.sid == 0 && d.ssn == 7 && d.ppid == 0, "chunk 1: tsn, sid, ssn, ppid");
    ok(d.begin && d.end && !d.unordered && !d.immediate && !d.idata, "chunk 1: B E, ordered");
    is_str(sl(d.user, d.user_len), SIP1, "chunk 1: the INVITE");

    is_int(sctp_next_chunk(&r, &c), 1, "chunk 2");
    ok(c.type == SCTP_CHUNK_SACK && c.value_len == 16, "chunk 2: SACK after the padding");
    is_int(sctp_parse_data(&c, &d), 0, "chunk 2: SACK is not DATA");

    is_int(sctp_next_chunk(&r, &c), 1, "chunk 3");
    is_int(sctp_parse_data(&c, &d), 1, "chunk 3: DATA decoded");
    ok(d.tsn == 101 && d.sid == 3 && d.unordered, "chunk 3: stream 3, unordered");
    is_str(sl(d.user, d.user_len), SIP2, "chunk 3: the 100 Trying");

    is_int(sctp_next_chunk(&r, &c), 1, "chunk 4");
    is_int(sctp_parse_data(&c, &d), 1, "chunk 4: DATA decoded");
    ok(d.immediate && d.ppid == 0x01020304 && d.ssn == 8, "chunk 4: I bit, ppid, ssn");
    is_str(sl(d.user, d.user_len), SIP3, "chunk 4: odd-length message, padding not included");

    is_int(sctp_next_chunk(&r, &c), 0, "end after the padded last chunk");
    is_int(sctp_next_chunk(&r, &c), 0, "end stays end");
    robust("bundle: 3 DATA + SACK", b.b, b.n);

    /* the last chunk's padding missing at the very end: tolerated */
    size_t unpadded = b.n - ((4 - (sizeof SIP3 - 1) % 4) % 4);
    r = sctp_chunks(b.b, unpadded);
    int n = 0, rc;
    while ((rc = sctp_next_chunk(&r, &c)) == 1)
        n++;
    ok(n == 4 && rc == 0, "unpadded last chunk tolerated");

    /* a fragmented user message: B, middle, E */
    common(&b, 5060, 5060);
    size_t l = sizeof SIP1 - 1, a = 50, m = 60;
    data(&b, SCTP_DATA_B, 7, 2, 9, 0, SIP1, a);
    data(&b, 0, 8, 2, 9, 0, SIP1 + a, m);
    data(&b, SCTP_DATA_E, 9, 2, 9, 0, SIP1 + a + m, l - a - m);
    r = sctp_chunks(b.b, b.n);
    char joined[512];
    size_t jn = 0;
    int flags_ok = 1, k = 0;
    while (sctp_next_chunk(&r, &c) == 1 && sctp_parse_data(&c, &d) == 1) {
        flags_ok &= d.begin == (k == 0) && d.end == (k == 2) && d.ssn == 9 && d.tsn == (uint32_t)(7 + k);
        memcpy(joined + jn, d.user, d.user_len);
        jn += d.user_len;
        k++;
    }
    ok(k == 3 && flags_ok, "fragments: B / middle / E, same ssn, consecutive TSNs");
    is_str(sl((const uint8_t *)joined, jn), SIP1, "fragments: joined give the INVITE");
    robust("fragmented DATA", b.b, b.n);
}

static void test_idata(void)
{
    struct bb b;
    struct sctp_chunk c;
    struct sctp_data d;

    common(&b, 5060, 5060);
    idata(&b, SCTP_DATA_B, 500, 4, 77, 0x0000002e, SIP2, 40);
    idata(&b, SCTP_DATA_E | SCTP_DATA_U, 501, 4, 77, 1, SIP2 + 40, sizeof SIP2 - 1 - 40);
    struct rd r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), 1, "i-data 1");
    is_int(c.type, SCTP_CHUNK_I_DATA, "i-data 1: type 64");
    is_int(sctp_parse_data(&c, &d), 1, "i-data 1: decoded");
    ok(d.idata && d.tsn == 500 && d.sid == 4 && d.mid == 77, "i-data 1: tsn, sid, mid");
    ok(d.begin && !d.end && d.ppid == 0x2e && d.fsn == 0, "i-data 1: B carries the PPID, fsn 0");
    is_int(d.user_len, 40, "i-data 1: user data");
    is_int(sctp_next_chunk(&r, &c), 1, "i-data 2");
    is_int(sctp_parse_data(&c, &d), 1, "i-data 2: decoded");
    ok(!d.begin && d.end && d.unordered && d.fsn == 1 && d.ppid == 0, "i-data 2: E, U, fsn 1, no PPID");
    is_str(sl(d.user, d.user_len), SIP2 + 40, "i-data 2: rest of the message");
    is_int(sctp_next_chunk(&r, &c), 0, "i-data: end");
    robust("I-DATA fragments", b.b, b.n);
}

static void test_malformed(void)
{
    struct bb b;
    struct sctp_hdr h;
    struct sctp_chunk c;
    struct sctp_data d;
    struct rd r;

    common(&b, 1, 2);
    is_int(sctp_parse_header(b.b, 11, &h), -1, "hdr: 11 bytes");
    is_int(sctp_parse_header(NULL, 0, &h), -1, "hdr: nothing");
    r = sctp_chunks(b.b, 11);
    is_int(sctp_next_chunk(&r, &c), -1, "chunks of a short packet: malformed");
    common(&b, 1, 2);
    r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), 0, "header only: no chunks");

    /* length < 4 */
    common(&b, 1, 2);
    put8(&b, SCTP_CHUNK_SACK);
    put8(&b, 0);
    put16(&b, 3);
    put32(&b, 0);
    r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), -1, "chunk length 3");
    is_int(sctp_next_chunk(&r, &c), -1, "malformed is sticky");
    robust("chunk length 3", b.b, b.n);

    /* length past the end */
    common(&b, 1, 2);
    data(&b, 3, 1, 0, 0, 0, SIP3, sizeof SIP3 - 1);
    put8(&b, SCTP_CHUNK_DATA);
    put8(&b, 3);
    put16(&b, 400);
    put32(&b, 2);
    put32(&b, 0);
    put32(&b, 0);
    put(&b, "INVITE", 6);
    r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), 1, "good chunk before the liar");
    is_int(sctp_next_chunk(&r, &c), -1, "chunk length past the end");
    robust("chunk length past the end", b.b, b.n);

    /* 1-3 stray bytes after the last chunk */
    common(&b, 1, 2);
    data(&b, 3, 1, 0, 0, 0, "abcd", 4);
    put16(&b, 0);
    r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), 1, "chunk before stray bytes");
    is_int(sctp_next_chunk(&r, &c), -1, "2 stray bytes: malformed");

    /* DATA without user data, and too short for its fields */
    common(&b, 1, 2);
    data(&b, 3, 1, 0, 0, 0, "", 0);
    r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), 1, "empty DATA chunk walks");
    is_int(sctp_parse_data(&c, &d), -1, "DATA with no user data: malformed");
    ok(d.user == NULL && d.user_len == 0 && d.tsn == 0, "malformed DATA: *d zeroed");
    common(&b, 1, 2);
    put8(&b, SCTP_CHUNK_DATA);
    put8(&b, 3);
    put16(&b, 10);
    put32(&b, 5);
    put16(&b, 1);
    put16(&b, 0);
    r = sctp_chunks(b.b, b.n);
    is_int(sctp_next_chunk(&r, &c), 1, "short DATA chunk walks");
    is_int(sctp_parse_data(&c, &d), -1, "DATA shorter than 16 bytes: malformed");
    robust("short DATA", b.b, b.n);
    common(&b, 1, 2);
    idata(&b, 3, 1, 0, 0, 0, "", 0);
    r = sctp_chunks(b.b, b.n);
    sctp_next_chunk(&r, &c);
    is_int(sctp_parse_data(&c, &d), -1, "I-DATA with no user data: malformed");
    c.value_len = 15;
    is_int(sctp_parse_data(&c, &d), -1, "I-DATA shorter than its 16 bytes of fields");
    struct sctp_chunk z = {0};
    is_int(sctp_parse_data(&z, &d), -1, "zeroed DATA chunk (no value): malformed");
}

/* Regressions found by fuzzing go here. */
static void test_regressions(void)
{
}

int main(void)
{
    test_bundle();
    test_idata();
    test_malformed();
    test_regressions();
    return tap_done();
}
