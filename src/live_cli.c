/*
 * live_cli.c - the `sipladder live` subcommand (doc/live.md): capture on
 * interfaces (or replay a file), print one line per call as it finishes,
 * save chosen calls to --out-dir, keep a rolling raw capture (-w), show a
 * status line, stop cleanly on SIGINT/SIGTERM.  CLI code like
 * src/main.c (scripts/check-deps.sh lets it include render/); main.c
 * dispatches with
 *   if (argc > 1 && !strcmp(argv[1], "live")) return live_main(argc - 1, argv + 1);
 *
 * Everything after the capture reader is the offline code: frames go to
 * pipeline_frame(), finished calls come out of store_sweep() (streaming
 * mode), and `live --replay FILE` / `live --realtime -r FILE` feed a
 * file's frames through the very same path.
 *
 * The loop: poll(2) on every interface with a timeout of at most 250 ms,
 * drain what is there, then once a second (wall clock; capture time
 * for --replay) sweep the store, check -G rotation and draw the status
 * line.  Signal handlers only set a volatile flag (and, for
 * SIGINT/SIGTERM, call pcap_breakloop()); the loop does the rest.
 *
 * Exit status: 0 after a clean stop (signal, -c, end of --replay), 1
 * usage error (bad option, unknown -Z user, no interface given), 2
 * capture could not start or failed, -Z could not switch user, or output
 * could not be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "render/ladder.h"
#include "render/render.h"
#include "src/base/buf.h"
#include "src/base/diag.h"
#include "src/base/limits.h"
#include "src/base/util.h"
#include "src/capture.h"
#include "src/live.h"
#include "src/media.h"
#include "src/pcapwrite.h"
#include "src/pipeline.h"

int live_main(int argc, char **argv);

enum { L_EXIT_OK = 0, L_EXIT_USAGE = 1, L_EXIT_FAIL = 2 };
enum lfmt { LF_LINE, LF_LADDER, LF_JSONL };

enum {
    LO_FORMAT = 256, LO_OUTDIR, LO_KEEP, LO_STATUS_IV, LO_STATUS, LO_LINGER, LO_IDLE, LO_LIMIT, LO_REPLAY,
    LO_REALTIME, LO_NO_IMMEDIATE, LO_ALIAS, LO_ALIAS_FILE, LO_COLOR, LO_NO_SUMMARY, LO_VERSION,
};

#define TICK_NS 1000000000LL
#define POLL_MAX_MS 250
#define BATCH 4096

static volatile sig_atomic_t g_stop, g_hup, g_sig;
static struct capture_live *volatile g_cl;

/* SIGINT/SIGTERM: a flag and pcap_breakloop(), nothing else. */
static void on_stop(int sig)
{
    g_sig = sig;
    g_stop = 1;
    struct capture_live *cl = g_cl;
    if (cl)
        capture_live_breakloop(cl);
}

static void on_hup(int sig)
{
    (void)sig;
    g_hup = 1;
}

struct live {
    /* options */
    const char **ifaces;
    size_t nifaces, cap_ifaces;
    const char *replay;
    int realtime;
    struct capture_live_opts copts;
    const char *outpath;
    enum lfmt fmt;
    const char *outdir;
    struct keep_rules keep;
    struct pcapring_opts wopts;
    const char *user;
    double status_iv;
    int status_force, status_set;
    double linger_s, idle_s;
    uint64_t max_frames;
    struct limits lim;
    int verbosity, summary, color;
    struct alias_table aliases;
    /* runtime */
    FILE *out;
    dev_t out_dev;
    ino_t out_ino;
    int out_tty;
    int dirfd;
    struct pcapring ring;
    int ring_on;
    struct diag diag;
    struct pipeline pl;
    struct render_ctx r;
    struct capture_live *cl;
    enum live_end mode;        /* how a non-final, non-expired call emitted now ends */
    int status_on, status_drawn;
    int64_t vnow;              /* "now" for sweeps: wall clock live, capture clock replaying */
    int64_t next_sweep, next_status_wall, start_wall;
    int64_t first_ts, wall0;   /* --realtime pacing */
    int done;                  /* -c reached */
    int failed;                /* capture error */
    int werr;                  /* output write error (said once) */
    /* counters */
    uint64_t frames, emitted, by_end[4], saved_calls, saved_files, save_errors, shed_events, shed_calls;
    uint64_t rb_seen, emitted_base;
    /* status deltas */
    uint64_t last_msgs, last_emitted;
    struct capture_live_stats last_tot;
    int64_t last_status_wall;
};

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void live_usage(FILE *f)
{
    fprintf(f,
            "usage: sipladder live -i IFACE [-i IFACE...] [options]\n"
            "       sipladder live --replay FILE | --realtime -r FILE [options]\n"
            "       sipladder live -D\n"
            "\n"
            "Capture SIP on interfaces and print one line per call as soon as it ends;\n"
            "save chosen calls (ladder, JSON, their own pcap) and keep a rolling raw capture.\n"
            "Runs until SIGINT/SIGTERM (calls still open are printed as in progress at stop).\n"
            "\n"
            "Capture:\n"
            "  -i IFACE              interface (repeatable; \"any\" = all, Linux)\n"
            "  -D                    list the interfaces and exit\n"
            "  -f FILTER             BPF filter, tcpdump syntax (e.g. 'udp port 5060 or tcp port 5060')\n"
            "  -s SNAPLEN            bytes kept per packet (default %d)\n"
            "  -p                    no promiscuous mode\n"
            "  -B KIB                kernel capture buffer in KiB (default %d)\n"
            "  --no-immediate        let the kernel batch packets (fewer drops under load, lines up to 0.1 s later)\n"
            "  -c COUNT              stop after COUNT packets\n"
            "  -Z USER               drop privileges to USER after opening the interfaces\n"
            "  -r FILE, --replay FILE  read a capture file instead (as fast as possible)\n"
            "  --realtime            with -r: at the file's own pace\n"
            "Output:\n"
            "  -o FILE               call lines to FILE (default stdout; reopened on SIGHUP)\n"
            "  --format line|ladder|jsonl  one line per call (default), the text ladder, or JSON Lines\n"
            "  --status-interval S   status line on stderr every S seconds (default 1; 0 = off);\n"
            "                        only on a tty unless --status\n"
            "  --status              status line even when stderr is not a tty (one line each time)\n"
            "  --alias IP[:PORT]=NAME, --alias-file FILE   lane names (ladder output and files)\n"
            "  --color auto|always|never  colours in --format ladder\n"
            "Calls:\n"
            "  --linger S            quiet seconds after a final state before a call is printed (5)\n"
            "  --idle-timeout S      an open call quiet this long is printed as expired (3600)\n"
            "  --limit NAME=VALUE    e.g. open-calls=100000 (the oldest are shed above it); see sipladder(1)\n"
            "Files:\n"
            "  --out-dir DIR         each kept call as DIR/NAME.txt, NAME.json and NAME.pcap\n"
            "  --keep RULE           which calls --out-dir keeps (repeatable, OR; default all): all, failed,\n"
            "                        answered, cancelled, incomplete, state=NAME, code=NNN, code=Nxx, cause=N,\n"
            "                        pdd>MS, duration>S, duration<S, one-way\n"
            "  -w FILE               write every captured packet to FILE (pcap; reopened on SIGHUP)\n"
            "  -C MB                 with -w: start a new file when it is larger than MB million bytes\n"
            "  -G S                  with -w: start a new file every S seconds (strftime in FILE)\n"
            "  -W N                  with -C/-G: keep a ring of N files\n"
            "Diagnostics:\n"
            "  -q, -v, --no-summary  fewer / all diagnostics; no final summary\n"
            "\n"
            "Exit status: 0 clean stop, 1 usage error, 2 capture or output failure.  See doc/live.md.\n",
            CAPTURE_LIVE_SNAPLEN, CAPTURE_LIVE_BUFFER_KIB);
}

