/*
 * decode.c - link/tunnel/IP/UDP decoding (see decode.h).
 *
 * Every read goes through the bounded reader in dissect/rd.h; a short or
 * lying header is reported (DIAG_BAD_*) and the frame skipped, never read
 * past.  References: IEEE 802.1Q; RFC 791, RFC 8200 §4 (extension
 * headers), RFC 768; RFC 2784/2890 (GRE), ERSPAN (draft-foschiano-erspan);
 * RFC 2003/4213 (IP-in-IP, 6in4); RFC 7348 (VXLAN); 3GPP TS 29.281 (GTP-U);
 * RFC 2516 (PPPoE); RFC 3032 (MPLS); RFC 792/4443 (ICMP errors).
 *
 * IP fragments (RFC 791 §3.2, RFC 8200 §4.5) go to src/defrag.c; a
 * datagram they complete is decoded on from its transport header (IPv6:
 * from the first fragment's Next Header, walking any extension headers
 * that follow the Fragment header) as if it had arrived whole in the frame
 * of the fragment that completed it, flagged PKT_REASSEMBLED.  Fragments
 * quoted in ICMP errors are not reassembled (a quote is partial anyway).
 */
#include "src/decode.h"

#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/rd.h"
#include "src/defrag.h"

#define MAX_DEPTH 8

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

struct dctx {
    struct decoder *d;
    const struct frame *f;
    uint16_t flags;
    int depth;
};

static void ip_any(struct dctx *c, const uint8_t *p, size_t n, int depth);
static void ether(struct dctx *c, const uint8_t *p, size_t n, int depth);

void decoder_init(struct decoder *d, const struct limits *lim, struct diag *diag)
{
    memset(d, 0, sizeof(*d));
    d->lim = lim;
    d->diag = diag;
    d->defrag = defrag_new(lim, diag);
}

/* Mirror the reassembler's counters into the decoder's. */
static void defrag_sync(struct decoder *d)
{
    const struct defrag_stats *st = defrag_stats(d->defrag);
    d->reassembled = st->reassembled;
    d->frag_incomplete = st->incomplete;
    d->frag_invalid = st->invalid;
    d->frag_duplicates = st->duplicates;
    d->frag_overlaps = st->overlaps;
    d->frag_conflicts = st->conflicts;
}

void decoder_finish(struct decoder *d)
{
    if (!d->defrag)
        return;
    defrag_flush(d->defrag);
    defrag_sync(d);
}

void decoder_fini(struct decoder *d)
{
    defrag_free(d->defrag);
    d->defrag = NULL;
}

int decode_dlt_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB: case DLT_NULL: case DLT_LOOP: case DLT_RAW: case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2: case DLT_IPV4: case DLT_IPV6: case DLT_PPP: case 101:
        return 1;
    default:
        return 0;
    }
}

static int too_deep(struct dctx *c, int depth)
{
    if (depth > MAX_DEPTH) {
        diag_report(c->d->diag, DIAG_TUNNEL_DEPTH, "encapsulation nested more than %d deep; packet skipped", MAX_DEPTH);
        return 1;
    }
    return 0;
}

