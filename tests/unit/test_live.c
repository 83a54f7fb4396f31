/*
 * test_live.c - the pure parts of `sipladder live`: file names built from
 * hostile Call-IDs (src/live.h live_call_filename), the --keep rule
 * parser and matcher, the Q.850 cause in a Reason header, the -w ring's
 * file names, and the frame synthesizer's checksums (src/pcapwrite.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/live.h"
#include "src/pcapwrite.h"
#include "tests/unit/tap.h"

static const int64_t T0 = 1714564800123000000LL; /* 2024-05-01 12:00:00.123 UTC */

/* A name is safe: no '/', no NUL before its end, no control or non-ASCII
 * byte, no "..", does not start with '.' or '-', at most LIVE_NAME_MAX. */
static int name_safe(const char *n)
{
    size_t l = strlen(n);
    if (l == 0 || l > LIVE_NAME_MAX || n[0] == '.' || n[0] == '-')
        return 0;
    if (strstr(n, "..") || strchr(n, '/'))
        return 0;
    for (size_t i = 0; i < l; i++) {
        unsigned char c = (unsigned char)n[i];
        if (c < 0x21 || c >= 0x7f || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' ||
            c == '>' || c == '|')
            return 0;
    }
    return 1;
}

static void names(void)
{
    char a[LIVE_NAME_MAX + 8], b[LIVE_NAME_MAX + 8];
    const char *plain = "abc123@host.example";
    live_call_filename(a, sizeof a, T0, (const uint8_t *)plain, strlen(plain));
    ok(strncmp(a, "20240501-120000.123-", 20) == 0, "name starts with the UTC start time: %s", a);
    ok(strlen(a) > 37 && strcmp(a + strlen(a) - strlen(plain), plain) == 0, "plain Call-ID kept as the short form");
    ok(name_safe(a), "plain name is safe");
    live_call_filename(b, sizeof b, T0, (const uint8_t *)plain, strlen(plain));
    ok(strcmp(a, b) == 0, "deterministic");

    static const struct {
        const char *what;
        const char *cid;
        size_t len;
    } hostile[] = {
        {"../../x", "../../x", 7},
        {"/etc/passwd", "/etc/passwd", 11},
        {"..", "..", 2},
        {".", ".", 1},
        {"...", "...", 3},
        {"NUL inside", "a\0/../b", 7},
        {"control bytes", "\x01\x1b[31m\r\n\t\x7f", 10},
        {"UTF-8 and high bytes", "caf\xc3\xa9\xff\xfe", 7},
        {"backslash, colon, quotes", "a\\b:c\"d<e>f|g*h?", 16},
        {"only slashes", "////////", 8},
        {"leading dash", "-rf", 3},
        {"empty", "", 0},
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        live_call_filename(a, sizeof a, T0, (const uint8_t *)hostile[i].cid, hostile[i].len);
        ok(name_safe(a), "hostile Call-ID (%s): safe name '%s'", hostile[i].what, a);
    }
    /* very long Call-ID: bounded */
    char *big = malloc(100000);
    memset(big, '/', 100000);
    memcpy(big + 50000, "../..", 5);
    live_call_filename(a, sizeof a, T0, (const uint8_t *)big, 100000);
    ok(name_safe(a) && strlen(a) <= LIVE_NAME_MAX, "100000-byte Call-ID: bounded name (%zu bytes)", strlen(a));
    /* short forms collide, hashes do not */
    live_call_filename(a, sizeof a, T0, (const uint8_t *)"a/b", 3);
    live_call_filename(b, sizeof b, T0, (const uint8_t *)"a:b", 3);
    ok(strcmp(a, b) != 0, "Call-IDs with the same short form get different names (%s vs %s)", a, b);
    memset(big, 'x', 100000);
    live_call_filename(a, sizeof a, T0, (const uint8_t *)big, 1000);
    live_call_filename(b, sizeof b, T0, (const uint8_t *)big, 1001);
    ok(strcmp(a, b) != 0, "long Call-IDs differing after the short form get different names");
    free(big);
    /* a small buffer is never overrun and stays terminated */
    char tiny[8];
    memset(tiny, 'Z', sizeof tiny);
    live_call_filename(tiny, sizeof tiny, T0, (const uint8_t *)"x", 1);
    ok(strlen(tiny) == 7, "small buffer: cut and terminated");
    /* negative / zero time */
    live_call_filename(a, sizeof a, -5, (const uint8_t *)"x", 1);
    ok(name_safe(a), "negative time: still a safe name (%s)", a);
}