/* ---- output ---------------------------------------------------------------- */

static void status_clear(struct live *L)
{
    if (L->status_drawn && isatty(STDERR_FILENO)) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    L->status_drawn = 0;
}

static void out_error(struct live *L)
{
    int e = errno;
    if (!L->werr)
        fprintf(stderr, "sipladder: live: error writing %s: %s%s\n", L->outpath ? L->outpath : "stdout", strerror(e),
                e == EPIPE ? "; stopping" : "");
    L->werr = 1;
    if (e == EPIPE) { /* the reader went away (| head): stop as tcpdump would, but cleanly */
        g_stop = 1;
        if (L->cl)
            capture_live_breakloop(L->cl);
    }
}

/* JSON string of arbitrary bytes (made valid UTF-8). */
static void json_str(struct buf *b, const char *p, size_t n)
{
    struct buf u = {0};
    buf_put_utf8_clean(&u, (const uint8_t *)p, n);
    buf_putc(b, '"');
    for (size_t i = 0; i < u.n; i++) {
        unsigned char ch = (unsigned char)u.p[i];
        if (ch == '"' || ch == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)ch);
        } else if (ch < 0x20 || ch == 0x7f) {
            buf_printf(b, "\\u%04x", ch);
        } else {
            buf_putc(b, (char)ch);
        }
    }
    buf_putc(b, '"');
    buf_free(&u);
}

static void put_secs(struct buf *b, const char *label, int64_t ns)
{
    if (ns < 0)
        buf_printf(b, "  %s -", label);
    else
        buf_printf(b, "  %s %.3fs", label, (double)ns / 1e9);
}

/* The call line of --format line. */
static void call_line(struct buf *b, const struct store *s, const struct call *c, const struct live_call_info *ci,
                      const struct buf *media)
{
    char t[64];
    fmt_time_utc(t, sizeof t, ci->start, 1);
    t[23] = 0; /* milliseconds are enough here */
    buf_puts(b, t);
    char st[48];
    if (ci->state == CALL_NOT_FINISHED)
        snprintf(st, sizeof st, "not_finished(%s)", call_state_name((enum call_state)ci->progress));
    else
        snprintf(st, sizeof st, "%s", call_state_name((enum call_state)ci->state));
    buf_printf(b, "  %-22s", st);
    if (ci->final_code) {
        buf_printf(b, " %3u ", ci->final_code);
        size_t w = buf_put_escaped(b, (const uint8_t *)ci->phrase, strlen(ci->phrase));
        for (; w < 20; w++)
            buf_putc(b, ' ');
    } else {
        buf_puts(b, "   -                    ");
    }
    put_secs(b, "pdd", ci->pdd);
    put_secs(b, "dur", ci->duration);
    struct buf p = {0};
    call_party(&p, s, c, 0);
    buf_puts(b, "  ");
    buf_put_escaped(b, (const uint8_t *)(p.p ? p.p : ""), p.n);
    buf_puts(b, " -> ");
    buf_reset(&p);
    call_party(&p, s, c, 1);
    buf_put_escaped(b, (const uint8_t *)(p.p ? p.p : ""), p.n);
    buf_free(&p);
    if (ci->reason[0]) {
        buf_puts(b, "  cause ");
        buf_put_escaped(b, (const uint8_t *)ci->reason, strlen(ci->reason));
    }
    if (media && media->n) {
        buf_puts(b, "  media ");
        buf_put_escaped(b, (const uint8_t *)media->p, media->n);
    }
    switch (ci->end) {
    case LIVE_END_IDLE:
        buf_puts(b, "  (idle timeout)");
        break;
    case LIVE_END_SHED:
        buf_puts(b, "  (shed: open-calls cap)");
        break;
    case LIVE_END_STOP:
        buf_puts(b, "  (in progress at stop)");
        break;
    default:
        break;
    }
    buf_puts(b, "  [");
    buf_put_escaped(b, c->call_id, c->call_id_len);
    buf_puts(b, "]\n");
}

