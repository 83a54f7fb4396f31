/*
 * live.h - the parts of `sipladder live` (doc/live.md) that are not
 * command line or rendering: what a finished call looks like in one line
 * (state, final code, Reason/cause, PDD, duration), the --keep rules that
 * choose which calls get files in --out-dir, safe file names built from
 * hostile Call-IDs, a call's own pcap, the open-call cap (shedding the
 * oldest), and dropping privileges (-Z).
 *
 * The capture side is src/capture.h (capture_live_*), the streaming side
 * src/store.h (store_sweep / store_flush_all); src/live_cli.c wires them.
 */
#ifndef SIPLADDER_SRC_LIVE_H
#define SIPLADDER_SRC_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/buf.h"
#include "src/store.h"

/* Why a call was emitted. */
enum live_end {
    LIVE_END_FINAL = 0,   /* reached a final state (and lingered --linger seconds) */
    LIVE_END_IDLE,        /* open, quiet for --idle-timeout: emitted as not_finished, "expired" */
    LIVE_END_SHED,        /* open-calls cap: shed (oldest first) as not_finished */
    LIVE_END_STOP,        /* still open at stop (SIGINT/SIGTERM, end of --replay): "in progress at stop" */
};
const char *live_end_name(enum live_end e); /* "final", "idle_timeout", "shed", "stopped" */

/* One finished call, summarised.  Times are ns; -1 = not applicable. */
struct live_call_info {
    int64_t start, last;        /* first and last message */
    uint8_t state, progress;    /* enum call_state */
    uint8_t answered;           /* a 2xx to the INVITE was seen */
    uint8_t is_invite;
    uint16_t final_code;        /* 0 = none */
    int q850_cause;             /* from a Reason header "Q.850;cause=N", -1 = none */
    int64_t pdd, setup, duration;
    enum live_end end;
    /* the first Reason header value of the final response, BYE or CANCEL
     * (as written, not escaped: escape before printing), or empty */
    char reason[160];
    char phrase[48];            /* reason phrase of the final response (as written), or empty */
    /* media (live_call_media): codecs, worst loss and MOS estimate, one-way verdict */
    char media[128];            /* summary text, or empty when the call had no media state */
    uint8_t one_way;            /* answered, media in one direction only (or none), not negotiated so */
};

void live_call_info(const struct store *s, const struct call *c, enum live_end end, struct live_call_info *ci);

struct media;
/* Fill ci->media and ci->one_way from the media analysis (src/media.h):
 * "PCMU,telephone-event 2 streams loss 0.0% MOS 4.4", with "one-way: only
 * to the callee" / "no media" for an answered call whose RTP did not flow
 * both ways (", as negotiated" when the SDP asked for it). */
void live_call_media(const struct media *md, const struct call *c, struct live_call_info *ci);

/* Parse "Q.850;cause=16;text=..." (several values separated by commas):
 * the Q.850 cause number, or -1. */
int live_q850_cause(const char *reason, size_t n);

/* ---- --keep rules -------------------------------------------------------- *
 *
 *   all                every call
 *   failed             rejected, busy or failed (a 4xx/5xx/6xx final other
 *                      than 487), or an INVITE that expired/was shed/stopped
 *                      before any answer
 *   answered           a 2xx was seen (completed, or in_call at the end)
 *   cancelled          ended by CANCEL / 487
 *   incomplete         emitted without a final state (idle timeout, shed, stop)
 *   state=NAME         the JSON state name (completed, busy, ...)
 *   code=NNN|Nxx       final status code, or its class
 *   cause=N            Q.850 cause in a Reason header
 *   pdd>MS             post-dial delay above MS milliseconds ("ms" or "s" suffix allowed)
 *   duration>S, duration<S   answered-call duration in seconds (suffix "s" or "ms")
 *   one-way            an answered call whose RTP flowed one way only (or not
 *                      at all) although the SDP did not ask for it
 *
 * Rules are OR-ed; one --keep may hold several, comma-separated.
 */