static struct live_call_info info(uint8_t state, uint16_t code, int cause, int64_t pdd_ms, int64_t dur_s, int answered,
                                  enum live_end end)
{
    struct live_call_info ci;
    memset(&ci, 0, sizeof ci);
    ci.state = state;
    ci.final_code = code;
    ci.q850_cause = cause;
    ci.pdd = pdd_ms < 0 ? -1 : pdd_ms * 1000000LL;
    ci.setup = -1;
    ci.duration = dur_s < 0 ? -1 : dur_s * 1000000000LL;
    ci.answered = (uint8_t)answered;
    ci.is_invite = 1;
    ci.end = end;
    return ci;
}

static int parses(const char *spec)
{
    struct keep_rules k = {0};
    char err[256] = "";
    int rc = keep_parse(&k, spec, err, sizeof err);
    keep_free(&k);
    return rc == 0;
}

static int matches(const char *spec, const struct live_call_info *ci)
{
    struct keep_rules k = {0};
    char err[256];
    if (keep_parse(&k, spec, err, sizeof err) != 0) {
        printf("# parse error: %s\n", err);
        return -1;
    }
    int m = keep_match(&k, ci);
    keep_free(&k);
    return m;
}

static void keep(void)
{
    const char *good[] = {"all", "failed", "answered", "cancelled", "canceled", "incomplete", "one-way",
                          "state=busy", "state=not_finished", "code=486", "code=5xx", "code=4XX", "cause=16",
                          "pdd>3000", "pdd>3s", "pdd>250ms", "duration>3600", "duration<2", "duration<500ms",
                          "failed,code=503", " failed , cause=34 "};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ok(parses(good[i]), "--keep '%s' parses", good[i]);
    const char *badr[] = {"", ",", "fail", "code=48", "code=4861", "code=7xx", "code=x", "cause=", "cause=abc",
                          "cause=300", "pdd>", "pdd>abc", "pdd>-5", "pdd>3h", "duration=5", "state=ended",
                          "all,bogus", "pdd<3000"};
    for (size_t i = 0; i < sizeof badr / sizeof badr[0]; i++)
        ok(!parses(badr[i]), "--keep '%s' is refused", badr[i]);

    struct keep_rules k = {0};
    char err[256];
    keep_parse(&k, "one-way", err, sizeof err);
    ok(k.needs_media, "one-way is flagged as needing media (RTP)");
    keep_free(&k);
    ok(keep_parse(&k, "nope", err, sizeof err) != 0 && strstr(err, "nope") && strstr(err, "failed"),
       "error names the bad rule and lists the good ones: %s", err);
    keep_free(&k);

    struct live_call_info busy = info(CALL_BUSY, 486, 17, 120, -1, 0, LIVE_END_FINAL);
    struct live_call_info ok200 = info(CALL_COMPLETED, 200, 16, 3500, 62, 1, LIVE_END_FINAL);
    struct live_call_info canc = info(CALL_CANCELLED, 487, -1, 200, -1, 0, LIVE_END_FINAL);
    struct live_call_info f503 = info(CALL_FAILED, 503, 34, -1, -1, 0, LIVE_END_FINAL);
    struct live_call_info idle = info(CALL_NOT_FINISHED, 0, -1, -1, -1, 0, LIVE_END_IDLE);
    struct live_call_info stop = info(CALL_NOT_FINISHED, 0, -1, 100, -1, 1, LIVE_END_STOP);
    struct live_call_info shed = info(CALL_NOT_FINISHED, 0, -1, -1, -1, 0, LIVE_END_SHED);

    is_int(matches("all", &ok200), 1, "all: answered call");
    is_int(matches("failed", &busy), 1, "failed: busy");
    is_int(matches("failed", &f503), 1, "failed: 503");
    is_int(matches("failed", &ok200), 0, "failed: not a completed call");
    is_int(matches("failed", &canc), 0, "failed: not a cancelled call");
    is_int(matches("failed", &idle), 1, "failed: an unanswered call that timed out");
    is_int(matches("failed", &stop), 0, "failed: not a call in progress at stop");
    is_int(matches("failed", &shed), 0, "failed: not a shed call");
    is_int(matches("answered", &ok200), 1, "answered: completed");
    is_int(matches("answered", &stop), 1, "answered: in call at stop");
    is_int(matches("answered", &busy), 0, "answered: not busy");
    is_int(matches("cancelled", &canc), 1, "cancelled");
    is_int(matches("incomplete", &idle) && matches("incomplete", &stop) && matches("incomplete", &shed), 1,
           "incomplete: idle, stop and shed");
    is_int(matches("incomplete", &busy), 0, "incomplete: not a finished call");
    is_int(matches("state=busy", &busy), 1, "state=busy");
    is_int(matches("state=busy", &f503), 0, "state=busy: not failed");
    is_int(matches("code=486", &busy), 1, "code=486");
    is_int(matches("code=4xx", &busy), 1, "code=4xx");
    is_int(matches("code=5xx", &busy), 0, "code=5xx: not 486");
    is_int(matches("code=5xx", &f503), 1, "code=5xx: 503");
    is_int(matches("cause=34", &f503), 1, "cause=34");
    is_int(matches("cause=16", &busy), 0, "cause=16: not 17");
    is_int(matches("pdd>3000", &ok200), 1, "pdd>3000: 3.5 s");
    is_int(matches("pdd>3s", &ok200), 1, "pdd>3s: 3.5 s");
    is_int(matches("pdd>3000", &busy), 0, "pdd>3000: not 120 ms");
    is_int(matches("pdd>0", &f503), 0, "pdd>0: no PDD, no match");
    is_int(matches("duration>60", &ok200), 1, "duration>60: 62 s");
    is_int(matches("duration<60", &ok200), 0, "duration<60: not 62 s");
    is_int(matches("duration<60", &busy), 0, "duration<60: an unanswered call has no duration");
    is_int(matches("one-way", &ok200), 0, "one-way: not a call whose media flowed both ways");
    struct live_call_info ow = ok200;
    ow.one_way = 1;
    is_int(matches("one-way", &ow), 1, "one-way: an answered call with one-way media");
    is_int(matches("code=200,failed", &busy), 1, "OR inside one --keep");
    struct keep_rules two = {0};
    keep_parse(&two, "code=503", err, sizeof err);
    keep_parse(&two, "cause=17", err, sizeof err);
    is_int(keep_match(&two, &busy), 1, "repeated --keep: OR (cause=17)");
    is_int(keep_match(&two, &f503), 1, "repeated --keep: OR (code=503)");
    is_int(keep_match(&two, &ok200), 0, "repeated --keep: neither");
    keep_free(&two);
    struct keep_rules none = {0};
    is_int(keep_match(&none, &ok200), 1, "no rule: every call");
}