/* Dispatch on an Ethertype. */
static void ethertype(struct dctx *c, uint16_t et, const uint8_t *p, size_t n, int depth)
{
    if (too_deep(c, depth))
        return;
    struct rd r = rd_init(p, n);
    switch (et) {
    case 0x0800:
    case 0x86DD:
        ip_any(c, p, n, depth);
        return;
    case 0x8100: case 0x88A8: case 0x9100: { /* 802.1Q / QinQ */
        rd_skip(&r, 2);
        uint16_t inner = rd_u16(&r);
        if (r.err) {
            diag_report(c->d->diag, DIAG_BAD_L2, "802.1Q tag truncated");
            return;
        }
        ethertype(c, inner, r.p, rd_left(&r), depth + 1);
        return;
    }
    case 0x8847: case 0x8848: { /* MPLS: pop labels until bottom of stack */
        for (int i = 0; i < 16; i++) {
            uint32_t lse = rd_u32(&r);
            if (r.err) {
                diag_report(c->d->diag, DIAG_BAD_L2, "MPLS label stack truncated");
                return;
            }
            if (lse & 0x100)
                break;
        }
        if (rd_left(&r) && (r.p[0] >> 4) == 4)
            ip_any(c, r.p, rd_left(&r), depth + 1);
        else if (rd_left(&r) && (r.p[0] >> 4) == 6)
            ip_any(c, r.p, rd_left(&r), depth + 1);
        else if (rd_left(&r) >= 4 && r.p[0] == 0 && r.p[1] == 0) /* pseudowire control word */
            ether(c, r.p + 4, rd_left(&r) - 4, depth + 1);
        return;
    }
    case 0x8864: { /* PPPoE session */
        rd_skip(&r, 2);
        rd_skip(&r, 2); /* session id */
        uint16_t plen = rd_u16(&r);
        uint16_t proto = rd_u16(&r);
        if (r.err) {
            diag_report(c->d->diag, DIAG_BAD_L2, "PPPoE header truncated");
            return;
        }
        size_t left = rd_left(&r);
        if (plen >= 2 && (size_t)(plen - 2) < left)
            left = (size_t)(plen - 2);
        if (proto == 0x0021 || proto == 0x0057)
            ip_any(c, r.p, left, depth + 1);
        return;
    }
    case 0x6558: /* transparent Ethernet bridging */
        ether(c, p, n, depth + 1);
        return;
    default:
        c->d->other_packets++;
        return;
    }
}

static void ether(struct dctx *c, const uint8_t *p, size_t n, int depth)
{
    struct rd r = rd_init(p, n);
    rd_skip(&r, 12);
    uint16_t et = rd_u16(&r);
    if (r.err) {
        diag_report(c->d->diag, DIAG_BAD_L2, "Ethernet header truncated (%zu bytes)", n);
        return;
    }
    if (et < 0x0600) { /* 802.3 length + LLC: not IP for our purposes */
        c->d->other_packets++;
        return;
    }
    ethertype(c, et, r.p, rd_left(&r), depth);
}

/* PPP (RFC 1661) with optional address/control and protocol compression. */
static void ppp(struct dctx *c, const uint8_t *p, size_t n, int depth)
{
    struct rd r = rd_init(p, n);
    if (rd_left(&r) >= 2 && r.p[0] == 0xff && r.p[1] == 0x03)
        rd_skip(&r, 2);
    uint16_t proto = rd_u8(&r);
    if (!(proto & 1))
        proto = (uint16_t)((proto << 8) | rd_u8(&r));
    if (r.err)
        return;
    if (proto == 0x0021 || proto == 0x0057)
        ip_any(c, r.p, rd_left(&r), depth + 1);
    else
        c->d->other_packets++;
}

/* GRE (RFC 2784/2890, PPTP enhanced GRE RFC 2637) and ERSPAN I/II/III. */
static void gre(struct dctx *c, const uint8_t *p, size_t n, int depth)
{
    struct rd r = rd_init(p, n);
    uint16_t fl = rd_u16(&r);
    uint16_t proto = rd_u16(&r);
    unsigned ver = fl & 7;
    if (fl & 0x8000) /* checksum + reserved */
        rd_skip(&r, 4);
    if (fl & 0x2000) /* key (or PPTP payload length + call id) */
        rd_skip(&r, 4);
    int seq = !!(fl & 0x1000);
    if (seq)
        rd_skip(&r, 4);
    if (ver == 1 && (fl & 0x0080)) /* PPTP acknowledgment number */
        rd_skip(&r, 4);
    if (r.err) {
        diag_report(c->d->diag, DIAG_BAD_L2, "GRE header truncated");
        return;
    }
    c->flags |= PKT_TUNNELLED;
    c->d->tunnelled++;
    switch (proto) {
    case 0x88BE: /* ERSPAN type II (with sequence) or type I (without) */
        if (seq)
            rd_skip(&r, 8);
        if (r.err)
            return;
        ether(c, r.p, rd_left(&r), depth + 1);
        return;
    case 0x22EB: { /* ERSPAN type III: 12 bytes + optional 8-byte platform subheader */
        if (rd_left(&r) < 12)
            return;
        int o = r.p[11] & 1;
        rd_skip(&r, 12 + (o ? 8 : 0));
        if (r.err)
            return;
        ether(c, r.p, rd_left(&r), depth + 1);
        return;
    }
    case 0x880B:
        ppp(c, r.p, rd_left(&r), depth + 1);
        return;
    default:
        ethertype(c, proto, r.p, rd_left(&r), depth + 1);
        return;
    }
}

