/*
 * main.c - the sipladder command line: options, wiring, exit codes.
 *
 *   sipladder [read] [options] FILE...
 *
 * Exit codes (doc/sipladder.1):
 *   0  success
 *   1  usage error (bad option or value)
 *   2  an input file could not be opened or read completely (the rest
 *      was still analysed and printed), or the output could not be written
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render/ladder.h"
#include "render/render.h"
#include "src/base/diag.h"
#include "src/base/limits.h"
#include "src/base/util.h"
#include "src/capture.h"
#include "src/pipeline.h"
#include "src/select.h"

#ifndef SIPLADDER_VERSION
#define SIPLADDER_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INPUT = 2 };

enum fmt { FMT_TEXT, FMT_JSON, FMT_LIST, FMT_DIAGRAM };

enum {
    OPT_FORMAT = 256, OPT_LIST, OPT_ALIAS, OPT_ALIAS_FILE, OPT_CALL_ID, OPT_USER, OPT_IP, OPT_METHOD, OPT_STATUS,
    OPT_SINCE, OPT_UNTIL, OPT_COLOR, OPT_LIMIT, OPT_VERSION, OPT_SHOW_MSGS, OPT_NO_SUMMARY, OPT_SUMMARY_JSON,
    OPT_STREAM, OPT_LINGER, OPT_IDLE,
};

/* diagram options (doc/diagrams.md) */
enum { OPT_GROUP = 400, OPT_MERGE_LANES, OPT_THEME, OPT_NO_TIME, OPT_COMPACT, OPT_REDACT, OPT_SCALE, OPT_DPI };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sipladder [read] [options] FILE...\n"
            "\n"
            "Read pcap/pcapng captures (\"-\" = stdin), decode SIP, group messages into\n"
            "transactions, dialogs and calls, and print each call as a ladder.\n"
            "\n"
            "Input:\n"
            "  -r FILE               read FILE (repeatable; same as a FILE argument)\n"
            "  -f FILTER             BPF capture filter, tcpdump syntax (e.g. 'udp port 5060')\n"
            "  -c COUNT              stop after COUNT frames\n"
            "Output:\n"
            "  -o FILE               write to FILE instead of stdout\n"
            "  --format text|json    output format (default text)\n"
            "  --list                one line per call\n"
            "  -m, --show-messages   text: print every message in full under its arrow\n"
            "  --summary             json: calls and diagnostics only, no per-message objects\n"
            "  --stream              emit each call as soon as it is finished and free it (text ladder, or\n"
            "                        with --format json one JSON object per line); memory stays flat\n"
            "  --linger S            --stream: quiet seconds after a final state before a call is emitted (5)\n"
            "  --idle-timeout S      --stream: an open call quiet this long is emitted as expired (3600)\n"
            "  --alias IP[:PORT]=NAME  name a lane (repeatable)\n"
            "  --alias-file FILE     aliases, one IP[:PORT]=NAME per line\n"
            "  --color auto|always|never  colours in the text ladder (default auto: tty and no NO_COLOR)\n"
            "Diagrams (doc/diagrams.md):\n"
            "  --format svg|png|pdf|mermaid|plantuml|html|layout\n"
            "  -o DIR/               one file per call in DIR (created; names from the Call-ID, sanitised)\n"
            "  --group               one ladder for all selected calls\n"
            "  --merge-lanes         one lane per IP address (all its ports)\n"
            "  --theme light|print   colours, or greyscale for print (default light)\n"
            "  --no-time             no time column\n"
            "  --compact             tighter spacing, no title\n"
            "  --redact-bodies       leave message bodies out of tooltips and details\n"
            "  --scale X, --dpi N    PNG size: X times 96 dpi, or N dpi\n"
            "Selecting calls (all given kinds must match; repeat an option for OR):\n"
            "  --call-id ID          exact Call-ID\n"
            "  --user USER, --number USER  user part of From, To or Request-URI\n"
            "  --ip ADDR[:PORT]      source or destination of any message\n"
            "  --method METHOD       any request with this method\n"
            "  --status CODE         any response with this code, or a class like 4xx\n"
            "  --since TIME, --until TIME  first message time; epoch seconds or 'YYYY-MM-DD HH:MM:SS' UTC\n"
            "Diagnostics and limits:\n"
            "  -q                    no per-event diagnostics and no summary on stderr\n"
            "  -v                    every diagnostic event (default: the first 5 of each kind)\n"
            "  --no-summary          no end-of-run summary on stderr\n"
            "  --limit NAME=VALUE    change a limit (see the man page; e.g. --limit calls=100000)\n"
            "  -h, --help            this help;  --version  the version\n"
            "\n"
            "Exit status: 0 ok, 1 usage error, 2 an input could not be read (fully) or output failed.\n");
}