static void q850(void)
{
    const char *r = "Q.850;cause=16;text=\"Normal call clearing\"";
    is_int(live_q850_cause(r, strlen(r)), 16, "Q.850;cause=16");
    r = "SIP;cause=200;text=\"Call completed elsewhere\", Q.850 ; cause = 26";
    is_int(live_q850_cause(r, strlen(r)), 26, "second value, spaces around ; and =");
    r = "q.850;CAUSE=34";
    is_int(live_q850_cause(r, strlen(r)), 34, "case-insensitive");
    r = "SIP;cause=480";
    is_int(live_q850_cause(r, strlen(r)), -1, "SIP cause only: none");
    r = "Q.850;text=\"a,b;cause=9\";cause=17";
    is_int(live_q850_cause(r, strlen(r)), 17, "comma and cause= inside a quoted text are skipped");
    r = "Q.850;cause=";
    is_int(live_q850_cause(r, strlen(r)), -1, "empty cause");
    is_int(live_q850_cause("", 0), -1, "empty header");
}

static void ring_names(void)
{
    char b[256];
    struct pcapring_opts o = {.path = "cap.pcap"};
    ok(!strcmp(pcapring_name(&o, 0, 0, b, sizeof b), "cap.pcap"), "no rotation: FILE");
    o.size_bytes = 1000000;
    ok(!strcmp(pcapring_name(&o, 0, 0, b, sizeof b), "cap.pcap"), "-C: first file is FILE");
    ok(!strcmp(pcapring_name(&o, 3, 0, b, sizeof b), "cap.pcap3"), "-C: then FILE1, FILE2, ...");
    o.count = 10;
    ok(!strcmp(pcapring_name(&o, 0, 0, b, sizeof b), "cap.pcap0"), "-C -W 10: FILE0");
    ok(!strcmp(pcapring_name(&o, 13, 0, b, sizeof b), "cap.pcap3"), "-C -W 10: wraps (13 -> 3)");
    o.count = 100;
    ok(!strcmp(pcapring_name(&o, 7, 0, b, sizeof b), "cap.pcap07"), "-W 100: zero-padded to 2 digits");
    struct pcapring_opts g = {.path = "cap-%Y.pcap", .secs = 60};
    pcapring_name(&g, 0, T0, b, sizeof b);
    ok(!strcmp(b, "cap-2024.pcap"), "-G: strftime (%s)", b);
}