/* The fields `live` adds to a JSON line: ,"live":{...} */
static void live_json(struct buf *b, const struct live_call_info *ci, const struct buf *media, const char *saved)
{
    buf_printf(b, ",\"live\":{\"end\":\"%s\",\"reason\":", live_end_name(ci->end));
    if (ci->reason[0])
        json_str(b, ci->reason, strlen(ci->reason));
    else
        buf_puts(b, "null");
    if (ci->q850_cause >= 0)
        buf_printf(b, ",\"q850_cause\":%d", ci->q850_cause);
    else
        buf_puts(b, ",\"q850_cause\":null");
    buf_puts(b, ",\"media\":");
    if (media && media->n)
        json_str(b, media->p, media->n);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"saved\":");
    if (saved)
        json_str(b, saved, strlen(saved));
    else
        buf_puts(b, "null");
    buf_putc(b, '}');
}

/* render_call_jsonl() into memory, then the live fields spliced in
 * before its closing brace.  Returns 0 or -1. */
static int call_jsonl(struct live *L, struct buf *b, const struct store *s, const struct call *c,
                      const struct live_call_info *ci, const struct buf *media, const char *saved)
{
    char *mem = NULL;
    size_t memn = 0;
    FILE *m = open_memstream(&mem, &memn);
    if (!m)
        return -1;
    struct render_ctx r = L->r;
    r.s = s;
    r.out = m;
    r.color = 0;
    int rc = render_call_jsonl(&r, c);
    if (fclose(m) != 0)
        rc = -1;
    if (rc == 0) {
        size_t n = memn;
        while (n && (mem[n - 1] == '\n' || mem[n - 1] == ' '))
            n--;
        if (n && mem[n - 1] == '}') {
            buf_put(b, mem, n - 1);
            live_json(b, ci, media, saved);
            buf_puts(b, "}\n");
        } else {
            buf_put(b, mem, memn);
        }
    }
    free(mem);
    return rc;
}

/* ---- per-call files ----------------------------------------------------------- */