static void udp(struct dctx *c, const struct endpoint *src, const struct endpoint *dst, const uint8_t *p,
                size_t n, size_t wire_n, int depth)
{
    struct rd r = rd_init(p, n);
    uint16_t sport = rd_u16(&r), dport = rd_u16(&r), ulen = rd_u16(&r);
    rd_skip(&r, 2);
    if (r.err) {
        if (c->flags & PKT_TRUNCATED || wire_n > n)
            diag_report(c->d->diag, DIAG_TRUNCATED, "UDP header cut by snaplen");
        else
            diag_report(c->d->diag, DIAG_BAD_UDP, "UDP header truncated (%zu bytes)", n);
        return;
    }
    c->d->udp_packets++;
    size_t have = rd_left(&r);
    size_t claim = have;
    if (ulen >= 8)
        claim = (size_t)ulen - 8;
    else if (ulen != 0) /* 0 = jumbogram / TSO; trust the IP length */
        diag_report(c->d->diag, DIAG_BAD_UDP, "UDP length %u is less than the header", ulen);
    uint16_t fl = c->flags;
    if (claim < have)
        have = claim; /* Ethernet padding */
    else if (claim > have)
        fl |= PKT_TRUNCATED;

    /* Tunnels carried in UDP, recognised by port and content. */
    if ((dport == 4789 || sport == 4789) && have >= 16 && (r.p[0] & 0x08)) { /* VXLAN */
        c->flags |= PKT_TUNNELLED;
        c->d->tunnelled++;
        ether(c, r.p + 8, have - 8, depth + 1);
        return;
    }
    if ((dport == 2152 || sport == 2152) && have >= 8 && (r.p[0] >> 5) == 1 && (r.p[0] & 0x10) &&
        r.p[1] == 0xff) { /* GTP-U G-PDU */
        struct rd g = rd_init(r.p, have);
        uint8_t gfl = rd_u8(&g);
        rd_skip(&g, 7);
        if (gfl & 0x07) {
            rd_skip(&g, 3);
            uint8_t next = rd_u8(&g);
            while (next && !g.err) { /* extension headers: length in 4-octet units */
                uint8_t l = rd_u8(&g);
                if (l == 0) {
                    g.err = 1;
                    break;
                }
                rd_skip(&g, (size_t)l * 4 - 2);
                next = rd_u8(&g);
            }
        }
        if (g.err) {
            diag_report(c->d->diag, DIAG_BAD_L2, "GTP-U header truncated");
            return;
        }
        c->flags |= PKT_TUNNELLED;
        c->d->tunnelled++;
        ip_any(c, g.p, rd_left(&g), depth + 1);
        return;
    }

    struct pkt k = {0};
    k.frame = c->f;
    k.src = *src;
    k.dst = *dst;
    k.src.port = sport;
    k.dst.port = dport;
    k.transport = TP_UDP;
    k.ip_proto = 17;
    k.flags = fl;
    k.payload = r.p;
    k.len = (uint32_t)have;
    k.wire_len = (uint32_t)claim;
    if (c->d->deliver)
        c->d->deliver(c->d->ctx, &k);
}

