/*
 * sip.c - zero-copy SIP message parser (see sip.h for the contract).
 *
 * Implements the message framing of RFC 3261 §7: the start line (§7.1
 * Request-Line, §7.2 Status-Line; methods are case-sensitive, the
 * SIP-Version is matched case-insensitively), header fields (§7.3 with
 * folded continuation lines per §7.3.1 and the compact forms of §7.3.3 /
 * the IANA "Header Fields" registry), the empty line and the body framed
 * by Content-Length (§7.4, §18.3, §20.14).  CRLFs before the start line
 * of a stream message are ignored as §7.5 requires (and RFC 5626 CRLF
 * keep-alives produce); any other leading bytes, and any leading bytes
 * in a datagram, are noted as SIP_ANOM_LEADING_JUNK.  Reason phrases
 * follow §21 plus later RFCs (3903, 4028, 4412, 5360, 5393, 5626, 6086,
 * 6228, 6442, 8197, 8599, 8688).
 *
 * The parser is a single forward pass: memchr() finds each line end, a
 * 256-entry class table validates tokens, and header names are matched
 * by length bucket.  It never allocates, never writes outside the
 * caller's struct sip_msg and header array, and never reads outside
 * [p, p + n).  Malformed input becomes anomalies, not failures.
 */
#include "dissect/sip.h"

#include <string.h>

#include "dissect/sip_chars.h"
#include "dissect/sip_hdr.h"


static int eq_ci(const uint8_t *a, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower((uint8_t)lit[i]))
            return 0;
    return 1;
}

static struct sip_span span(size_t a, size_t b)
{
    return (struct sip_span){(uint32_t)a, (uint32_t)(b - a)};
}

/* ---------------------------------------------------------------------
 * Name tables
 * ------------------------------------------------------------------- */

static const char *const method_names[SIP_M__COUNT] = {
    [SIP_M_OTHER] = "",          [SIP_M_INVITE] = "INVITE",   [SIP_M_ACK] = "ACK",
    [SIP_M_BYE] = "BYE",         [SIP_M_CANCEL] = "CANCEL",   [SIP_M_REGISTER] = "REGISTER",
    [SIP_M_OPTIONS] = "OPTIONS", [SIP_M_PRACK] = "PRACK",     [SIP_M_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_M_NOTIFY] = "NOTIFY",   [SIP_M_PUBLISH] = "PUBLISH", [SIP_M_INFO] = "INFO",
    [SIP_M_REFER] = "REFER",     [SIP_M_MESSAGE] = "MESSAGE", [SIP_M_UPDATE] = "UPDATE",
};

const char *sip_method_name(enum sip_method m)
{
    if ((unsigned)m >= SIP_M__COUNT)
        return "";
    return method_names[m];
}

/* RFC 3261 §7.1: the method is case-sensitive. */
enum sip_method sip_method_from(struct slice tok)
{
    static const uint8_t by_mlen[10][5] = {
        [3] = {SIP_M_ACK, SIP_M_BYE},
        [4] = {SIP_M_INFO},
        [5] = {SIP_M_PRACK, SIP_M_REFER},
        [6] = {SIP_M_INVITE, SIP_M_CANCEL, SIP_M_NOTIFY, SIP_M_UPDATE},
        [7] = {SIP_M_OPTIONS, SIP_M_PUBLISH, SIP_M_MESSAGE},
        [8] = {SIP_M_REGISTER},
        [9] = {SIP_M_SUBSCRIBE},
    };
    if (!tok.p || tok.n < 3 || tok.n > 9)
        return SIP_M_OTHER;
    const uint8_t *ids = by_mlen[tok.n];
    for (int k = 0; k < 5 && ids[k]; k++)
        if (method_names[ids[k]][0] == (char)tok.p[0] && memcmp(method_names[ids[k]], tok.p, tok.n) == 0)
            return (enum sip_method)ids[k];
    return SIP_M_OTHER;
}