static int open_in_dir(struct live *L, const char *name)
{
    return openat(L->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

/* Save the call under a fresh base name; returns the base name (static
 * buffer) or NULL. */
static const char *save_call(struct live *L, const struct store *s, const struct call *c,
                             const struct live_call_info *ci, const struct buf *media)
{
    static char base[LIVE_NAME_MAX + 16];
    char name0[LIVE_NAME_MAX + 1], fn[LIVE_NAME_MAX + 32];
    live_call_filename(name0, sizeof name0, ci->start, c->call_id, c->call_id_len);
    int fd = -1;
    for (int k = 1; k <= 100 && fd < 0; k++) {
        if (k == 1)
            snprintf(base, sizeof base, "%s", name0);
        else
            snprintf(base, sizeof base, "%s~%d", name0, k);
        snprintf(fn, sizeof fn, "%s.txt", base);
        fd = open_in_dir(L, fn);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        if (!L->save_errors)
            fprintf(stderr, "sipladder: live: --out-dir %s: cannot create %s: %s\n", L->outdir, fn, strerror(errno));
        L->save_errors++;
        return NULL;
    }
    int files = 0, errs = 0;
    /* ladder */
    FILE *fp = fdopen(fd, "w");
    if (fp) {
        struct render_ctx r = L->r;
        r.s = s;
        r.out = fp;
        r.color = 0;
        fprintf(fp, "# sipladder live: emitted as %s%s\n", live_end_name(ci->end),
                ci->end == LIVE_END_SHED ? " (open-calls cap)" : ci->end == LIVE_END_STOP ? " (in progress at stop)"
                : ci->end == LIVE_END_IDLE ? " (idle timeout)" : "");
        errs += render_call_text(&r, c, L->saved_calls) != 0;
        errs += fclose(fp) != 0;
        files++;
    } else {
        close(fd);
        errs++;
    }
    /* JSON */
    snprintf(fn, sizeof fn, "%s.json", base);
    fd = open_in_dir(L, fn);
    if (fd >= 0) {
        struct buf b = {0};
        errs += call_jsonl(L, &b, s, c, ci, media, base) != 0;
        errs += write(fd, b.p, b.n) != (ssize_t)b.n;
        errs += close(fd) != 0;
        buf_free(&b);
        files++;
    } else {
        errs++;
    }
    /* pcap */
    snprintf(fn, sizeof fn, "%s.pcap", base);
    fd = open_in_dir(L, fn);
    if (fd >= 0) {
        errs += live_write_call_pcap(s, c, fd) < 0;
        files++;
    } else {
        errs++;
    }
    L->saved_files += (uint64_t)files;
    if (errs) {
        if (!L->save_errors)
            fprintf(stderr, "sipladder: live: --out-dir %s: error writing the files of %s: %s\n", L->outdir, base,
                    strerror(errno));
        L->save_errors++;
    }
    L->saved_calls++;
    return base;
}

/* ---- the emit callback (store_sweep / live_shed / store_flush_all) ------------ */

static int state_final(uint8_t st)
{
    return st != CALL_CALLING && st != CALL_RINGING && st != CALL_IN_CALL && st != CALL_NOT_FINISHED;
}

static void live_emit(void *ctx, const struct store *s, const struct call *c)
{
    struct live *L = ctx;
    if (!c->nmsgs)
        return;
    enum live_end end = state_final(c->state) ? LIVE_END_FINAL : c->expired ? LIVE_END_IDLE : L->mode;
    struct live_call_info ci;
    live_call_info(s, c, end, &ci);
    live_call_media(&L->pl.media, c, &ci);
    L->emitted++;
    L->by_end[end]++;
    struct buf media = {0};
    if (live_media_summary)
        live_media_summary(live_media_ctx, s, c, &media);
    else if (ci.media[0])
        buf_puts(&media, ci.media);
    const char *saved = NULL;
    if (L->outdir && keep_match(&L->keep, &ci))
        saved = save_call(L, s, c, &ci, &media);
    if (L->werr) { /* the output failed (said once): files are still saved */
        buf_free(&media);
        return;
    }
    if (L->status_drawn && L->out_tty)
        status_clear(L);
    struct buf b = {0};
    int rc = 0;
    switch (L->fmt) {
    case LF_JSONL:
        rc = call_jsonl(L, &b, s, c, &ci, &media, saved);
        break;
    case LF_LADDER: {
        struct render_ctx r = L->r;
        r.s = s;
        rc = render_call_text(&r, c, L->emitted - 1);
        break;
    }
    default:
        call_line(&b, s, c, &ci, &media);
        break;
    }
    if (b.n && fwrite(b.p, 1, b.n, L->out) != b.n)
        rc = -1;
    if (rc || ferror(L->out))
        out_error(L);
    buf_free(&b);
    buf_free(&media);
}

/* Calls held by the store (not emitted): O(1).  Exact when called right
 * after anything that can emit or rebuild (rebuilds come last in those). */
static size_t held_calls(struct live *L)
{
    struct store *s = &L->pl.store;
    if (s->rebuilds != L->rb_seen) {
        L->rb_seen = s->rebuilds;
        L->emitted_base = s->calls_emitted;
    }
    uint64_t flushed = s->calls_emitted - L->emitted_base;
    return s->ncalls > flushed ? s->ncalls - (size_t)flushed : 0;
}

static void check_cap(struct live *L)
{
    size_t cap = L->lim.open_calls;
    if (held_calls(L) <= cap)
        return;
    L->mode = LIVE_END_SHED;
    size_t fin = 0;
    size_t shed = live_shed(&L->pl.store, cap, live_emit, L, &fin);
    L->mode = LIVE_END_IDLE;
    L->shed_events++;
    L->shed_calls += shed;
    live_compact(&L->pl.store);
    held_calls(L);
}

/* ---- reopen (SIGHUP) ------------------------------------------------------------- */

static int open_out(struct live *L, const char *mode)
{
    if (!L->outpath || strcmp(L->outpath, "-") == 0) {
        L->out = stdout;
    } else {
        L->out = fopen(L->outpath, mode);
        if (!L->out) {
            fprintf(stderr, "sipladder: live: %s: cannot write: %s\n", L->outpath, strerror(errno));
            L->out = NULL;
            return -1;
        }
    }
    struct stat st;
    if (fstat(fileno(L->out), &st) == 0) {
        L->out_dev = st.st_dev;
        L->out_ino = st.st_ino;
    }
    L->out_tty = isatty(fileno(L->out));
    return 0;
}

static void reopen(struct live *L)
{
    if (L->out && L->out != stdout) {
        struct stat st;
        if (!(stat(L->outpath, &st) == 0 && st.st_dev == L->out_dev && st.st_ino == L->out_ino)) {
            if (fclose(L->out) != 0)
                out_error(L);
            if (open_out(L, "a") != 0) {
                L->out = fopen("/dev/null", "w"); /* keep running; the failure was said */
                L->werr = 1;
            }
        }
    }
    if (L->ring_on)
        pcapring_reopen(&L->ring, L->vnow);
    if (L->verbosity)
        fprintf(stderr, "sipladder: live: SIGHUP: output files reopened\n");
}

/* ---- status line ------------------------------------------------------------------ */

static uint64_t sip_messages(const struct pipeline *pl)
{
    return pl->sip_candidates + pl->ss.messages + pl->sctp_messages;
}

static void total_stats(struct live *L, struct capture_live_stats *tot)
{
    memset(tot, 0, sizeof(*tot));
    if (!L->cl)
        return;
    for (int i = 0; i < capture_live_count(L->cl); i++) {
        struct capture_live_stats st;
        capture_live_stats(L->cl, i, &st);
        tot->recv += st.recv;
        tot->drop += st.drop;
        tot->ifdrop += st.ifdrop;
        tot->ok |= st.ok;
    }
}

static void status_line(struct live *L, int64_t mono)
{
    double dt = L->last_status_wall ? (double)(mono - L->last_status_wall) / 1e9 : 0;
    uint64_t msgs = sip_messages(&L->pl);
    struct capture_live_stats tot;
    total_stats(L, &tot);
    char line[512];
    int n = snprintf(line, sizeof line, "live %llus: %zu open, %llu done, %.0f msg/s",
                     (unsigned long long)((mono - L->start_wall) / 1000000000LL), held_calls(L),
                     (unsigned long long)L->emitted, dt > 0 ? (double)(msgs - L->last_msgs) / dt : 0.0);
    if (tot.ok && n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, " | recv %llu (+%llu) drop %llu (+%llu) ifdrop %llu (+%llu)",
                      (unsigned long long)tot.recv, (unsigned long long)(tot.recv - L->last_tot.recv),
                      (unsigned long long)tot.drop, (unsigned long long)(tot.drop - L->last_tot.drop),
                      (unsigned long long)tot.ifdrop, (unsigned long long)(tot.ifdrop - L->last_tot.ifdrop));
    if (L->shed_calls && n > 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - (size_t)n, " | shed %llu", (unsigned long long)L->shed_calls);
    if (isatty(STDERR_FILENO)) {
        fprintf(stderr, "\r%s\033[K", line);
        L->status_drawn = 1;
    } else {
        fprintf(stderr, "sipladder: %s\n", line);
    }
    fflush(stderr);
    L->last_msgs = msgs;
    L->last_tot = tot;
    L->last_status_wall = mono;
}

/* ---- the loop ------------------------------------------------------------------- */

/* Once a second (and when idle): sweep, rotation, status, SIGHUP. */
static void tick(struct live *L)
{
    if (g_hup) {
        g_hup = 0;
        status_clear(L);
        reopen(L);
    }
    if (L->cl && L->vnow + 2 * TICK_NS < L->next_sweep) {
        /* the wall clock went back (NTP step): sweep on the new time */
        L->next_sweep = L->vnow;
        L->pl.stream.next_sweep = L->vnow;
    }
    if (L->vnow >= L->next_sweep) {
        L->mode = LIVE_END_IDLE;
        store_sweep(&L->pl.store, L->vnow, L->pl.stream.linger_ns, L->pl.stream.idle_ns, live_emit, L);
        held_calls(L);
        live_compact(&L->pl.store);
        held_calls(L);
        L->next_sweep = L->vnow + TICK_NS;
        if (L->ring_on)
            pcapring_tick(&L->ring, L->vnow);
        if (L->ring_on)
            pcapring_flush(&L->ring);
    }
    int64_t mono = mono_ns();
    if (L->status_on && mono >= L->next_status_wall) {
        status_line(L, mono);
        L->next_status_wall = mono + (int64_t)(L->status_iv * 1e9);
    }
}

static void on_frame(void *ctx, const struct frame *f)
{
    struct live *L = ctx;
    if (L->done)
        return;
    L->frames++;
    L->diag.file = L->cl ? capture_live_name(L->cl, (int)f->file) : L->replay;
    L->diag.frame = f->no;
    if (L->ring_on)
        pcapring_write(&L->ring, f, L->cl ? L->vnow : f->ts);
    pipeline_frame(&L->pl, f);
    if (held_calls(L) > L->lim.open_calls)
        check_cap(L);
    if (L->max_frames && L->frames >= L->max_frames) {
        L->done = 1;
        if (L->cl)
            capture_live_breakloop(L->cl);
    }
}

static int run_live(struct live *L)
{
    while (!g_stop && !L->done) {
        int64_t mono = mono_ns();
        int64_t until = L->next_sweep - L->vnow;
        if (L->status_on && L->next_status_wall - mono < until)
            until = L->next_status_wall - mono;
        int tmo = until <= 0 ? 0 : until / 1000000 + 1 > POLL_MAX_MS ? POLL_MAX_MS : (int)(until / 1000000 + 1);
        int rc = capture_live_poll(L->cl, tmo, BATCH, on_frame, L);
        L->vnow = wall_ns();
        if (rc == CAPTURE_LIVE_BROKEN)
            break;
        if (rc < 0) {
            L->failed = 1;
            break;
        }
        if (rc > 0 && fflush(L->out) != 0)
            out_error(L);
        tick(L);
    }
    return 0;
}

/* --replay / --realtime -r: frames from capture_run(). */
static void on_replay_frame(void *ctx, const struct frame *f)
{
    struct live *L = ctx;
    if (L->realtime) {
        if (!L->wall0) {
            L->wall0 = mono_ns();
            L->first_ts = f->ts;
        }
        for (;;) {
            int64_t now = mono_ns();
            L->vnow = L->first_ts + (now - L->wall0);
            int64_t due = L->wall0 + (f->ts - L->first_ts);
            if (now >= due || g_stop)
                break;
            int64_t nap = due - now;
            if (nap > (int64_t)POLL_MAX_MS * 1000000)
                nap = (int64_t)POLL_MAX_MS * 1000000;
            if (fflush(L->out) != 0)
                out_error(L);
            struct timespec ts = {(time_t)(nap / 1000000000LL), (long)(nap % 1000000000LL)};
            nanosleep(&ts, NULL); /* EINTR: SIGINT, looked at above */
            tick(L);
        }
        if (g_stop)
            return; /* capture_run() stops before the next frame */
    } else if (f->ts > L->vnow) {
        L->vnow = f->ts;
    }
    on_frame(L, f);
    if (L->done)
        g_stop = 1; /* -c: capture_run() stops */
    tick(L);
}

static int run_replay(struct live *L)
{
    struct capture_opts co = {.filter = L->copts.filter, .stop = &g_stop};
    struct capture_input in = {.name = L->replay};
    struct capture_file_info *info = xcalloc(1, sizeof(*info));
    L->r.files = info;
    L->r.nfiles = 1;
    int failed = capture_run(&in, 1, &co, &L->diag, info, on_replay_frame, L);
    L->diag.file = NULL;
    if (failed)
        L->failed = 1;
    return 0;
}

/* ---- summary -------------------------------------------------------------------- */

static void final_summary(struct live *L, double secs)
{
    const char *why = g_sig == SIGINT ? "SIGINT" : g_sig == SIGTERM ? "SIGTERM" : L->done ? "-c count reached"
                      : L->failed ? "capture error" : L->werr && g_stop ? "output closed" : "end of input";
    fprintf(stderr,
            "sipladder: live: stopped (%s) after %.1f s: %llu frames, %llu SIP messages, %llu calls: %llu finished, "
            "%llu idle timeout, %llu shed (open-calls cap), %llu in progress at stop\n",
            why, secs, (unsigned long long)L->frames, (unsigned long long)sip_messages(&L->pl),
            (unsigned long long)L->emitted, (unsigned long long)L->by_end[LIVE_END_FINAL],
            (unsigned long long)L->by_end[LIVE_END_IDLE], (unsigned long long)L->by_end[LIVE_END_SHED],
            (unsigned long long)L->by_end[LIVE_END_STOP]);
    if (L->cl) {
        for (int i = 0; i < capture_live_count(L->cl); i++) {
            struct capture_live_stats st;
            capture_live_stats(L->cl, i, &st);
            if (st.ok)
                fprintf(stderr, "sipladder: live: %s: %llu packets received by filter, %llu dropped by kernel, %llu "
                                "dropped by interface%s\n", capture_live_name(L->cl, i), (unsigned long long)st.recv,
                        (unsigned long long)st.drop, (unsigned long long)st.ifdrop,
                        st.drop ? " (the kernel buffer overflowed: raise -B, narrow -f, or use --no-immediate)" : "");
            else
                fprintf(stderr, "sipladder: live: %s: kernel packet counters not available\n",
                        capture_live_name(L->cl, i));
        }
    }
    if (L->shed_events)
        fprintf(stderr, "sipladder: live: the open-calls limit (%u) was reached %llu times: %llu open calls shed, "
                        "oldest activity first (raise it with --limit open-calls=N)\n", L->lim.open_calls,
                (unsigned long long)L->shed_events, (unsigned long long)L->shed_calls);
    if (L->outdir)
        fprintf(stderr, "sipladder: live: --out-dir %s: %llu calls saved (%llu files)%s\n", L->outdir,
                (unsigned long long)L->saved_calls, (unsigned long long)L->saved_files,
                L->save_errors ? ", with write errors" : "");
    if (L->ring_on)
        fprintf(stderr, "sipladder: live: -w %s: %llu packets in %llu file%s\n", L->wopts.path,
                (unsigned long long)L->ring.frames, (unsigned long long)L->ring.files_written,
                L->ring.files_written == 1 ? "" : "s");
    const struct diag *d = &L->diag;
    if (d->nlimit) {
        fprintf(stderr, "sipladder: live: limits hit:");
        for (unsigned k = 0; k < d->nlimit; k++)
            fprintf(stderr, " %s %llu", d->limit[k].name, (unsigned long long)d->limit[k].hits);
        fputc('\n', stderr);
    }
}

/* ---- options ------------------------------------------------------------------------ */

static int parse_secs(const char *opt, const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || !(d >= 0 && d <= 1e7) || (*end && strcmp(end, "s") != 0)) {
        fprintf(stderr, "sipladder: live: %s wants seconds, e.g. 5 or 2.5s, not '%s'\n", opt, v);
        return -1;
    }
    *out = d;
    return 0;
}

static int parse_u64(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || *v == '-' || n < min || n > max) {
        fprintf(stderr, "sipladder: live: %s wants a number from %llu to %llu, not '%s'\n", opt,
                (unsigned long long)min, (unsigned long long)max, v);
        return -1;
    }
    *out = n;
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *q = p + 1; *q && rc == 0; q++) {
        if (*q != '/')
            continue;
        *q = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            rc = -1;
        *q = '/';
    }
    if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