static void transport(struct dctx *c, uint8_t proto, const struct endpoint *src, const struct endpoint *dst,
                      const uint8_t *p, size_t n, size_t wire_n, int depth)
{
    if (too_deep(c, depth))
        return;
    switch (proto) {
    case 17:
        udp(c, src, dst, p, n, wire_n, depth);
        return;
    case 6: {
        c->d->tcp_packets++;
        struct rd r = rd_init(p, n);
        uint16_t sport = rd_u16(&r), dport = rd_u16(&r);
        uint32_t seq = rd_u32(&r);
        rd_skip(&r, 4);
        uint8_t off = rd_u8(&r);
        uint8_t tfl = rd_u8(&r);
        size_t hl = (size_t)(off >> 4) * 4;
        if (r.err || hl < 20 || hl > n) {
            diag_report(c->d->diag, (c->flags & PKT_TRUNCATED) ? DIAG_TRUNCATED : DIAG_BAD_L2,
                        "TCP header truncated or bad data offset");
            return;
        }
        if (!c->d->tcp)
            return;
        struct pkt k = {0};
        k.frame = c->f;
        k.src = *src;
        k.dst = *dst;
        k.src.port = sport;
        k.dst.port = dport;
        k.transport = TP_TCP;
        k.ip_proto = 6;
        k.flags = c->flags;
        k.payload = p + hl;
        k.len = (uint32_t)(n - hl);
        k.wire_len = wire_n >= hl ? (uint32_t)(wire_n - hl) : k.len;
        if (k.wire_len > k.len)
            k.flags |= PKT_TRUNCATED;
        c->d->tcp(c->d->ctx, &k, seq, tfl);
        return;
    }
    case 132: {
        c->d->sctp_packets++;
        if (!c->d->sctp || n < 12)
            return;
        struct pkt k = {0};
        k.frame = c->f;
        k.src = *src;
        k.dst = *dst;
        k.src.port = (uint16_t)((p[0] << 8) | p[1]);
        k.dst.port = (uint16_t)((p[2] << 8) | p[3]);
        k.transport = TP_SCTP;
        k.ip_proto = 132;
        k.flags = c->flags;
        k.payload = p;
        k.len = (uint32_t)n;
        k.wire_len = (uint32_t)wire_n;
        c->d->sctp(c->d->ctx, &k);
        return;
    }
    case 4:  /* IP-in-IP */
    case 41: /* IPv6-in-IP */
        c->flags |= PKT_TUNNELLED;
        c->d->tunnelled++;
        ip_any(c, p, n, depth + 1);
        return;
    case 47:
        gre(c, p, n, depth + 1);
        return;
    case 1:
    case 58: { /* ICMP / ICMPv6 errors quoting the offending datagram */
        if (n < 8)
            return;
        uint8_t type = p[0];
        int err = proto == 1 ? (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
                             : (type >= 1 && type <= 4);
        if (!err)
            return;
        c->flags |= PKT_ICMP_QUOTED;
        ip_any(c, p + 8, n - 8, depth + 1);
        return;
    }
    default:
        c->d->other_packets++;
        return;
    }
}

static void ip6_chain(struct dctx *c, uint8_t nh, const struct endpoint *s, const struct endpoint *d,
                      const uint8_t *p, size_t have, size_t wire, int depth, int reassembled);

/* Hand one fragment to the reassembler; when it completes its datagram,
 * decode on from the reassembled payload with this frame, then free it. */
static void fragment(struct dctx *c, const struct defrag_frag *fr, const struct endpoint *s,
                     const struct endpoint *d, int depth)
{
    struct defrag_done done;
    int complete = defrag_add(c->d->defrag, c->f->ts, fr, &done);
    defrag_sync(c->d);
    if (!complete)
        return;
    uint16_t saved = c->flags;
    c->flags = (uint16_t)((c->flags & ~PKT_TRUNCATED) | PKT_REASSEMBLED);
    if (done.len < done.total)
        c->flags |= PKT_TRUNCATED;
    if (fr->family == 4)
        transport(c, done.proto, s, d, done.data, done.len, done.total, depth);
    else
        ip6_chain(c, done.proto, s, d, done.data, done.len, done.total, depth, 1);
    c->flags = saved;
    free(done.data);
}

static void ipv4(struct dctx *c, const uint8_t *p, size_t n, int depth)
{
    struct rd r = rd_init(p, n);
    uint8_t vihl = rd_u8(&r);
    rd_skip(&r, 1);
    uint16_t tot = rd_u16(&r);
    uint16_t id = rd_u16(&r);
    uint16_t frag = rd_u16(&r);
    rd_skip(&r, 1);
    uint8_t proto = rd_u8(&r);
    rd_skip(&r, 2);
    const uint8_t *sa = rd_bytes(&r, 4), *da = rd_bytes(&r, 4);
    size_t hl = (size_t)(vihl & 15) * 4;
    if (r.err || hl < 20 || hl > n) {
        diag_report(c->d->diag, (c->flags & PKT_TRUNCATED) ? DIAG_TRUNCATED : DIAG_BAD_IP,
                    "IPv4 header truncated or bad header length");
        return;
    }
    c->d->ip_packets++;
    size_t have = n - hl, wire = have;
    if (tot >= hl) {
        wire = (size_t)tot - hl;
        if (wire < have)
            have = wire; /* link padding */
    } else if (tot != 0 && !(c->flags & PKT_ICMP_QUOTED)) {
        diag_report(c->d->diag, DIAG_BAD_IP, "IPv4 total length %u shorter than header", tot);
        return;
    }
    if (wire > have && !(c->flags & PKT_ICMP_QUOTED))
        c->flags |= PKT_TRUNCATED;
    struct endpoint s = {.family = 4}, d = {.family = 4};
    memcpy(s.addr, sa, 4);
    memcpy(d.addr, da, 4);
    if ((frag & 0x2000) || (frag & 0x1fff)) {
        c->d->fragments++;
        if (c->d->defrag && !(c->flags & PKT_ICMP_QUOTED)) {
            struct defrag_frag fr = {
                .family = 4, .src = sa, .dst = da, .id = id, .proto = proto, .hdr_len = (uint32_t)hl,
                .off = (uint32_t)(frag & 0x1fff) * 8, .more = !!(frag & 0x2000), .data = p + hl,
                .len = (uint32_t)have, .wire_len = (uint32_t)wire, .frame = c->f->no,
            };
            fragment(c, &fr, &s, &d, depth);
            return;
        }
        char a[64], b[64];
        diag_report(c->d->diag, DIAG_IP_FRAGMENT,
                    "IPv4 fragment %s -> %s (offset %u%s) not reassembled; a SIP message in it is lost",
                    endpoint_addr_str(&s, a, sizeof a), endpoint_addr_str(&d, b, sizeof b),
                    (unsigned)(frag & 0x1fff) * 8, (frag & 0x2000) ? ", more fragments" : "");
        return;
    }
    transport(c, proto, &s, &d, p + hl, have, wire, depth);
}

static void ipv6(struct dctx *c, const uint8_t *p, size_t n, int depth)
{
    struct rd r = rd_init(p, n);
    rd_skip(&r, 4);
    uint16_t plen = rd_u16(&r);
    uint8_t nh = rd_u8(&r);
    rd_skip(&r, 1);
    const uint8_t *sa = rd_bytes(&r, 16), *da = rd_bytes(&r, 16);
    if (r.err) {
        diag_report(c->d->diag, (c->flags & PKT_TRUNCATED) ? DIAG_TRUNCATED : DIAG_BAD_IP,
                    "IPv6 header truncated");
        return;
    }
    c->d->ip_packets++;
    struct endpoint s = {.family = 6}, d = {.family = 6};
    memcpy(s.addr, sa, 16);
    memcpy(d.addr, da, 16);
    size_t have = rd_left(&r), wire = plen ? plen : have;
    if (wire < have)
        have = wire;
    else if (wire > have && !(c->flags & PKT_ICMP_QUOTED))
        c->flags |= PKT_TRUNCATED;
    ip6_chain(c, nh, &s, &d, r.p, have, wire, depth, 0);
}

/* RFC 8200 §4: walk the extension headers of p[0..have) (wire bytes on the
 * wire), starting with header type nh, then decode the transport.  In a
 * reassembled payload (`reassembled`) a further fragment header is an
 * error. */
static void ip6_chain(struct dctx *c, uint8_t nh, const struct endpoint *s, const struct endpoint *d,
                      const uint8_t *p, size_t have, size_t wire, int depth, int reassembled)
{
    struct rd x = rd_init(p, have);
    for (int i = 0; i < 16; i++) {
        switch (nh) {
        case 0: case 43: case 60: case 135: case 139: case 140: { /* HBH, routing, dest, mobility, HIP, shim6 */
            uint8_t next = rd_u8(&x);
            uint8_t len = rd_u8(&x);
            rd_skip(&x, (size_t)len * 8 + 6);
            if (x.err) {
                diag_report(c->d->diag, DIAG_BAD_IP, "IPv6 extension header truncated");
                return;
            }
            nh = next;
            continue;
        }
        case 51: { /* AH: length in 4-octet units minus 2 */
            uint8_t next = rd_u8(&x);
            uint8_t len = rd_u8(&x);
            rd_skip(&x, (size_t)(len + 2) * 4 - 2);
            if (x.err) {
                diag_report(c->d->diag, DIAG_BAD_IP, "IPv6 AH header truncated");
                return;
            }
            nh = next;
            continue;
        }
        case 44: { /* fragment */
            const uint8_t *fh = x.p;
            uint8_t next = rd_u8(&x);
            rd_skip(&x, 1);
            uint16_t off = rd_u16(&x);
            uint32_t id = rd_u32(&x);
            if (x.err) {
                diag_report(c->d->diag, DIAG_BAD_IP, "IPv6 fragment header truncated");
                return;
            }
            if ((off & 0xfff8) == 0 && !(off & 1)) { /* atomic fragment */
                nh = next;
                continue;
            }
            c->d->fragments++;
            char a[64], b[64];
            if (reassembled) {
                diag_report(c->d->diag, DIAG_BAD_IP,
                            "IPv6 datagram %s -> %s: a reassembled datagram holds another fragment header; dropped",
                            endpoint_addr_str(s, a, sizeof a), endpoint_addr_str(d, b, sizeof b));
                return;
            }
            if (c->d->defrag && !(c->flags & PKT_ICMP_QUOTED)) {
                size_t hdrs = (size_t)(x.p - p);
                struct defrag_frag fr = {
                    .family = 6, .src = s->addr, .dst = d->addr, .id = id, .proto = next,
                    .hdr_len = (uint32_t)(fh - p), .off = (uint32_t)(off & 0xfff8), .more = off & 1,
                    .data = x.p, .len = (uint32_t)rd_left(&x),
                    .wire_len = (uint32_t)(wire > hdrs ? wire - hdrs : 0), .frame = c->f->no,
                };
                fragment(c, &fr, s, d, depth);
                return;
            }
            diag_report(c->d->diag, DIAG_IP_FRAGMENT,
                        "IPv6 fragment %s -> %s (offset %u%s) not reassembled; a SIP message in it is lost",
                        endpoint_addr_str(s, a, sizeof a), endpoint_addr_str(d, b, sizeof b),
                        (unsigned)(off & 0xfff8), (off & 1) ? ", more fragments" : "");
            return;
        }
        case 59:
            return;
        default:
            break;
        }
        break;
    }
    size_t hdrs = (size_t)(x.p - p);
    transport(c, nh, s, d, x.p, rd_left(&x), wire > hdrs ? wire - hdrs : 0, depth);
}

static void ip_any(struct dctx *c, const uint8_t *p, size_t n, int depth)
{
    if (too_deep(c, depth))
        return;
    if (n < 1) {
        diag_report(c->d->diag, DIAG_BAD_IP, "empty IP packet");
        return;
    }
    switch (p[0] >> 4) {
    case 4:
        ipv4(c, p, n, depth);
        return;
    case 6:
        ipv6(c, p, n, depth);
        return;
    default:
        diag_report(c->d->diag, DIAG_BAD_IP, "IP version %u is neither 4 nor 6", p[0] >> 4);
        return;
    }
}

int decode_frame(struct decoder *d, const struct frame *f)
{
    struct dctx c = {.d = d, .f = f, .flags = 0, .depth = 0};
    d->frames++;
    if (d->defrag) { /* capture time moved on: give up on stale datagrams */
        defrag_expire(d->defrag, f->ts);
        defrag_sync(d);
    }
    if (f->caplen < f->len)
        c.flags |= PKT_TRUNCATED;
    const uint8_t *p = f->data;
    size_t n = f->caplen;
    struct rd r = rd_init(p, n);
    switch (f->dlt) {
    case DLT_EN10MB:
        ether(&c, p, n, 0);
        break;
    case DLT_NULL:
    case DLT_LOOP: {
        uint32_t fam = f->dlt == DLT_LOOP ? rd_u32(&r) : rd_u32le(&r);
        if (r.err)
            break;
        if (f->dlt == DLT_NULL && fam > 0xffff) /* written on a big-endian host */
            fam = ((fam & 0xff) << 24) | ((fam & 0xff00) << 8) | ((fam >> 8) & 0xff00) | (fam >> 24);
        /* AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the OS */
        if (fam == 2 || fam == 10 || fam == 24 || fam == 28 || fam == 30)
            ip_any(&c, r.p, rd_left(&r), 0);
        break;
    }
    case DLT_RAW:
    case 101:
    case DLT_IPV4:
    case DLT_IPV6:
        ip_any(&c, p, n, 0);
        break;
    case DLT_LINUX_SLL: {
        rd_skip(&r, 14);
        uint16_t proto = rd_u16(&r);
        if (r.err) {
            diag_report(d->diag, DIAG_BAD_L2, "Linux cooked header truncated");
            return -1;
        }
        ethertype(&c, proto, r.p, rd_left(&r), 0);
        break;
    }
    case DLT_LINUX_SLL2: {
        uint16_t proto = rd_u16(&r);
        rd_skip(&r, 18);
        if (r.err) {
            diag_report(d->diag, DIAG_BAD_L2, "Linux cooked v2 header truncated");
            return -1;
        }
        ethertype(&c, proto, r.p, rd_left(&r), 0);
        break;
    }
    case DLT_PPP:
        ppp(&c, p, n, 0);
        break;
    default:
        return -1;
    }
    return 0;
}

char *endpoint_addr_str(const struct endpoint *e, char *buf, size_t n)
{
    if (e->family == 4) {
        snprintf(buf, n, "%u.%u.%u.%u", e->addr[0], e->addr[1], e->addr[2], e->addr[3]);
        return buf;
    }
    /* RFC 5952 text: compress the longest run of >= 2 zero groups. */
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)((e->addr[2 * i] << 8) | e->addr[2 * i + 1]);
    int best = -1, bestlen = 0;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > bestlen && j - i >= 2) {
            best = i;
            bestlen = j - i;
        }
        i = j;
    }
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < 8 && o < n; i++) {
        if (i == best) {
            o += (size_t)snprintf(buf + o, n - o, "::");
            i += bestlen - 1;
            continue;
        }
        o += (size_t)snprintf(buf + o, n - o, "%s%x", (i && i != best + bestlen) ? ":" : "", g[i]);
    }
    return buf;
}

char *endpoint_str(const struct endpoint *e, char *buf, size_t n)
{
    char a[64];
    endpoint_addr_str(e, a, sizeof a);
    if (e->family == 6)
        snprintf(buf, n, "[%s]:%u", a, e->port);
    else
        snprintf(buf, n, "%s:%u", a, e->port);
    return buf;
}

int endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
    return a->family == b->family && a->port == b->port &&
           memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}