/* --stream: each finished call is rendered as soon as the store emits it. */
struct stream_out {
    struct render_ctx *r;
    const struct filter *flt;
    enum fmt fmt;
    uint64_t n;
    int werr;
};

static void emit_call(void *ctx, const struct store *s, const struct call *c)
{
    struct stream_out *so = ctx;
    if (!select_call_matches(s, c, so->flt))
        return;
    so->r->s = s;
    int rc = so->fmt == FMT_JSON ? render_call_jsonl(so->r, c) : render_call_text(so->r, c, so->n);
    so->n++;
    if (rc)
        so->werr = 1;
}

int report_main(int argc, char **argv); /* src/report_cli.c */

static const char **push_str(const char **v, size_t *n, size_t *cap, const char *s)
{
    v = xgrow(v, cap, *n + 1, sizeof(*v));
    v[(*n)++] = s;
    return v;
}

int main(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"list", no_argument, NULL, OPT_LIST},
        {"alias", required_argument, NULL, OPT_ALIAS},
        {"alias-file", required_argument, NULL, OPT_ALIAS_FILE},
        {"call-id", required_argument, NULL, OPT_CALL_ID},
        {"user", required_argument, NULL, OPT_USER},
        {"number", required_argument, NULL, OPT_USER},
        {"ip", required_argument, NULL, OPT_IP},
        {"method", required_argument, NULL, OPT_METHOD},
        {"status", required_argument, NULL, OPT_STATUS},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"color", required_argument, NULL, OPT_COLOR},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"show-messages", no_argument, NULL, 'm'},
        {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
        {"group", no_argument, NULL, OPT_GROUP},
        {"merge-lanes", no_argument, NULL, OPT_MERGE_LANES},
        {"theme", required_argument, NULL, OPT_THEME},
        {"no-time", no_argument, NULL, OPT_NO_TIME},
        {"compact", no_argument, NULL, OPT_COMPACT},
        {"redact-bodies", no_argument, NULL, OPT_REDACT},
        {"scale", required_argument, NULL, OPT_SCALE},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"summary", no_argument, NULL, OPT_SUMMARY_JSON},
        {"stream", no_argument, NULL, OPT_STREAM},
        {"linger", required_argument, NULL, OPT_LINGER},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct filter flt;
    memset(&flt, 0, sizeof flt);
    struct alias_table aliases = {0};
    const char **files = NULL;
    size_t nfiles = 0, capfiles = 0;
    const char *outpath = NULL;
    struct capture_opts copts = {0};
    enum fmt fmt = FMT_TEXT;
    int color = -1, verbosity = 1, summary = 1, show_msgs = 0, summary_only = 0, stream = 0;
    double linger_s = 5, idle_s = 3600;
    struct diagram_opts dopt = {0};
    int rc = EXIT_OK;

    { int live_main(int, char **); if (argc > 1 && !strcmp(argv[1], "live")) return live_main(argc - 1, argv + 1); }
    /* subcommands */
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return report_main(argc - 1, argv + 1);
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "read") == 0)
        first = 2;
    optind = first;
    int c;
    while ((c = getopt_long(argc, argv, "r:f:c:o:qvmh", lopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            files = push_str(files, &nfiles, &capfiles, optarg);
            break;
        case 'f':
            copts.filter = optarg;
            break;
        case 'c': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || v == 0) {
                fprintf(stderr, "sipladder: -c wants a positive count, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            copts.max_frames = v;
            break;
        }
        case 'o':
            outpath = optarg;
            break;
        case 'q':
            verbosity = 0;
            summary = 0;
            break;
        case 'v':
            verbosity = 2;
            break;
        case 'm':
            show_msgs = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case OPT_VERSION:
            printf("sipladder %s\n", SIPLADDER_VERSION);
            return EXIT_OK;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") == 0)
                fmt = FMT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                fmt = FMT_JSON;
            else if (strcmp(optarg, "list") == 0)
                fmt = FMT_LIST;
            else if ((dopt.format = diagram_format_from(optarg)) != 0)
                fmt = FMT_DIAGRAM;
            else {
                fprintf(stderr, "sipladder: unknown format '%s' (text, json, list, svg, png, pdf, mermaid, plantuml, "
                                "html or layout)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_LIST:
            fmt = FMT_LIST;
            break;
        case OPT_ALIAS:
            if (alias_add(&aliases, optarg) != 0) {
                fprintf(stderr, "sipladder: bad --alias '%s' (expected IP[:PORT]=NAME)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_ALIAS_FILE:
            if (alias_load_file(&aliases, optarg) != 0)
                return EXIT_USAGE;
            break;
        case OPT_CALL_ID:
            flt.call_ids = push_str(flt.call_ids, &flt.ncall_ids, &flt.cap_call_ids, optarg);
            flt.active = 1;
            break;
        case OPT_USER:
            flt.users = push_str(flt.users, &flt.nusers, &flt.cap_users, optarg);
            flt.active = 1;
            break;
        case OPT_IP: {
            struct endpoint e;
            if (endpoint_parse(optarg, &e) != 0) {
                fprintf(stderr, "sipladder: bad --ip '%s' (expected ADDR or ADDR:PORT or [V6]:PORT)\n", optarg);
                return EXIT_USAGE;
            }
            flt.ips = xgrow(flt.ips, &flt.cap_ips, flt.nips + 1, sizeof(*flt.ips));
            flt.ips[flt.nips++] = e;
            flt.active = 1;
            break;
        }
        case OPT_METHOD:
            flt.methods = push_str(flt.methods, &flt.nmethods, &flt.cap_methods, optarg);
            flt.active = 1;
            break;
        case OPT_STATUS: {
            size_t l = strlen(optarg);
            int ok = l == 3 && optarg[0] >= '1' && optarg[0] <= '6';
            for (size_t i = 1; ok && i < 3; i++)
                ok = (optarg[i] >= '0' && optarg[i] <= '9') || optarg[i] == 'x' || optarg[i] == 'X';
            if (!ok) {
                fprintf(stderr, "sipladder: bad --status '%s' (expected a code like 486 or a class like 4xx)\n", optarg);
                return EXIT_USAGE;
            }
            flt.statuses = push_str(flt.statuses, &flt.nstatuses, &flt.cap_statuses, optarg);
            flt.active = 1;
            break;
        }
        case OPT_SINCE:
        case OPT_UNTIL: {
            int64_t t;
            if (filter_parse_time(optarg, &t) != 0) {
                fprintf(stderr, "sipladder: bad time '%s' (epoch seconds or 'YYYY-MM-DD HH:MM:SS' UTC)\n", optarg);
                return EXIT_USAGE;
            }
            if (c == OPT_SINCE)
                flt.since = t;
            else
                flt.until = t;
            flt.active = 1;
            break;
        }
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                color = -1;
            else if (strcmp(optarg, "always") == 0)
                color = 1;
            else if (strcmp(optarg, "never") == 0)
                color = 0;
            else {
                fprintf(stderr, "sipladder: --color wants auto, always or never\n");
                return EXIT_USAGE;
            }
            break;
        case OPT_LIMIT:
            if (limits_set(&lim, optarg) != 0) {
                fprintf(stderr, "sipladder: bad --limit '%s' (NAME=positive number; see sipladder(1))\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_NO_SUMMARY:
            summary = 0;
            break;
        case OPT_GROUP:
            dopt.group = 1;
            break;
        case OPT_MERGE_LANES:
            dopt.merge_lanes = 1;
            break;
        case OPT_THEME:
            if (strcmp(optarg, "light") != 0 && strcmp(optarg, "print") != 0) {
                fprintf(stderr, "sipladder: --theme wants light or print\n");
                return EXIT_USAGE;
            }
            dopt.theme = strcmp(optarg, "print") == 0;
            break;
        case OPT_NO_TIME:
            dopt.no_time = 1;
            break;
        case OPT_COMPACT:
            dopt.compact = 1;
            break;
        case OPT_REDACT:
            dopt.redact_bodies = 1;
            break;
        case OPT_SCALE:
        case OPT_DPI: {
            char *end;
            double v = strtod(optarg, &end);
            if (c == OPT_DPI)
                v /= 96.0;
            if (*end || end == optarg || !(v >= 0.1 && v <= 16)) {
                fprintf(stderr, "sipladder: bad --%s '%s' (scale 0.1 to 16, dpi 10 to 1536)\n",
                        c == OPT_DPI ? "dpi" : "scale", optarg);
                return EXIT_USAGE;
            }
            dopt.scale = v;
            break;
        }
        case OPT_SUMMARY_JSON:
            summary_only = 1;
            break;
        case OPT_STREAM:
            stream = 1;
            break;
        case OPT_LINGER:
        case OPT_IDLE: {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || v < 0 || v > 1e7 || (*end && strcmp(end, "s") != 0)) {
                fprintf(stderr, "sipladder: --%s wants seconds, e.g. 5 or 2.5s\n", c == OPT_LINGER ? "linger" : "idle-timeout");
                return EXIT_USAGE;
            }
            if (c == OPT_LINGER)
                linger_s = v;
            else
                idle_s = v;
            break;
        }
        default:
            fprintf(stderr, "Try 'sipladder --help'.\n");
            return EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++)
        files = push_str(files, &nfiles, &capfiles, argv[i]);
    if (!nfiles) {
        fprintf(stderr, "sipladder: no input file (give a capture file, or - for stdin)\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    size_t nstdin = 0;
    for (size_t i = 0; i < nfiles; i++)
        nstdin += strcmp(files[i], "-") == 0;
    if (nstdin > 1) {
        fprintf(stderr, "sipladder: stdin (-) can be read only once\n");
        return EXIT_USAGE;
    }

    if (fmt == FMT_DIAGRAM && stream) {
        fprintf(stderr, "sipladder: --stream writes text or json; draw diagrams without it\n");
        return EXIT_USAGE;
    }
    FILE *out = stdout;
    if (fmt == FMT_DIAGRAM && diagram_path_is_dir(outpath))
        dopt.outdir = outpath; /* render_diagram() writes one file per call there */
    else if (outpath && strcmp(outpath, "-") != 0) {
        out = fopen(outpath, "w");
        if (!out) {
            fprintf(stderr, "sipladder: %s: cannot write: %s\n", outpath, strerror(errno));
            return EXIT_INPUT;
        }
    }
    if (color < 0) {
        const char *nc = getenv("NO_COLOR");
        color = out == stdout && isatty(fileno(stdout)) && !(nc && *nc);
    }

    struct diag diag;
    diag_init(&diag, verbosity);
    struct pipeline pl;
    pipeline_init(&pl, &lim, &diag);
    struct capture_file_info *info = xcalloc(nfiles, sizeof(*info));
    struct selection sel;
    memset(&sel, 0, sizeof sel);
    struct render_ctx r = {
        .pl = &pl, .s = &pl.store, .sel = NULL, .aliases = &aliases, .files = info, .nfiles = (int)nfiles,
        .out = out, .color = color, .show_msgs = show_msgs, .summary_only = summary_only,
    };
    r.diagram = dopt;
    struct stream_out so = {.r = &r, .flt = &flt, .fmt = fmt};
    if (stream) {
        pl.stream.on = 1;
        pl.stream.linger_ns = (int64_t)(linger_s * 1e9);
        pl.stream.idle_ns = (int64_t)(idle_s * 1e9);
        pl.stream.emit = emit_call;
        pl.stream.ctx = &so;
    }
    struct capture_input *inputs = xcalloc(nfiles, sizeof(*inputs));
    for (size_t i = 0; i < nfiles; i++)
        inputs[i].name = files[i];
    int failed = capture_run(inputs, (int)nfiles, &copts, &diag, info, pipeline_frame, &pl);
    free(inputs);
    if (failed)
        rc = EXIT_INPUT;
    pipeline_finish(&pl);

    if (!stream) /* streamed calls were rendered as they finished */
        select_calls(&pl.store, &flt, &sel);
    r.s = &pl.store;
    r.sel = &sel;
    int wr = so.werr ? -1 : 0;
    switch (stream ? -1 : (int)fmt) {
    case -1:
        break;
    case FMT_JSON:
        wr = render_json(&r);
        break;
    case FMT_LIST:
        wr = render_list(&r);
        break;
    case FMT_DIAGRAM:
        wr = render_diagram(&r);
        if (wr == 1) { /* usage problem, already explained */
            rc = EXIT_USAGE;
            wr = 0;
        }
        break;
    default:
        wr = render_text(&r);
        break;
    }
    if (fflush(out) != 0 || wr != 0) {
        fprintf(stderr, "sipladder: error writing output: %s\n", strerror(errno));
        rc = EXIT_INPUT;
    }
    if (out != stdout)
        fclose(out);
    if (summary)
        render_summary(&r, stderr);

    selection_free(&sel);
    pipeline_fini(&pl);
    free(info);
    free(files);
    filter_free(&flt);
    alias_free(&aliases);
    return rc;
}