enum keep_kind {
    KEEP_ALL = 1, KEEP_FAILED, KEEP_ANSWERED, KEEP_CANCELLED, KEEP_INCOMPLETE, KEEP_STATE, KEEP_CODE,
    KEEP_CODE_CLASS, KEEP_CAUSE, KEEP_PDD_GT, KEEP_DUR_GT, KEEP_DUR_LT, KEEP_ONE_WAY,
};

struct keep_rule {
    enum keep_kind kind;
    int64_t v; /* code, class digit, cause, state, or a time in ns */
};

struct keep_rules {
    struct keep_rule *r;
    size_t n, cap;
    int needs_media; /* a rule needs media analysis (one-way): capture RTP too */
};

/* Add the rules in `spec` (comma-separated).  Returns 0, or -1 with a
 * message in err. */
int keep_parse(struct keep_rules *k, const char *spec, char *err, size_t errlen);
/* Does the call match any rule?  (No rules: every call matches.) */
int keep_match(const struct keep_rules *k, const struct live_call_info *ci);
void keep_free(struct keep_rules *k);

/* ---- file names ------------------------------------------------------------ *
 *
 * "YYYYmmdd-HHMMSS.mmm-<16 hex digits>-<short>": the call's start (UTC), a
 * 64-bit FNV-1a hash of the whole Call-ID (two Call-IDs with the same
 * short form get different names), and at most LIVE_NAME_SHORT bytes of
 * the Call-ID where every byte outside [A-Za-z0-9_.@+=-] (and any '.' that
 * would start a "..") becomes '_'.  The result never contains '/', NUL,
 * control bytes or "..", never starts with '.' or '-', and is at most
 * LIVE_NAME_MAX bytes: it cannot leave the output directory.  The
 * extension (".txt", ".pcap", ".json") is added by the caller.
 */
#define LIVE_NAME_SHORT 40
#define LIVE_NAME_MAX 96
char *live_call_filename(char *buf, size_t n, int64_t start_ns, const uint8_t *call_id, size_t len);

/* Write the call's messages as a pcap on fd (taken over and closed): the
 * kept raw frames (msg.raw), and a synthesized frame for each message
 * without one (TCP/WebSocket, reassembled; see pcapwrite.h).  Returns the
 * number of frames written, or -1 on a write error (errno set). */
long live_write_call_pcap(const struct store *s, const struct call *c, int fd);

/* ---- open-call cap ------------------------------------------------------------- */

/* Calls held by the store and not emitted yet. */
size_t live_open_calls(const struct store *s);

/*
 * The open-calls cap (limit open-calls).  Rule: when more than `cap` calls
 * are held, calls are emitted until 90% of the cap remain: first calls
 * already in a final state (they were only lingering), then open calls
 * by least recent activity (oldest last message first; ties by Call-ID
 * creation order).  Shed open calls are emitted as not_finished with
 * their progress.  `emit` receives each; final ones are reported as such
 * by the caller (their state is final).  Returns the number of open
 * (non-final) calls shed.
 */
size_t live_shed(struct store *s, size_t cap, void (*emit)(void *ctx, const struct store *s, const struct call *c),
                 void *ctx, size_t *final_emitted);

/* After sweeps and sheds: rebuild the store when emitted calls or
 * uncorrelated messages hold most of it, and give freed memory back to
 * the system.  Returns 1 if it rebuilt. */
int live_compact(struct store *s);

/* ---- privileges ------------------------------------------------------------------ */

/* -Z USER: supplementary groups, gid, uid of USER, then verify (uid/gid
 * changed, setuid(0) fails).  Returns 0; -1 when there is no such user (a
 * usage error), -2 when the change failed; with a sentence in err. */
int live_drop_privileges(const char *user, char *err, size_t errlen);

/* ---- media (hook) ------------------------------------------------------------------- *
 * When `live_media_summary` is set, its text replaces live_call_media()'s
 * in the call line ("media ...") and in JSON (live.media). */
typedef int (*live_media_fn)(void *ctx, const struct store *s, const struct call *c, struct buf *out);
extern live_media_fn live_media_summary;
extern void *live_media_ctx;

#endif