static void synth(void)
{
    /* RFC 3720 B.4: CRC32c of 32 zero bytes */
    uint8_t z[32] = {0};
    is_int(pcapout_crc32c(z, 32), 0x8a9136aa, "CRC32c of 32 zero bytes");
    uint8_t f[256];
    struct endpoint a = {4, {192, 0, 2, 1}, 5060}, b = {4, {192, 0, 2, 2}, 5080};
    const char *msg = "OPTIONS sip:x SIP/2.0\r\n\r\n";
    size_t n = pcapout_synth(f, sizeof f, 1, &a, &b, TP_TCP, 1000, 2000, (const uint8_t *)msg, strlen(msg));
    is_int(n, 14 + 20 + 20 + strlen(msg), "TCP over Ethernet/IPv4: length");
    /* IPv4 header checksum verifies to 0 */
    uint32_t acc = 0;
    for (int i = 0; i < 20; i += 2)
        acc += (uint32_t)f[14 + i] << 8 | f[14 + i + 1];
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    is_int(acc, 0xffff, "IPv4 header checksum");
    is_int(f[14 + 20 + 13], 0x18, "PSH|ACK");
    is_int((f[14 + 20 + 4] << 24 | f[14 + 20 + 5] << 16 | f[14 + 20 + 6] << 8 | f[14 + 20 + 7]), 1000, "seq");
    struct endpoint a6 = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 5060}, b6 = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 2}, 5060};
    n = pcapout_synth(f, sizeof f, 1, &a6, &b6, TP_UDP, 0, 0, (const uint8_t *)msg, strlen(msg));
    is_int(n, 14 + 40 + 8 + strlen(msg), "UDP over IPv6: length");
    is_int(pcapout_synth(f, sizeof f, 1, &a, &b6, TP_UDP, 0, 0, (const uint8_t *)msg, strlen(msg)), 0,
           "mixed families: refused");
    is_int(pcapout_synth(f, 40, 1, &a, &b, TP_UDP, 0, 0, (const uint8_t *)msg, strlen(msg)), 0, "too small a buffer");
}

int main(void)
{
    names();
    keep();
    q850();
    ring_names();
    synth();
    return tap_done();
}