static int open_outdir(struct live *L)
{
    if (make_dirs(L->outdir) != 0) {
        fprintf(stderr, "sipladder: live: --out-dir %s: cannot create: %s\n", L->outdir, strerror(errno));
        return -1;
    }
    L->dirfd = open(L->outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (L->dirfd < 0) {
        fprintf(stderr, "sipladder: live: --out-dir %s: %s\n", L->outdir,
                errno == ENOTDIR ? "not a directory" : strerror(errno));
        return -1;
    }
    if (faccessat(L->dirfd, ".", W_OK, 0) != 0) {
        fprintf(stderr, "sipladder: live: --out-dir %s: not writable%s: %s\n", L->outdir,
                L->user ? " by the -Z user" : "", strerror(errno));
        return -1;
    }
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll() and nanosleep() return at once */
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL); /* a closed pipe is a write error, said once */
}

int live_main(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"format", required_argument, NULL, LO_FORMAT},
        {"out-dir", required_argument, NULL, LO_OUTDIR},
        {"keep", required_argument, NULL, LO_KEEP},
        {"status-interval", required_argument, NULL, LO_STATUS_IV},
        {"status", no_argument, NULL, LO_STATUS},
        {"linger", required_argument, NULL, LO_LINGER},
        {"idle-timeout", required_argument, NULL, LO_IDLE},
        {"limit", required_argument, NULL, LO_LIMIT},
        {"replay", required_argument, NULL, LO_REPLAY},
        {"realtime", no_argument, NULL, LO_REALTIME},
        {"no-immediate", no_argument, NULL, LO_NO_IMMEDIATE},
        {"alias", required_argument, NULL, LO_ALIAS},
        {"alias-file", required_argument, NULL, LO_ALIAS_FILE},
        {"color", required_argument, NULL, LO_COLOR},
        {"colour", required_argument, NULL, LO_COLOR},
        {"no-summary", no_argument, NULL, LO_NO_SUMMARY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct live Lst; /* large; one per process */
    struct live *L = &Lst;
    memset(L, 0, sizeof(*L));
    struct limits lim0 = LIMITS_DEFAULT_INIT;
    L->lim = lim0;
    L->copts.promisc = 1;
    L->copts.immediate = 1;
    L->status_iv = 1;
    L->linger_s = 5;
    L->idle_s = 3600;
    L->verbosity = 1;
    L->summary = 1;
    L->color = -1;
    L->dirfd = -1;
    int list = 0;
    char err[512];
    uint64_t v;

    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "i:Df:s:pB:c:Z:r:o:w:C:G:W:qvh", lopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            L->ifaces = xgrow(L->ifaces, &L->cap_ifaces, L->nifaces + 1, sizeof(*L->ifaces));
            L->ifaces[L->nifaces++] = optarg;
            break;
        case 'D':
            list = 1;
            break;
        case 'f':
            L->copts.filter = optarg;
            break;
        case 's':
            if (parse_u64("-s", optarg, 64, 262144, &v)) /* tcpdump's maximum */
                return L_EXIT_USAGE;
            L->copts.snaplen = (int)v;
            break;
        case 'p':
            L->copts.promisc = 0;
            break;
        case 'B':
            if (parse_u64("-B", optarg, 1, 4u << 20, &v))
                return L_EXIT_USAGE;
            L->copts.buffer_kib = (int)v;
            break;
        case 'c':
            if (parse_u64("-c", optarg, 1, UINT64_MAX, &L->max_frames))
                return L_EXIT_USAGE;
            break;
        case 'Z':
            L->user = optarg;
            break;
        case 'r':
        case LO_REPLAY:
            L->replay = optarg;
            break;
        case LO_REALTIME:
            L->realtime = 1;
            break;
        case 'o':
            L->outpath = optarg;
            break;
        case 'w':
            L->wopts.path = optarg;
            break;
        case 'C':
            if (parse_u64("-C", optarg, 1, 1000000, &v))
                return L_EXIT_USAGE;
            L->wopts.size_bytes = v * 1000000ULL;
            break;
        case 'G':
            if (parse_u64("-G", optarg, 1, 100000000, &v))
                return L_EXIT_USAGE;
            L->wopts.secs = (int64_t)v;
            break;
        case 'W':
            if (parse_u64("-W", optarg, 1, 1000000, &v))
                return L_EXIT_USAGE;
            L->wopts.count = (uint32_t)v;
            break;
        case 'q':
            L->verbosity = 0;
            break;
        case 'v':
            L->verbosity = 2;
            break;
        case 'h':
            live_usage(stdout);
            return L_EXIT_OK;
        case LO_FORMAT:
            if (!strcmp(optarg, "line") || !strcmp(optarg, "text"))
                L->fmt = LF_LINE;
            else if (!strcmp(optarg, "ladder"))
                L->fmt = LF_LADDER;
            else if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
                L->fmt = LF_JSONL;
            else {
                fprintf(stderr, "sipladder: live: unknown format '%s' (line, ladder or jsonl)\n", optarg);
                return L_EXIT_USAGE;
            }
            break;
        case LO_OUTDIR:
            L->outdir = optarg;
            break;
        case LO_KEEP:
            if (keep_parse(&L->keep, optarg, err, sizeof err) != 0) {
                fprintf(stderr, "sipladder: live: --keep: %s\n", err);
                return L_EXIT_USAGE;
            }
            break;
        case LO_STATUS_IV:
            if (parse_secs("--status-interval", optarg, &L->status_iv))
                return L_EXIT_USAGE;
            L->status_set = 1;
            break;
        case LO_STATUS:
            L->status_force = 1;
            break;
        case LO_LINGER:
            if (parse_secs("--linger", optarg, &L->linger_s))
                return L_EXIT_USAGE;
            break;
        case LO_IDLE:
            if (parse_secs("--idle-timeout", optarg, &L->idle_s))
                return L_EXIT_USAGE;
            break;
        case LO_LIMIT:
            if (limits_set(&L->lim, optarg) != 0) {
                fprintf(stderr, "sipladder: live: bad --limit '%s' (NAME=positive number; see sipladder(1))\n", optarg);
                return L_EXIT_USAGE;
            }
            break;
        case LO_NO_IMMEDIATE:
            L->copts.immediate = 0;
            break;
        case LO_ALIAS:
            if (alias_add(&L->aliases, optarg) != 0) {
                fprintf(stderr, "sipladder: live: bad --alias '%s' (expected IP[:PORT]=NAME)\n", optarg);
                return L_EXIT_USAGE;
            }
            break;
        case LO_ALIAS_FILE:
            if (alias_load_file(&L->aliases, optarg) != 0)
                return L_EXIT_USAGE;
            break;
        case LO_COLOR:
            if (!strcmp(optarg, "auto"))
                L->color = -1;
            else if (!strcmp(optarg, "always"))
                L->color = 1;
            else if (!strcmp(optarg, "never"))
                L->color = 0;
            else {
                fprintf(stderr, "sipladder: live: --color wants auto, always or never\n");
                return L_EXIT_USAGE;
            }
            break;
        case LO_NO_SUMMARY:
            L->summary = 0;
            break;
        default:
            fprintf(stderr, "Try 'sipladder live --help'.\n");
            return L_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sipladder: live: unexpected argument '%s' (interfaces are given with -i, files with -r)\n",
                argv[optind]);
        return L_EXIT_USAGE;
    }
    if (list)
        return capture_list_interfaces(stdout) == 0 ? L_EXIT_OK : L_EXIT_FAIL;
    if (!L->nifaces && !L->replay) {
        fprintf(stderr, "sipladder: live: give an interface with -i (sipladder live -D lists them), or a file with "
                        "--replay FILE\n");
        return L_EXIT_USAGE;
    }
    if (L->nifaces && L->replay) {
        fprintf(stderr, "sipladder: live: -i and --replay/-r do not go together\n");
        return L_EXIT_USAGE;
    }
    if (L->realtime && !L->replay) {
        fprintf(stderr, "sipladder: live: --realtime needs a file (-r FILE)\n");
        return L_EXIT_USAGE;
    }
    if ((L->wopts.size_bytes || L->wopts.secs || L->wopts.count) && !L->wopts.path) {
        fprintf(stderr, "sipladder: live: -C, -G and -W go with -w FILE\n");
        return L_EXIT_USAGE;
    }
    if (L->wopts.count && !L->wopts.size_bytes && !L->wopts.secs) {
        fprintf(stderr, "sipladder: live: -W needs -C or -G (what makes a new file)\n");
        return L_EXIT_USAGE;
    }
    if (L->wopts.path && !strcmp(L->wopts.path, "-") && (L->wopts.size_bytes || L->wopts.secs)) {
        fprintf(stderr, "sipladder: live: -w - (stdout) cannot rotate\n");
        return L_EXIT_USAGE;
    }
    if (L->wopts.path && !strcmp(L->wopts.path, "-") && (!L->outpath || !strcmp(L->outpath, "-"))) {
        fprintf(stderr, "sipladder: live: -w - and the call lines cannot both go to stdout (use -o FILE)\n");
        return L_EXIT_USAGE;
    }
    if (L->keep.n && !L->outdir) {
        fprintf(stderr, "sipladder: live: --keep chooses the calls saved by --out-dir DIR; give --out-dir\n");
        return L_EXIT_USAGE;
    }
    if (L->keep.needs_media && L->copts.filter)
        fprintf(stderr, "sipladder: live: note: --keep one-way judges the RTP of answered calls: the filter '%s' "
                        "must let it through (an answered call without RTP counts as one-way, \"no media\")\n",
                L->copts.filter);

    for (size_t i = 0; i < L->nifaces; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(L->ifaces[i], L->ifaces[j])) {
                fprintf(stderr, "sipladder: live: interface '%s' given twice\n", L->ifaces[i]);
                return L_EXIT_USAGE;
            }
    /* capture first (needs privileges), then drop them, then open files as that user */
    if (L->nifaces) {
        L->copts.ifaces = L->ifaces;
        L->copts.nifaces = (int)L->nifaces;
        L->cl = capture_live_open(&L->copts);
        if (!L->cl) {
            free(L->ifaces);
            return L_EXIT_FAIL;
        }
    }
    int zrc = L->user ? live_drop_privileges(L->user, err, sizeof err) : 0;
    if (zrc != 0) {
        fprintf(stderr, "sipladder: live: %s\n", err);
        capture_live_close(L->cl);
        free(L->ifaces);
        return zrc == -1 ? L_EXIT_USAGE : L_EXIT_FAIL;
    }
    int rc = L_EXIT_OK;
    if (open_out(L, "w") != 0) {
        capture_live_close(L->cl);
        free(L->ifaces);
        return L_EXIT_FAIL;
    }
    if (L->outdir && open_outdir(L) != 0) {
        capture_live_close(L->cl);
        free(L->ifaces);
        return L_EXIT_FAIL;
    }
    int64_t now = wall_ns();
    if (L->wopts.path) {
        int dlt = 1;
        uint32_t snap = L->copts.snaplen > 0 ? (uint32_t)L->copts.snaplen : CAPTURE_LIVE_SNAPLEN;
        if (L->cl) {
            dlt = capture_live_dlt(L->cl, 0);
            for (int i = 1; i < capture_live_count(L->cl); i++)
                if (capture_live_dlt(L->cl, i) != dlt) {
                    fprintf(stderr, "sipladder: live: -w: '%s' (%s) and '%s' (%s) have different link types, and a "
                                    "pcap file holds one; capture them with -i any, or run one sipladder each\n",
                            capture_live_name(L->cl, 0), capture_live_dlt_name(L->cl, 0), capture_live_name(L->cl, i),
                            capture_live_dlt_name(L->cl, i));
                    capture_live_close(L->cl);
                    free(L->ifaces);
                    return L_EXIT_USAGE;
                }
        } else {
            fprintf(stderr, "sipladder: live: -w is for live capture (the file is already a capture)\n");
            return L_EXIT_USAGE;
        }
        if (pcapring_open(&L->ring, &L->wopts, dlt, snap, now) != 0) {
            capture_live_close(L->cl);
            free(L->ifaces);
            return L_EXIT_FAIL;
        }
        L->ring_on = 1;
    }

    diag_init(&L->diag, L->verbosity);
    pipeline_init(&L->pl, &L->lim, &L->diag);
    L->pl.store.keep_raw = L->outdir != NULL;
    L->pl.stream.on = 1;
    L->pl.stream.linger_ns = (int64_t)(L->linger_s * 1e9);
    L->pl.stream.idle_ns = (int64_t)(L->idle_s * 1e9);
    L->pl.stream.emit = live_emit;
    L->pl.stream.ctx = L;
    L->mode = LIVE_END_IDLE;
    if (L->color < 0) {
        const char *nc = getenv("NO_COLOR");
        L->color = L->fmt == LF_LADDER && L->out_tty && !(nc && *nc);
    }
    L->r = (struct render_ctx){
        .pl = &L->pl, .s = &L->pl.store, .aliases = &L->aliases, .out = L->out, .color = L->color,
    };
    L->status_on = L->status_iv > 0 && (L->status_force || isatty(STDERR_FILENO));

    install_signals();
    L->vnow = L->cl ? now : 0;
    L->next_sweep = L->vnow + TICK_NS;
    L->start_wall = mono_ns();
    L->next_status_wall = L->start_wall + (int64_t)(L->status_iv * 1e9);
    if (L->cl) {
        for (int i = 0; i < capture_live_count(L->cl); i++)
            fprintf(stderr, "sipladder: listening on %s, link-type %s (%s), snapshot length %d bytes%s\n",
                    capture_live_name(L->cl, i), capture_live_dlt_name(L->cl, i), capture_live_dlt_descr(L->cl, i),
                    capture_live_snaplen(L->cl, i), L->copts.filter ? ", filtered" : "");
        fflush(stderr);
        g_cl = L->cl;
        run_live(L);
        g_cl = NULL;
    } else {
        fprintf(stderr, "sipladder: replaying %s %s\n", L->replay, L->realtime ? "at its own pace" : "as fast as possible");
        fflush(stderr);
        L->next_sweep = 0;
        run_replay(L);
    }

    /* stop: every call still open is printed as in progress at stop */
    status_clear(L);
    L->mode = LIVE_END_STOP;
    pipeline_finish(&L->pl);
    if (fflush(L->out) != 0 || ferror(L->out))
        out_error(L);
    double secs = (double)(mono_ns() - L->start_wall) / 1e9;
    if (L->summary)
        final_summary(L, secs);
    if (L->ring_on && pcapring_close(&L->ring) != 0)
        rc = L_EXIT_FAIL;
    if (L->out != stdout && fclose(L->out) != 0)
        out_error(L);
    if (L->werr || L->failed || L->save_errors)
        rc = L_EXIT_FAIL;
    capture_live_close(L->cl);
    pipeline_fini(&L->pl);
    if (L->dirfd >= 0)
        close(L->dirfd);
    free((void *)L->r.files);
    keep_free(&L->keep);
    alias_free(&L->aliases);
    free(L->ifaces);
    return rc;
}