static const char *const hdr_names[SIP_H__COUNT] = {
    [SIP_H_OTHER] = "",
    [SIP_H_CALL_ID] = "Call-ID",
    [SIP_H_FROM] = "From",
    [SIP_H_TO] = "To",
    [SIP_H_CSEQ] = "CSeq",
    [SIP_H_VIA] = "Via",
    [SIP_H_CONTACT] = "Contact",
    [SIP_H_CONTENT_LENGTH] = "Content-Length",
    [SIP_H_CONTENT_TYPE] = "Content-Type",
    [SIP_H_CONTENT_ENCODING] = "Content-Encoding",
    [SIP_H_ROUTE] = "Route",
    [SIP_H_RECORD_ROUTE] = "Record-Route",
    [SIP_H_MAX_FORWARDS] = "Max-Forwards",
    [SIP_H_REASON] = "Reason",
    [SIP_H_USER_AGENT] = "User-Agent",
    [SIP_H_SERVER] = "Server",
    [SIP_H_SUBJECT] = "Subject",
    [SIP_H_SUPPORTED] = "Supported",
    [SIP_H_REQUIRE] = "Require",
    [SIP_H_EVENT] = "Event",
    [SIP_H_ALLOW_EVENTS] = "Allow-Events",
    [SIP_H_REFER_TO] = "Refer-To",
    [SIP_H_REFERRED_BY] = "Referred-By",
    [SIP_H_SESSION_EXPIRES] = "Session-Expires",
    [SIP_H_IDENTITY] = "Identity",
    [SIP_H_IDENTITY_INFO] = "Identity-Info",
    [SIP_H_ACCEPT_CONTACT] = "Accept-Contact",
    [SIP_H_REJECT_CONTACT] = "Reject-Contact",
    [SIP_H_REQUEST_DISPOSITION] = "Request-Disposition",
    [SIP_H_RSEQ] = "RSeq",
    [SIP_H_RACK] = "RAck",
    [SIP_H_REPLACES] = "Replaces",
    [SIP_H_WWW_AUTHENTICATE] = "WWW-Authenticate",
    [SIP_H_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
    [SIP_H_AUTHORIZATION] = "Authorization",
    [SIP_H_PROXY_AUTHORIZATION] = "Proxy-Authorization",
    [SIP_H_EXPIRES] = "Expires",
    [SIP_H_ALLOW] = "Allow",
    [SIP_H_P_ASSERTED_IDENTITY] = "P-Asserted-Identity",
    [SIP_H_DIVERSION] = "Diversion",
};

const char *sip_hdr_name(enum sip_hdr_id id)
{
    if ((unsigned)id >= SIP_H__COUNT)
        return "";
    return hdr_names[id];
}

/* Compact forms, RFC 3261 §7.3.3 and the IANA registry. */
static const uint8_t compact_ids[26] = {
    ['a' - 'a'] = SIP_H_ACCEPT_CONTACT,
    ['b' - 'a'] = SIP_H_REFERRED_BY,
    ['c' - 'a'] = SIP_H_CONTENT_TYPE,
    ['d' - 'a'] = SIP_H_REQUEST_DISPOSITION,
    ['e' - 'a'] = SIP_H_CONTENT_ENCODING,
    ['f' - 'a'] = SIP_H_FROM,
    ['i' - 'a'] = SIP_H_CALL_ID,
    ['j' - 'a'] = SIP_H_REJECT_CONTACT,
    ['k' - 'a'] = SIP_H_SUPPORTED,
    ['l' - 'a'] = SIP_H_CONTENT_LENGTH,
    ['m' - 'a'] = SIP_H_CONTACT,
    ['n' - 'a'] = SIP_H_IDENTITY_INFO,
    ['o' - 'a'] = SIP_H_EVENT,
    ['r' - 'a'] = SIP_H_REFER_TO,
    ['s' - 'a'] = SIP_H_SUBJECT,
    ['t' - 'a'] = SIP_H_TO,
    ['u' - 'a'] = SIP_H_ALLOW_EVENTS,
    ['v' - 'a'] = SIP_H_VIA,
    ['x' - 'a'] = SIP_H_SESSION_EXPIRES,
    ['y' - 'a'] = SIP_H_IDENTITY,
};

/* Long names bucketed by length (longest is 19); 0-terminated lists. */
#define MAX_HDR_NAME 19
static const uint8_t by_len[MAX_HDR_NAME + 1][6] = {
    [2] = {SIP_H_TO},
    [3] = {SIP_H_VIA},
    [4] = {SIP_H_FROM, SIP_H_CSEQ, SIP_H_RSEQ, SIP_H_RACK},
    [5] = {SIP_H_ROUTE, SIP_H_EVENT, SIP_H_ALLOW},
    [6] = {SIP_H_REASON, SIP_H_SERVER},
    [7] = {SIP_H_CALL_ID, SIP_H_CONTACT, SIP_H_REQUIRE, SIP_H_SUBJECT, SIP_H_EXPIRES},
    [8] = {SIP_H_REFER_TO, SIP_H_IDENTITY, SIP_H_REPLACES},
    [9] = {SIP_H_SUPPORTED, SIP_H_DIVERSION},
    [10] = {SIP_H_USER_AGENT},
    [11] = {SIP_H_REFERRED_BY},
    [12] = {SIP_H_CONTENT_TYPE, SIP_H_RECORD_ROUTE, SIP_H_MAX_FORWARDS, SIP_H_ALLOW_EVENTS},
    [13] = {SIP_H_IDENTITY_INFO, SIP_H_AUTHORIZATION},
    [14] = {SIP_H_CONTENT_LENGTH, SIP_H_ACCEPT_CONTACT, SIP_H_REJECT_CONTACT},
    [15] = {SIP_H_SESSION_EXPIRES},
    [16] = {SIP_H_CONTENT_ENCODING, SIP_H_WWW_AUTHENTICATE},
    [18] = {SIP_H_PROXY_AUTHENTICATE},
    [19] = {SIP_H_REQUEST_DISPOSITION, SIP_H_PROXY_AUTHORIZATION, SIP_H_P_ASSERTED_IDENTITY},
};

/* Lower-case long names for sip_hdr_lookup(). */
static const char hdr_lc[SIP_H__COUNT][MAX_HDR_NAME + 1] = {
    [SIP_H_CALL_ID] = "call-id",
    [SIP_H_FROM] = "from",
    [SIP_H_TO] = "to",
    [SIP_H_CSEQ] = "cseq",
    [SIP_H_VIA] = "via",
    [SIP_H_CONTACT] = "contact",
    [SIP_H_CONTENT_LENGTH] = "content-length",
    [SIP_H_CONTENT_TYPE] = "content-type",
    [SIP_H_CONTENT_ENCODING] = "content-encoding",
    [SIP_H_ROUTE] = "route",
    [SIP_H_RECORD_ROUTE] = "record-route",
    [SIP_H_MAX_FORWARDS] = "max-forwards",
    [SIP_H_REASON] = "reason",
    [SIP_H_USER_AGENT] = "user-agent",
    [SIP_H_SERVER] = "server",
    [SIP_H_SUBJECT] = "subject",
    [SIP_H_SUPPORTED] = "supported",
    [SIP_H_REQUIRE] = "require",
    [SIP_H_EVENT] = "event",
    [SIP_H_ALLOW_EVENTS] = "allow-events",
    [SIP_H_REFER_TO] = "refer-to",
    [SIP_H_REFERRED_BY] = "referred-by",
    [SIP_H_SESSION_EXPIRES] = "session-expires",
    [SIP_H_IDENTITY] = "identity",
    [SIP_H_IDENTITY_INFO] = "identity-info",
    [SIP_H_ACCEPT_CONTACT] = "accept-contact",
    [SIP_H_REJECT_CONTACT] = "reject-contact",
    [SIP_H_REQUEST_DISPOSITION] = "request-disposition",
    [SIP_H_RSEQ] = "rseq",
    [SIP_H_RACK] = "rack",
    [SIP_H_REPLACES] = "replaces",
    [SIP_H_WWW_AUTHENTICATE] = "www-authenticate",
    [SIP_H_PROXY_AUTHENTICATE] = "proxy-authenticate",
    [SIP_H_AUTHORIZATION] = "authorization",
    [SIP_H_PROXY_AUTHORIZATION] = "proxy-authorization",
    [SIP_H_EXPIRES] = "expires",
    [SIP_H_ALLOW] = "allow",
    [SIP_H_P_ASSERTED_IDENTITY] = "p-asserted-identity",
    [SIP_H_DIVERSION] = "diversion",
};

enum sip_hdr_id sip_hdr_lookup(struct slice name)
{
    size_t n = name.n;
    if (!name.p || n == 0 || n > MAX_HDR_NAME)
        return SIP_H_OTHER;
    const uint8_t *p = name.p;
    char c0 = (char)ascii_lower(p[0]);
    if (n == 1)
        return (c0 >= 'a' && c0 <= 'z') ? (enum sip_hdr_id)compact_ids[c0 - 'a'] : SIP_H_OTHER;
    char cl = (char)ascii_lower(p[n - 1]);
    const uint8_t *ids = by_len[n];
    for (int k = 0; k < 6 && ids[k]; k++) {
        const char *s = hdr_lc[ids[k]];
        if (s[0] != c0 || s[n - 1] != cl)
            continue;
        size_t i = 1;
        while (i < n - 1 && (char)ascii_lower(p[i]) == s[i])
            i++;
        if (i >= n - 1)
            return (enum sip_hdr_id)ids[k];
    }
    return SIP_H_OTHER;
}

static const struct {
    const char *name, *text;
} anom_tab[SIP_ANOM__COUNT] = {
    [SIP_ANOM_NONE] = {"none", "No anomaly."},
    [SIP_ANOM_LEADING_JUNK] = {"leading-junk", "Bytes (NUL, CRLF or garbage) precede the start line."},
    [SIP_ANOM_BAD_START_LINE] = {"bad-start-line",
                                 "The start line is not \"METHOD URI SIP/2.0\" or \"SIP/2.0 code reason\"."},
    [SIP_ANOM_BAD_VERSION] = {"bad-version", "The protocol version is not SIP/2.0."},
    [SIP_ANOM_BAD_STATUS] = {"bad-status", "The status code is not three digits in 100..699."},
    [SIP_ANOM_HDR_NO_COLON] = {"hdr-no-colon", "A header line has no ':' separator."},
    [SIP_ANOM_HDR_BAD_NAME] = {"hdr-bad-name", "A header name is empty or contains non-token bytes."},
    [SIP_ANOM_HDR_SPACE_BEFORE_COLON] = {"hdr-space-before-colon",
                                         "Whitespace between a header name and its ':' (tolerated)."},
    [SIP_ANOM_BARE_LF] = {"bare-lf", "A line ends with LF alone instead of CRLF."},
    [SIP_ANOM_NUL_IN_HEADER] = {"nul-in-header", "A NUL byte appears in the start line or header block."},
    [SIP_ANOM_NO_HEADER_END] = {"no-header-end",
                                "The header block is not terminated by an empty line."},
    [SIP_ANOM_TOO_MANY_HEADERS] = {"too-many-headers",
                                   "More header lines than the parser's array; the rest are not indexed."},
    [SIP_ANOM_HDR_TOO_LONG] = {"hdr-too-long", "A header line is longer than the configured limit."},
    [SIP_ANOM_MISSING_CALL_ID] = {"missing-call-id", "The mandatory Call-ID header is missing."},
    [SIP_ANOM_MISSING_FROM] = {"missing-from", "The mandatory From header is missing."},
    [SIP_ANOM_MISSING_TO] = {"missing-to", "The mandatory To header is missing."},
    [SIP_ANOM_MISSING_CSEQ] = {"missing-cseq", "The mandatory CSeq header is missing."},
    [SIP_ANOM_MISSING_VIA] = {"missing-via", "The mandatory Via header is missing."},
    [SIP_ANOM_DUP_CALL_ID] = {"dup-call-id", "Call-ID appears twice with different values."},
    [SIP_ANOM_DUP_FROM] = {"dup-from", "From appears twice with different values."},
    [SIP_ANOM_DUP_TO] = {"dup-to", "To appears twice with different values."},
    [SIP_ANOM_DUP_CSEQ] = {"dup-cseq", "CSeq appears twice with different values."},
    [SIP_ANOM_BAD_CSEQ] = {"bad-cseq", "CSeq is not \"number method\"."},
    [SIP_ANOM_CSEQ_METHOD_MISMATCH] = {"cseq-method-mismatch",
                                       "The CSeq method differs from the request method."},
    [SIP_ANOM_BAD_CONTENT_LENGTH] = {"bad-content-length",
                                     "Content-Length is not a number, is negative, overflows, "
                                     "or is repeated with a different value."},
    [SIP_ANOM_CONTENT_LENGTH_MISMATCH] = {"content-length-mismatch",
                                          "Content-Length exceeds the body bytes present (truncated body)."},
    [SIP_ANOM_TRAILING_BYTES] = {"trailing-bytes",
                                 "Bytes follow the body announced by Content-Length in the datagram."},
    [SIP_ANOM_BAD_FROM] = {"bad-from", "The From header is not a valid name-addr or addr-spec."},
    [SIP_ANOM_BAD_TO] = {"bad-to", "The To header is not a valid name-addr or addr-spec."},
    [SIP_ANOM_BAD_VIA] = {"bad-via", "The top Via header value cannot be parsed."},
    [SIP_ANOM_TRUNCATED] = {"truncated", "The capture snap length cut the datagram short."},
    [SIP_ANOM_BARE_CR] = {"bare-cr", "The start line ends with a CR that is not followed by LF."},
    [SIP_ANOM_STREAM_GAP] = {"stream-gap", "Bytes of this message were lost in a gap of the TCP stream or at its end."},
};

const char *sip_anom_name(enum sip_anom a)
{
    if ((unsigned)a >= SIP_ANOM__COUNT)
        return "unknown";
    return anom_tab[a].name;
}

const char *sip_anom_text(enum sip_anom a)
{
    if ((unsigned)a >= SIP_ANOM__COUNT)
        return "Unknown anomaly.";
    return anom_tab[a].text;
}

static const struct {
    uint16_t code;
    const char *text;
} reasons[] = {
    {100, "Trying"},
    {180, "Ringing"},
    {181, "Call Is Being Forwarded"},
    {182, "Queued"},
    {183, "Session Progress"},
    {199, "Early Dialog Terminated"},
    {200, "OK"},
    {202, "Accepted"},
    {204, "No Notification"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {305, "Use Proxy"},
    {380, "Alternative Service"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {410, "Gone"},
    {412, "Conditional Request Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Unsupported URI Scheme"},
    {417, "Unknown Resource-Priority"},
    {420, "Bad Extension"},
    {421, "Extension Required"},
    {422, "Session Interval Too Small"},
    {423, "Interval Too Brief"},
    {424, "Bad Location Information"},
    {428, "Use Identity Header"},
    {429, "Provide Referrer Identity"},
    {430, "Flow Failed"},
    {433, "Anonymity Disallowed"},
    {436, "Bad Identity-Info"},
    {437, "Unsupported Certificate"},
    {438, "Invalid Identity Header"},
    {439, "First Hop Lacks Outbound Support"},
    {440, "Max-Breadth Exceeded"},
    {469, "Bad Info Package"},
    {470, "Consent Needed"},
    {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"},
    {482, "Loop Detected"},
    {483, "Too Many Hops"},
    {484, "Address Incomplete"},
    {485, "Ambiguous"},
    {486, "Busy Here"},
    {487, "Request Terminated"},
    {488, "Not Acceptable Here"},
    {489, "Bad Event"},
    {491, "Request Pending"},
    {493, "Undecipherable"},
    {494, "Security Agreement Required"},
    {500, "Server Internal Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Server Time-out"},
    {505, "Version Not Supported"},
    {513, "Message Too Large"},
    {555, "Push Notification Service Not Supported"},
    {580, "Precondition Failure"},
    {600, "Busy Everywhere"},
    {603, "Decline"},
    {604, "Does Not Exist Anywhere"},
    {606, "Not Acceptable"},
    {607, "Unwanted"},
    {608, "Rejected"},
};

const char *sip_reason_default(unsigned status)
{
    size_t lo = 0, hi = sizeof reasons / sizeof reasons[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (reasons[mid].code == status)
            return reasons[mid].text;
        if (reasons[mid].code < status)
            lo = mid + 1;
        else
            hi = mid;
    }
    return "";
}

/* ---------------------------------------------------------------------
 * Message accessors
 * ------------------------------------------------------------------- */

void sip_msg_anom(struct sip_msg *m, enum sip_anom kind, uint32_t off)
{
    if ((unsigned)kind < 64)
        m->anom_mask |= 1ULL << kind;
    if (m->anom_total < UINT16_MAX)
        m->anom_total++;
    if (m->nanoms < SIP_MAX_ANOMS) {
        m->anoms[m->nanoms].kind = (uint16_t)kind;
        m->anoms[m->nanoms].off = off;
        m->nanoms++;
    }
}

struct slice sip_hdr_first(const struct sip_msg *m, const uint8_t *base, enum sip_hdr_id id)
{
    if (!m || !base || !m->hdrs || (unsigned)id >= SIP_H__COUNT)
        return SLICE_NULL;
    int32_t i = m->first[id];
    if (i < 0 || (uint32_t)i >= m->nhdrs)
        return SLICE_NULL;
    return sip_span_slice(base, m->hdrs[i].value);
}

#define ABIT(k) (1ULL << (k))

int sip_msg_correlatable(const struct sip_msg *m)
{
    const uint64_t block = ABIT(SIP_ANOM_MISSING_CALL_ID) | ABIT(SIP_ANOM_MISSING_FROM) |
                           ABIT(SIP_ANOM_MISSING_TO) | ABIT(SIP_ANOM_MISSING_CSEQ) |
                           ABIT(SIP_ANOM_DUP_CALL_ID) | ABIT(SIP_ANOM_DUP_FROM) |
                           ABIT(SIP_ANOM_DUP_TO) | ABIT(SIP_ANOM_DUP_CSEQ);
    if (!m || (m->anom_mask & block))
        return 0;
    return m->first[SIP_H_CALL_ID] >= 0 && m->first[SIP_H_FROM] >= 0 && m->first[SIP_H_TO] >= 0 &&
           m->first[SIP_H_CSEQ] >= 0;
}

/* ---------------------------------------------------------------------
 * sip_looks_like
 * ------------------------------------------------------------------- */

int sip_looks_like(const uint8_t *p, size_t n)
{
    if (!p)
        return 0;
    size_t i = 0;
    while (i < n && i < 64 && (p[i] == 0 || p[i] == '\r' || p[i] == '\n' || p[i] == ' '))
        i++;
    p += i;
    n -= i;
    if (n >= 9 && eq_ci(p, "SIP/2.0 ", 8))
        return IS(p[8], C_DIGIT) != 0;
    if (n == 0 || !IS(p[0], C_ALPHA))
        return 0;
    size_t k = 1;
    while (k < n && IS(p[k], C_TOKEN))
        k++;
    if (k >= n || p[k] != ' ')
        return 0;
    /* the first line ends at the first LF; failing that, at a bare CR */
    const uint8_t *lf = memchr(p + k, '\n', n - k);
    size_t full = lf ? (size_t)(lf - p) : n;
    const uint8_t *cr = memchr(p + k, '\r', full - k);
    for (int pass = 0; pass < 2; pass++) {
        size_t e = pass ? (cr ? (size_t)(cr - p) : 0) : full;
        if (pass && !cr)
            break;
        while (e > k && (p[e - 1] == '\r' || IS(p[e - 1], C_WS)))
            e--;
        if (e >= k + 10 && IS(p[e - 8], C_WS) && eq_ci(p + e - 7, "SIP/2.0", 7))
            return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * sip_parse
 * ------------------------------------------------------------------- */

/* Headers located even past the array's capacity. */
#define PROTECTED                                                                                  \
    ((1ULL << SIP_H_CALL_ID) | (1ULL << SIP_H_FROM) | (1ULL << SIP_H_TO) | (1ULL << SIP_H_CSEQ) |  \
     (1ULL << SIP_H_CONTENT_LENGTH) | (1ULL << SIP_H_VIA))

struct pctx {
    const uint8_t *p;
    uint32_t n;
    struct sip_msg *m;
    struct sip_hdr *hdrs;
    uint32_t cap;
    uint32_t max_line;
    uint64_t seen;                      /* 1 << id for every id seen */
    struct sip_span fv[SIP_H__COUNT];   /* first value per id (valid when seen) */
    int64_t cl;                         /* first Content-Length, -1 if bad */
    int cl_bad;                         /* bad or conflicting Content-Length */
    int noted_bare_lf, noted_too_many;
};

static int is_protected(unsigned id)
{
    return (PROTECTED >> id) & 1;
}

/* Array full: drop one entry (the last that is not the first of its id,
 * else the last that is not a protected singleton) so a protected
 * singleton seen for the first time can still be indexed.  Keeps
 * message order.  Returns 0 when nothing can be dropped. */
static int make_room(struct pctx *c)
{
    struct sip_msg *m = c->m;
    struct sip_hdr *h = c->hdrs;
    uint32_t cnt = m->nhdrs, j, victim = UINT32_MAX;

    for (j = cnt; j-- > 0;)
        if (m->first[h[j].id] != (int32_t)j) {
            victim = j;
            break;
        }
    if (victim == UINT32_MAX)
        for (j = cnt; j-- > 0;)
            if (!is_protected(h[j].id)) {
                victim = j;
                break;
            }
    if (victim == UINT32_MAX)
        return 0;
    uint16_t vid = h[victim].id;
    int was_first = m->first[vid] == (int32_t)victim;
    memmove(&h[victim], &h[victim + 1], (cnt - 1 - victim) * sizeof *h);
    m->nhdrs--;
    for (int id = 0; id < SIP_H__COUNT; id++)
        if (m->first[id] > (int32_t)victim)
            m->first[id]--;
    if (was_first) {
        m->first[vid] = -1;
        for (j = victim; j < m->nhdrs; j++)
            if (h[j].id == vid) {
                m->first[vid] = (int32_t)j;
                break;
            }
    }
    return 1;
}

static void index_hdr(struct pctx *c, unsigned id, struct sip_span name, struct sip_span value)
{
    struct sip_msg *m = c->m;
    if (m->nhdrs >= c->cap) {
        if (!c->noted_too_many) {
            sip_msg_anom(m, SIP_ANOM_TOO_MANY_HEADERS, name.off);
            c->noted_too_many = 1;
        }
        if (!is_protected(id) || m->first[id] >= 0 || c->cap == 0 || !make_room(c))
            return;
    }
    uint32_t i = m->nhdrs++;
    c->hdrs[i].id = (uint16_t)id;
    c->hdrs[i].name = name;
    c->hdrs[i].value = value;
    if (m->first[id] < 0)
        m->first[id] = (int32_t)i;
}

static int span_eq(const uint8_t *p, struct sip_span a, struct sip_span b)
{
    return a.len == b.len && memcmp(p + a.off, p + b.off, a.len) == 0;
}

/* Semantic checks on the well-known singletons. */
static void check_hdr(struct pctx *c, unsigned id, uint32_t line_off, struct sip_span value)
{
    struct sip_msg *m = c->m;
    struct slice v = sip_span_slice(c->p, value);
    uint64_t bit = 1ULL << id;

    if (c->seen & bit) {
        static const uint8_t dup_kind[SIP_H__COUNT] = {
            [SIP_H_CALL_ID] = SIP_ANOM_DUP_CALL_ID,
            [SIP_H_FROM] = SIP_ANOM_DUP_FROM,
            [SIP_H_TO] = SIP_ANOM_DUP_TO,
            [SIP_H_CSEQ] = SIP_ANOM_DUP_CSEQ,
        };
        if (dup_kind[id] && !span_eq(c->p, c->fv[id], value))
            sip_msg_anom(m, (enum sip_anom)dup_kind[id], line_off);
        if (id == SIP_H_CONTENT_LENGTH && sip_parse_content_length(v) != c->cl && !c->cl_bad) {
            sip_msg_anom(m, SIP_ANOM_BAD_CONTENT_LENGTH, line_off);
            c->cl_bad = 1;
        }
        return;
    }
    c->seen |= bit;
    c->fv[id] = value;
    switch (id) {
    case SIP_H_CONTENT_LENGTH:
        c->cl = sip_parse_content_length(v);
        if (c->cl < 0) {
            sip_msg_anom(m, SIP_ANOM_BAD_CONTENT_LENGTH, line_off);
            c->cl_bad = 1;
        }
        break;
    case SIP_H_FROM:
    case SIP_H_TO: {
        struct sip_nameaddr na;
        if (!sip_parse_nameaddr(v, &na))
            sip_msg_anom(m, id == SIP_H_FROM ? SIP_ANOM_BAD_FROM : SIP_ANOM_BAD_TO, line_off);
        break;
    }
    case SIP_H_VIA: {
        struct slice rest = v, item;
        struct sip_via via;
        if (!sip_next_value(&rest, &item) || !sip_parse_via(item, &via))
            sip_msg_anom(m, SIP_ANOM_BAD_VIA, line_off);
        break;
    }
    case SIP_H_CSEQ: {
        struct sip_cseq cs;
        if (!sip_parse_cseq(v, &cs)) {
            sip_msg_anom(m, SIP_ANOM_BAD_CSEQ, line_off);
        } else if (m->is_request) {
            struct slice meth = sip_span_slice(c->p, m->method_s);
            if (!slice_eq_slice(meth, cs.method))
                sip_msg_anom(m, SIP_ANOM_CSEQ_METHOD_MISMATCH, line_off);
        }
        break;
    }
    default:
        break;
    }
}

/* One logical header line [ls, le) (continuations included, final
 * CRLF excluded). */
static void header_line(struct pctx *c, uint32_t ls, uint32_t le)
{
    const uint8_t *p = c->p;
    struct sip_msg *m = c->m;
    uint32_t i = ls, ne, colon;
    unsigned id = SIP_H_OTHER;
    int good;

    m->hdr_total++;
    if (c->max_line && le - ls > c->max_line)
        sip_msg_anom(m, SIP_ANOM_HDR_TOO_LONG, ls);

    while (i < le && IS(p[i], C_TOKEN))
        i++;
    ne = i;
    while (i < le && IS(p[i], C_WS))
        i++;
    if (i < le && p[i] == ':' && ne > ls) {
        good = 1;
        colon = i;
        if (colon != ne)
            sip_msg_anom(m, SIP_ANOM_HDR_SPACE_BEFORE_COLON, ne);
    } else {
        const uint8_t *cp = memchr(p + ls, ':', le - ls);
        if (!cp) {
            sip_msg_anom(m, SIP_ANOM_HDR_NO_COLON, ls);
            return;
        }
        good = 0;
        colon = (uint32_t)(cp - p);
        sip_msg_anom(m, SIP_ANOM_HDR_BAD_NAME, ls);
        ne = colon;
        while (ne > ls && IS(p[ne - 1], C_LWS))
            ne--;
    }
    uint32_t vs = colon + 1, ve = le;
    while (vs < ve && IS(p[vs], C_LWS))
        vs++;
    while (ve > vs && IS(p[ve - 1], C_LWS))
        ve--;
    struct sip_span name = span(ls, ne), value = span(vs, ve);
    if (good)
        id = sip_hdr_lookup((struct slice){p + ls, ne - ls});
    if (is_protected(id))
        check_hdr(c, id, ls, value);
    index_hdr(c, id, name, value);
}

/* Start line [ls, le) (CR/LF excluded).  Fills m; returns SIP_OK/SIP_BAD. */
static int start_line(struct sip_msg *m, const uint8_t *p, uint32_t ls, uint32_t le)
{
    uint32_t e = le, i;

    m->start = span(ls, le);
    while (e > ls && IS(p[e - 1], C_WS))
        e--;
    if (e - ls >= 4 && eq_ci(p + ls, "SIP/", 4)) {
        i = ls;
        while (i < e && !IS(p[i], C_WS))
            i++;
        m->version = span(ls, i);
        if (i - ls != 7 || !eq_ci(p + ls, "SIP/2.0", 7)) {
            sip_msg_anom(m, SIP_ANOM_BAD_VERSION, ls);
            return SIP_BAD;
        }
        while (i < e && IS(p[i], C_WS))
            i++;
        uint32_t ss = i;
        unsigned st = 0;
        while (i < e && IS(p[i], C_DIGIT) && i - ss < 4)
            st = st * 10 + (unsigned)(p[i++] - '0');
        if (i - ss != 3 || (i < e && !IS(p[i], C_WS)) || st < 100 || st > 699) {
            sip_msg_anom(m, SIP_ANOM_BAD_STATUS, ss);
            return SIP_BAD;
        }
        while (i < e && IS(p[i], C_WS))
            i++;
        m->is_request = 0;
        m->status = (uint16_t)st;
        m->reason = span(i, e);
        return SIP_OK;
    }

    i = ls;
    while (i < e && IS(p[i], C_TOKEN))
        i++;
    if (i == ls || i >= e || !IS(p[i], C_WS)) {
        sip_msg_anom(m, SIP_ANOM_BAD_START_LINE, ls);
        return SIP_BAD;
    }
    uint32_t me = i, vs = e;
    while (vs > me && !IS(p[vs - 1], C_WS))
        vs--;
    if (e - vs < 4 || !eq_ci(p + vs, "SIP/", 4)) {
        sip_msg_anom(m, SIP_ANOM_BAD_START_LINE, ls);
        return SIP_BAD;
    }
    if (e - vs != 7 || !eq_ci(p + vs, "SIP/2.0", 7)) {
        sip_msg_anom(m, SIP_ANOM_BAD_VERSION, vs);
        return SIP_BAD;
    }
    uint32_t us = me, ue = vs;
    while (us < ue && IS(p[us], C_WS))
        us++;
    while (ue > us && IS(p[ue - 1], C_WS))
        ue--;
    if (us == ue) {
        sip_msg_anom(m, SIP_ANOM_BAD_START_LINE, ls);
        return SIP_BAD;
    }
    for (i = us; i < ue; i++)
        if (IS(p[i], C_WS)) {
            sip_msg_anom(m, SIP_ANOM_BAD_START_LINE, i); /* SP inside the URI: tolerated */
            break;
        }
    m->is_request = 1;
    m->method_s = span(ls, me);
    m->method = (uint8_t)sip_method_from((struct slice){p + ls, me - ls});
    m->ruri = span(us, ue);
    m->version = span(vs, e);
    return SIP_OK;
}

/* Stream mode, start line not yet terminated: can [ls, n) still become
 * a start line?  Must reject only what start_line() rejects for every
 * completion (a method token not followed by SP/HT), so that no prefix
 * of a valid message is SIP_BAD; the URI and reason may hold any byte. */
static int start_prefix_ok(const uint8_t *p, uint32_t ls, uint32_t n)
{
    uint32_t i = ls;
    while (i < n && IS(p[i], C_TOKEN))
        i++;
    if (i == n || IS(p[i], C_WS))
        return i > ls;
    /* "SIP/..." of a status line */
    return p[i] == '/' && i - ls == 3 && eq_ci(p + ls, "SIP", 3);
}

/* Line ending at the LF at index lf (>= ls): content end excluding CR. */
static uint32_t line_end(struct pctx *c, uint32_t ls, uint32_t lf)
{
    if (lf > ls && c->p[lf - 1] == '\r')
        return lf - 1;
    if (!c->noted_bare_lf) {
        sip_msg_anom(c->m, SIP_ANOM_BARE_LF, lf);
        c->noted_bare_lf = 1;
    }
    return lf;
}

int sip_parse(const uint8_t *p, size_t n_in, const struct sip_parse_opts *opts,
              struct sip_msg *m, struct sip_hdr *hdrs, size_t max_hdrs)
{
    struct pctx c;
    const int stream = opts ? opts->stream : 0;
    const uint32_t n = n_in > UINT32_MAX ? UINT32_MAX : (uint32_t)n_in;
    const uint8_t *lfp;
    uint32_t i = 0, ls, le, pos;
    int rc;

    memset(m, 0, offsetof(struct sip_msg, anoms));
    memset(m->first, 0xff, sizeof m->first); /* all -1 */
    m->content_length = -1;
    m->hdrs = hdrs;

    c.p = p;
    c.n = n;
    c.m = m;
    c.hdrs = hdrs;
    c.cap = hdrs ? (max_hdrs > UINT32_MAX ? UINT32_MAX : (uint32_t)max_hdrs) : 0;
    c.max_line = opts ? opts->max_header_line : 0;
    c.seen = 0;
    c.cl = -1;
    c.cl_bad = 0;
    c.noted_bare_lf = 0;
    c.noted_too_many = 0;

    if (!p)
        return stream ? SIP_NEED_MORE : SIP_BAD;

    /* Leading junk (§7.5: CRLFs before a stream message are legal). */
    int junk = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n' || p[i] == 0 || IS(p[i], C_WS))) {
        if (!stream || (p[i] != '\r' && p[i] != '\n'))
            junk = 1;
        i++;
    }
    if (i >= n)
        return stream ? SIP_NEED_MORE : (sip_msg_anom(m, SIP_ANOM_BAD_START_LINE, 0), SIP_BAD);

    /* Start line. */
    ls = i;
    lfp = memchr(p + ls, '\n', n - ls);
    if (!lfp) {
        if (stream) {
            if (start_prefix_ok(p, ls, n))
                return SIP_NEED_MORE;
            sip_msg_anom(m, SIP_ANOM_BAD_START_LINE, ls);
            return SIP_BAD;
        }
        le = n;
        if (le > ls && p[le - 1] == '\r')
            le--;
        pos = n;
    } else {
        pos = (uint32_t)(lfp - p);
        le = line_end(&c, ls, pos);
        pos++;
    }
    if (junk)
        sip_msg_anom(m, SIP_ANOM_LEADING_JUNK, 0);
    /* datagram mode: a CR not followed by LF may end a start line that does
     * not parse up to the LF (seen in corrupted captures; tshark does the
     * same).  Only as a fallback, so both modes agree on any line that
     * parses whole. */
    const uint8_t *crp = (!stream && le > ls) ? memchr(p + ls, '\r', le - ls) : NULL;
    struct sip_msg save;
    if (crp)
        save = *m;
    rc = start_line(m, p, ls, le);
    if (rc != SIP_OK && crp) {
        *m = save;
        le = (uint32_t)(crp - p);
        pos = le + 1;
        sip_msg_anom(m, SIP_ANOM_BARE_CR, le);
        rc = start_line(m, p, ls, le);
    }
    if (rc != SIP_OK)
        return rc;
    m->hdr_off = pos;

    /* Header block. */
    int have_end = 0;
    uint32_t hdr_end = n; /* first byte after the header block */
    while (pos < n) {
        ls = pos;
        lfp = memchr(p + ls, '\n', n - ls);
        if (!lfp) {
            if (stream)
                return SIP_NEED_MORE;
            le = n;
            if (le > ls && p[le - 1] == '\r')
                le--;
            if (le > ls)
                header_line(&c, ls, le);
            pos = n;
            break;
        }
        uint32_t lf = (uint32_t)(lfp - p);
        le = line_end(&c, ls, lf);
        pos = lf + 1;
        if (le == ls) {
            have_end = 1;
            hdr_end = pos;
            break;
        }
        /* Folded continuation lines (§7.3.1). */
        while (pos < n && IS(p[pos], C_WS)) {
            lfp = memchr(p + pos, '\n', n - pos);
            if (!lfp) {
                if (stream)
                    return SIP_NEED_MORE;
                le = n;
                if (p[le - 1] == '\r')
                    le--;
                pos = n;
                break;
            }
            lf = (uint32_t)(lfp - p);
            le = line_end(&c, pos, lf);
            pos = lf + 1;
        }
        header_line(&c, ls, le);
    }
    if (!have_end) {
        if (stream)
            return SIP_NEED_MORE;
        sip_msg_anom(m, SIP_ANOM_NO_HEADER_END, n);
    }

    /* One pass for NUL anywhere in the start line or header block. */
    lfp = memchr(p + m->start.off, 0, hdr_end - m->start.off);
    if (lfp)
        sip_msg_anom(m, SIP_ANOM_NUL_IN_HEADER, (uint32_t)(lfp - p));

    static const struct {
        uint8_t id, anom;
    } mandatory[] = {
        {SIP_H_CALL_ID, SIP_ANOM_MISSING_CALL_ID}, {SIP_H_FROM, SIP_ANOM_MISSING_FROM},
        {SIP_H_TO, SIP_ANOM_MISSING_TO},           {SIP_H_CSEQ, SIP_ANOM_MISSING_CSEQ},
        {SIP_H_VIA, SIP_ANOM_MISSING_VIA},
    };
    for (size_t k = 0; k < sizeof mandatory / sizeof mandatory[0]; k++)
        if (!(c.seen & (1ULL << mandatory[k].id)))
            sip_msg_anom(m, (enum sip_anom)mandatory[k].anom, m->hdr_off);

    /* Body framing (§7.4, §18.3). */
    m->content_length = c.cl;
    m->body_off = hdr_end;
    uint32_t avail = n - hdr_end;
    if (stream) {
        if (c.cl_bad)
            return SIP_BAD;
        uint64_t need = c.cl < 0 ? 0 : (uint64_t)c.cl;
        if (need > (uint64_t)UINT32_MAX - hdr_end) {
            sip_msg_anom(m, SIP_ANOM_BAD_CONTENT_LENGTH, hdr_end);
            return SIP_BAD;
        }
        if (need > avail)
            return SIP_NEED_MORE;
        m->body = span(hdr_end, hdr_end + (uint32_t)need);
        m->len = hdr_end + (uint32_t)need;
        return SIP_OK;
    }
    if (!have_end) {
        m->body = span(n, n);
        if (c.cl > 0)
            sip_msg_anom(m, SIP_ANOM_CONTENT_LENGTH_MISMATCH, n);
        m->len = n;
        return SIP_OK;
    }
    if (c.cl < 0) {
        m->body = span(hdr_end, n);
        m->len = n;
    } else if ((uint64_t)c.cl > avail) {
        sip_msg_anom(m, SIP_ANOM_CONTENT_LENGTH_MISMATCH, n);
        m->body = span(hdr_end, n);
        m->len = n;
    } else {
        uint32_t end = hdr_end + (uint32_t)c.cl;
        m->body = span(hdr_end, end);
        m->len = end;
        if (end < n)
            sip_msg_anom(m, SIP_ANOM_TRAILING_BYTES, end);
    }
    return SIP_OK;
}
