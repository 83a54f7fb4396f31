/*
 * tests/flood.c - a small bounded SIP-over-UDP sender for the live tests
 * (tests/soak.sh, tests/integration/live.sh).  Standalone: cc -O2 -o flood tests/flood.c
 *
 *   flood [-n COUNT] [-r RATE] [-t SECS] [-a PERCENT] [-c PREFIX] [-m options|invite] HOST PORT
 *       COUNT requests (default 1000), alternately OPTIONS and REGISTER,
 *       each with its own Call-ID (PREFIX-<n>@flood), sent from an
 *       ephemeral port to HOST:PORT at RATE per second (0 = as fast as the
 *       machine goes), for at most SECS seconds (default 600).  PERCENT of
 *       them (default 50) get a "200 OK" back, sent from a socket bound
 *       to HOST:PORT (so a capture filter on PORT sees both directions);
 *       the others are never answered (they end as idle timeouts or shed
 *       calls in sipladder).  Prints "flood: sent N requests and M
 *       responses in S s (R/s)".
 *       -m invite: INVITEs with an SDP offer instead; an answered one gets
 *       200 (SDP answer), ACK, BYE and its 200 (a whole call, no RTP).
 *
 *   flood --raw HOST PORT < FILE
 *       send FILE (any bytes: NUL, control bytes) as one datagram.
 *
 * Always bounded: stops at COUNT or SECS, whichever comes first.
 * Exit 0, or 1 on a usage or socket error.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fputs("usage: flood [-n COUNT] [-r RATE] [-t SECS] [-a PERCENT] [-c PREFIX] [-m options|invite] HOST PORT\n"
          "       flood --raw HOST PORT < FILE\n", stderr);
    exit(1);
}

static int send_all(int fd, const struct sockaddr_in *to, const void *p, size_t n)
{
    for (;;) {
        ssize_t k = sendto(fd, p, n, 0, (const struct sockaddr *)to, sizeof *to);
        if (k >= 0)
            return 0;
        if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
            struct timespec ts = {0, 20000};
            nanosleep(&ts, NULL);
            continue;
        }
        return -1;
    }
}

/* -m invite: one call.  Unanswered: the INVITE only.  Answered: INVITE
 * (SDP offer) -> 200 (SDP answer) -> ACK -> BYE -> 200, each party from its
 * own socket. */
static int send_invite_call(int a, int b, const struct sockaddr_in *uas, const struct sockaddr_in *uac,
                            const char *host, unsigned dport, unsigned sport, const char *prefix,
                            unsigned long long n, int answer)
{
    char sdp[512], msg[2048];
    unsigned rtp = 20000 + (unsigned)(n % 20000) * 2;
    int sl = snprintf(sdp, sizeof sdp,
                      "v=0\r\no=- %llu 1 IN IP4 %s\r\ns=flood\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                      "m=audio %u RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
                      "a=sendrecv\r\n", n, host, host, rtp);
#define HDRS(cseq, totag)                                                                                   \
    "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-%s-%llu-" cseq "\r\n"                                           \
    "From: <sip:a%llu@%s>;tag=f%llu\r\nTo: <sip:b%llu@%s>" totag "\r\nCall-ID: %s-%llu@flood\r\n"
#define HARGS host, sport, prefix, n, n, host, n, n, host
    int len = snprintf(msg, sizeof msg,
                       "INVITE sip:b%llu@%s:%u SIP/2.0\r\n" HDRS("1", "") "CSeq: 1 INVITE\r\n"
                       "Contact: <sip:a%llu@%s:%u>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
                       n, host, dport, HARGS, prefix, n, n, host, sport, sl, sdp);
    if (send_all(a, uas, msg, (size_t)len) != 0)
        return -1;
    if (!answer)
        return 0;
    sl = snprintf(sdp, sizeof sdp,
                  "v=0\r\no=- %llu 1 IN IP4 %s\r\ns=flood\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                  "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n", n, host, host, rtp + 1);
    len = snprintf(msg, sizeof msg,
                   "SIP/2.0 200 OK\r\n" HDRS("1", ";tag=t%llu") "CSeq: 1 INVITE\r\n"
                   "Contact: <sip:b%llu@%s:%u>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
                   HARGS, n, prefix, n, n, host, dport, sl, sdp);
    if (send_all(b, uac, msg, (size_t)len) != 0)
        return -1;
    len = snprintf(msg, sizeof msg, "ACK sip:b%llu@%s:%u SIP/2.0\r\n" HDRS("2", ";tag=t%llu") "CSeq: 1 ACK\r\n"
                   "Content-Length: 0\r\n\r\n", n, host, dport, HARGS, n, prefix, n);
    if (send_all(a, uas, msg, (size_t)len) != 0)
        return -1;
    len = snprintf(msg, sizeof msg, "BYE sip:b%llu@%s:%u SIP/2.0\r\n" HDRS("3", ";tag=t%llu") "CSeq: 2 BYE\r\n"
                   "Content-Length: 0\r\n\r\n", n, host, dport, HARGS, n, prefix, n);
    if (send_all(a, uas, msg, (size_t)len) != 0)
        return -1;
    len = snprintf(msg, sizeof msg, "SIP/2.0 200 OK\r\n" HDRS("3", ";tag=t%llu") "CSeq: 2 BYE\r\n"
                   "Content-Length: 0\r\n\r\n", HARGS, n, prefix, n);
    return send_all(b, uac, msg, (size_t)len);
#undef HDRS
#undef HARGS
}

int main(int argc, char **argv)
{
    unsigned long long count = 1000;
    double rate = 0, secs = 600;
    int answer_pct = 50, raw = 0, invite = 0;
    const char *prefix = "flood";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--raw")) {
            raw = 1;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(o, "-n"))
            count = strtoull(v, NULL, 10);
        else if (!strcmp(o, "-r"))
            rate = atof(v);
        else if (!strcmp(o, "-t"))
            secs = atof(v);
        else if (!strcmp(o, "-a"))
            answer_pct = atoi(v);
        else if (!strcmp(o, "-c"))
            prefix = v;
        else if (!strcmp(o, "-m"))
            invite = !strcmp(v, "invite");
        else
            usage();
    }
    if (argc - i != 2)
        usage();
    struct sockaddr_in dst;
    memset(&dst, 0, sizeof dst);
    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)atoi(argv[i + 1]));
    if (inet_pton(AF_INET, argv[i], &dst.sin_addr) != 1) {
        fprintf(stderr, "flood: bad IPv4 address '%s'\n", argv[i]);
        return 1;
    }
    if (secs > 3600)
        secs = 3600;
    int a = socket(AF_INET, SOCK_DGRAM, 0);
    if (a < 0) {
        perror("flood: socket");
        return 1;
    }
    if (raw) {
        static char buf[65507];
        size_t n = fread(buf, 1, sizeof buf, stdin);
        if (send_all(a, &dst, buf, n) != 0) {
            perror("flood: sendto");
            return 1;
        }
        return 0;
    }
    int rcv = 4096;
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_addr = dst.sin_addr;
    if (bind(a, (struct sockaddr *)&me, sizeof me) != 0 || getsockname(a, (struct sockaddr *)&me, &ml) != 0) {
        perror("flood: bind");
        return 1;
    }
    setsockopt(a, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv); /* the answers are not read */
    int b = -1;
    if (answer_pct > 0) {
        b = socket(AF_INET, SOCK_DGRAM, 0);
        int one = 1;
        setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(b, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv); /* the requests are not read */
        if (b < 0 || bind(b, (struct sockaddr *)&dst, sizeof dst) != 0) {
            fprintf(stderr, "flood: cannot bind %s:%s to send the answers: %s\n", argv[i], argv[i + 1],
                    strerror(errno));
            return 1;
        }
    }
    char host[64];
    inet_ntop(AF_INET, &dst.sin_addr, host, sizeof host);
    unsigned dport = ntohs(dst.sin_port), sport = ntohs(me.sin_port);
    char msg[1024];
    double t0 = now_s(), deadline = t0 + secs;
    unsigned long long sent = 0, answered = 0;
    for (unsigned long long n = 0; n < count; n++) {
        if ((n & 255) == 0 && now_s() >= deadline)
            break;
        if (rate > 0) {
            double due = t0 + (double)n / rate;
            double w = due - now_s();
            if (w > 0) {
                struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        int answer = b >= 0 && (int)(n % 100) < answer_pct;
        if (invite) {
            if (send_invite_call(a, b, &dst, &me, host, dport, sport, prefix, n, answer) != 0) {
                perror("flood: sendto");
                return 1;
            }
            sent++;
            answered += answer;
            continue;
        }
        const char *m = n & 1 ? "REGISTER" : "OPTIONS";
        int len = snprintf(msg, sizeof msg,
                           "%s sip:%s:%u SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-%s-%llu\r\n"
                           "Max-Forwards: 70\r\n"
                           "From: <sip:user%llu@%s>;tag=f%llu\r\n"
                           "To: <sip:user%llu@%s>\r\n"
                           "Call-ID: %s-%llu@flood\r\n"
                           "CSeq: 1 %s\r\n"
                           "Contact: <sip:user%llu@%s:%u>\r\n"
                           "%s"
                           "Content-Length: 0\r\n\r\n",
                           m, host, dport, host, sport, prefix, n, n, host, n, n, host, prefix, n, m, n, host, sport,
                           n & 1 ? "Expires: 3600\r\n" : "");
        if (send_all(a, &dst, msg, (size_t)len) != 0) {
            perror("flood: sendto");
            return 1;
        }
        sent++;
        if (answer) {
            len = snprintf(msg, sizeof msg,
                           "SIP/2.0 200 OK\r\n"
                           "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-%s-%llu\r\n"
                           "From: <sip:user%llu@%s>;tag=f%llu\r\n"
                           "To: <sip:user%llu@%s>;tag=t%llu\r\n"
                           "Call-ID: %s-%llu@flood\r\n"
                           "CSeq: 1 %s\r\n"
                           "Content-Length: 0\r\n\r\n",
                           host, sport, prefix, n, n, host, n, n, host, n, prefix, n, m);
            if (send_all(b, (const struct sockaddr_in *)&me, msg, (size_t)len) != 0) {
                perror("flood: sendto (answer)");
                return 1;
            }
            answered++;
        }
    }
    double el = now_s() - t0;
    printf("flood: sent %llu requests and %llu responses in %.1f s (%.0f requests/s)\n", sent, answered, el,
           el > 0 ? (double)sent / el : 0.0);
    return 0;
}
