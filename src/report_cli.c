/*
 * report_cli.c - the `sipladder report` subcommand: options, wiring, exit
 * codes.  CLI code like src/main.c (scripts/check-deps.sh lets it include
 * render/); main.c dispatches with
 *   if (argc > 1 && !strcmp(argv[1], "report")) return report_main(argc - 1, argv + 1);
 *
 *   sipladder report [--format text|json|svg|png] [options] FILE...
 *
 * Input options and call filters are those of the main command (-r, -f,
 * -c, FILE..., "-" for stdin, --alias, --alias-file, --call-id, --user,
 * --ip, --status, --since, --until, --limit, -q, -v, --no-summary);
 * report options: --short-call DUR (default 10s), --interval DUR (default
 * automatic), --retry-window DUR (default 10s); charts (render/chart.h):
 * --format svg (stdout or -o FILE) or png (-o FILE required), --theme
 * light|print, --scale X / --dpi N (PNG).  KPIs after ITU-T E.411 /
 * E.425, causes after ITU-T Q.850, RFC 3326, RFC 3398, RFC 4497: see
 * doc/kpi.md.
 *
 * Exit codes (as the main command): 0 success, 1 usage error, 2 an input
 * could not be read completely or the output could not be written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/chart.h"
#include "render/ladder.h"
#include "render/layout.h"
#include "render/render.h"
#include "render/report.h"
#include "src/base/diag.h"
#include "src/base/limits.h"
#include "src/base/util.h"
#include "src/capture.h"
#include "src/kpi.h"
#include "src/pipeline.h"
#include "src/select.h"

int report_main(int argc, char **argv);

enum { R_EXIT_OK = 0, R_EXIT_USAGE = 1, R_EXIT_INPUT = 2 };

enum {
    R_OPT_FORMAT = 256, R_OPT_ALIAS, R_OPT_ALIAS_FILE, R_OPT_CALL_ID, R_OPT_USER, R_OPT_IP, R_OPT_STATUS,
    R_OPT_SINCE, R_OPT_UNTIL, R_OPT_LIMIT, R_OPT_NO_SUMMARY, R_OPT_SHORT, R_OPT_INTERVAL, R_OPT_RETRY,
    R_OPT_THEME, R_OPT_SCALE, R_OPT_DPI,
};

enum { R_FMT_TEXT = 0, R_FMT_JSON, R_FMT_SVG, R_FMT_PNG };

static void report_usage(FILE *f)
{
    fprintf(f,
            "usage: sipladder report [--format text|json|svg|png] [options] FILE...\n"
            "\n"
            "Why calls failed, who released them, and how good the route is: dispositions,\n"
            "final SIP codes, Q.850 causes (Reason header, else mapped from the SIP status),\n"
            "the releasing side, and ASR, NER, ACD, PDD, setup time, short-call ratio overall\n"
            "and per peer, direction, From/To domain and time bucket (doc/kpi.md).\n"
            "\n"
            "Input:\n"
            "  -r FILE               read FILE (repeatable; same as a FILE argument; - = stdin)\n"
            "  -f FILTER             BPF capture filter, tcpdump syntax\n"
            "  -c COUNT              stop after COUNT frames\n"
            "Output:\n"
            "  -o FILE               write to FILE instead of stdout (required for png)\n"
            "  --format text|json|svg|png  output format (default text); svg/png: a bar chart of\n"
            "                        causes and final SIP codes, and KPIs over time (doc/kpi.md)\n"
            "  --theme light|print   chart colours, or greyscale for print (default light)\n"
            "  --scale X, --dpi N    PNG size: X times 96 dpi, or N dpi\n"
            "  --alias IP[:PORT]=NAME  name a lane (repeatable); peers are lane pairs\n"
            "  --alias-file FILE     aliases, one IP[:PORT]=NAME per line\n"
            "Report:\n"
            "  --short-call DUR      answered calls shorter than DUR are short calls (default 10s)\n"
            "  --interval DUR        time bucket width (default: automatic, at most 60 buckets)\n"
            "  --retry-window DUR    a new Call-ID within DUR after a 3xx/401/407/422 is a retry (default 10s)\n"
            "                        DUR: 500ms, 10s, 1m, 2h, 1d or plain seconds\n"
            "Selecting calls (all given kinds must match; repeat an option for OR):\n"
            "  --call-id ID, --user USER (--number), --ip ADDR[:PORT], --status CODE|4xx,\n"
            "  --since TIME, --until TIME\n"
            "Diagnostics and limits:\n"
            "  -q, -v, --no-summary, --limit NAME=VALUE   as for the main command\n"
            "  -h, --help            this help\n"
            "\n"
            "Exit status: 0 ok, 1 usage error, 2 an input could not be read (fully) or output failed.\n");
}

static const char **push(const char **v, size_t *n, size_t *cap, const char *s)
{
    v = xgrow(v, cap, *n + 1, sizeof(*v));
    v[(*n)++] = s;
    return v;
}

static const char *alias_lane(void *ctx, const struct endpoint *e)
{
    return alias_lookup((const struct alias_table *)ctx, e);
}

int report_main(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"format", required_argument, NULL, R_OPT_FORMAT},
        {"alias", required_argument, NULL, R_OPT_ALIAS},
        {"alias-file", required_argument, NULL, R_OPT_ALIAS_FILE},
        {"call-id", required_argument, NULL, R_OPT_CALL_ID},
        {"user", required_argument, NULL, R_OPT_USER},
        {"number", required_argument, NULL, R_OPT_USER},
        {"ip", required_argument, NULL, R_OPT_IP},
        {"status", required_argument, NULL, R_OPT_STATUS},
        {"since", required_argument, NULL, R_OPT_SINCE},
        {"until", required_argument, NULL, R_OPT_UNTIL},
        {"limit", required_argument, NULL, R_OPT_LIMIT},
        {"no-summary", no_argument, NULL, R_OPT_NO_SUMMARY},
        {"short-call", required_argument, NULL, R_OPT_SHORT},
        {"interval", required_argument, NULL, R_OPT_INTERVAL},
        {"retry-window", required_argument, NULL, R_OPT_RETRY},
        {"theme", required_argument, NULL, R_OPT_THEME},
        {"scale", required_argument, NULL, R_OPT_SCALE},
        {"dpi", required_argument, NULL, R_OPT_DPI},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct filter flt;
    memset(&flt, 0, sizeof flt);
    struct alias_table aliases = {0};
    struct kpi_opts ko = KPI_OPTS_DEFAULT_INIT;
    const char **files = NULL;
    size_t nfiles = 0, capfiles = 0;
    const char *outpath = NULL;
    struct capture_opts copts = {0};
    int fmt = R_FMT_TEXT, theme = THEME_LIGHT, verbosity = 1, summary = 1;
    double scale = 1.0;
    int rc = R_EXIT_OK, c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "r:f:c:o:qvh", lopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            files = push(files, &nfiles, &capfiles, optarg);
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
                rc = R_EXIT_USAGE;
                goto done;
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
        case 'h':
            report_usage(stdout);
            goto done;
        case R_OPT_FORMAT:
            if (strcmp(optarg, "text") == 0) {
                fmt = R_FMT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                fmt = R_FMT_JSON;
            } else if (strcmp(optarg, "svg") == 0) {
                fmt = R_FMT_SVG;
            } else if (strcmp(optarg, "png") == 0) {
                fmt = R_FMT_PNG;
            } else {
                fprintf(stderr, "sipladder: report: unknown format '%s' (text, json, svg or png)\n", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            break;
        case R_OPT_ALIAS:
            if (alias_add(&aliases, optarg) != 0) {
                fprintf(stderr, "sipladder: bad --alias '%s' (expected IP[:PORT]=NAME)\n", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            break;
        case R_OPT_ALIAS_FILE:
            if (alias_load_file(&aliases, optarg) != 0) {
                rc = R_EXIT_USAGE;
                goto done;
            }
            break;
        case R_OPT_CALL_ID:
            flt.call_ids = push(flt.call_ids, &flt.ncall_ids, &flt.cap_call_ids, optarg);
            flt.active = 1;
            break;
        case R_OPT_USER:
            flt.users = push(flt.users, &flt.nusers, &flt.cap_users, optarg);
            flt.active = 1;
            break;
        case R_OPT_IP: {
            struct endpoint e;
            if (endpoint_parse(optarg, &e) != 0) {
                fprintf(stderr, "sipladder: bad --ip '%s' (expected ADDR or ADDR:PORT or [V6]:PORT)\n", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            flt.ips = xgrow(flt.ips, &flt.cap_ips, flt.nips + 1, sizeof(*flt.ips));
            flt.ips[flt.nips++] = e;
            flt.active = 1;
            break;
        }
        case R_OPT_STATUS: {
            size_t l = strlen(optarg);
            int ok = l == 3 && optarg[0] >= '1' && optarg[0] <= '6';
            for (size_t i = 1; ok && i < 3; i++)
                ok = (optarg[i] >= '0' && optarg[i] <= '9') || optarg[i] == 'x' || optarg[i] == 'X';
            if (!ok) {
                fprintf(stderr, "sipladder: bad --status '%s' (expected a code like 486 or a class like 4xx)\n", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            flt.statuses = push(flt.statuses, &flt.nstatuses, &flt.cap_statuses, optarg);
            flt.active = 1;
            break;
        }
        case R_OPT_SINCE:
        case R_OPT_UNTIL: {
            int64_t t;
            if (filter_parse_time(optarg, &t) != 0) {
                fprintf(stderr, "sipladder: bad time '%s' (epoch seconds or 'YYYY-MM-DD HH:MM:SS' UTC)\n", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            if (c == R_OPT_SINCE)
                flt.since = t;
            else
                flt.until = t;
            flt.active = 1;
            break;
        }
        case R_OPT_LIMIT:
            if (limits_set(&lim, optarg) != 0) {
                fprintf(stderr, "sipladder: bad --limit '%s' (NAME=positive number; see sipladder(1))\n", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            break;
        case R_OPT_NO_SUMMARY:
            summary = 0;
            break;
        case R_OPT_SHORT:
        case R_OPT_INTERVAL:
        case R_OPT_RETRY: {
            int64_t ns;
            if (kpi_parse_duration(optarg, &ns) != 0) {
                fprintf(stderr, "sipladder: report: bad duration '%s' (e.g. 500ms, 10s, 1m, 1h, 1d)\n", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            if (c == R_OPT_SHORT)
                ko.short_call_ns = ns;
            else if (c == R_OPT_INTERVAL)
                ko.interval_ns = ns;
            else
                ko.retry_window_ns = ns;
            break;
        }
        case R_OPT_THEME:
            if (strcmp(optarg, "light") != 0 && strcmp(optarg, "print") != 0) {
                fprintf(stderr, "sipladder: --theme wants light or print\n");
                rc = R_EXIT_USAGE;
                goto done;
            }
            theme = strcmp(optarg, "print") == 0 ? THEME_PRINT : THEME_LIGHT;
            break;
        case R_OPT_SCALE:
        case R_OPT_DPI: {
            char *end;
            double v = strtod(optarg, &end);
            if (c == R_OPT_DPI)
                v /= 96.0;
            if (*end || end == optarg || !(v >= 0.1 && v <= 16)) {
                fprintf(stderr, "sipladder: bad --%s '%s' (scale 0.1 to 16, dpi 10 to 1536)\n",
                        c == R_OPT_DPI ? "dpi" : "scale", optarg);
                rc = R_EXIT_USAGE;
                goto done;
            }
            scale = v;
            break;
        }
        default:
            fprintf(stderr, "Try 'sipladder report --help'.\n");
            rc = R_EXIT_USAGE;
            goto done;
        }
    }
    for (int i = optind; i < argc; i++)
        files = push(files, &nfiles, &capfiles, argv[i]);
    if (!nfiles) {
        fprintf(stderr, "sipladder: report: no input file (give a capture file, or - for stdin)\n");
        report_usage(stderr);
        rc = R_EXIT_USAGE;
        goto done;
    }
    if (fmt == R_FMT_PNG && !outpath) {
        fprintf(stderr, "sipladder: report: --format png needs -o FILE (or -o - for stdout)\n");
        rc = R_EXIT_USAGE;
        goto done;
    }
    size_t nstdin = 0;
    for (size_t i = 0; i < nfiles; i++)
        nstdin += strcmp(files[i], "-") == 0;
    if (nstdin > 1) {
        fprintf(stderr, "sipladder: stdin (-) can be read only once\n");
        rc = R_EXIT_USAGE;
        goto done;
    }

    FILE *out = stdout;
    if (outpath && strcmp(outpath, "-") != 0) {
        out = fopen(outpath, fmt == R_FMT_PNG ? "wb" : "w");
        if (!out) {
            fprintf(stderr, "sipladder: %s: cannot write: %s\n", outpath, strerror(errno));
            rc = R_EXIT_INPUT;
            goto done;
        }
    }

    struct diag diag;
    diag_init(&diag, verbosity);
    struct pipeline pl;
    pipeline_init(&pl, &lim, &diag);
    struct capture_file_info *info = xcalloc(nfiles, sizeof(*info));
    struct capture_input *inputs = xcalloc(nfiles, sizeof(*inputs));
    for (size_t i = 0; i < nfiles; i++)
        inputs[i].name = files[i];
    if (capture_run(inputs, (int)nfiles, &copts, &diag, info, pipeline_frame, &pl))
        rc = R_EXIT_INPUT;
    free(inputs);
    pipeline_finish(&pl);

    struct selection sel;
    select_calls(&pl.store, &flt, &sel);
    if (aliases.n) {
        ko.lane_name = alias_lane;
        ko.lane_ctx = &aliases;
    }
    struct kpi_report kr;
    kpi_build(&kr, &pl.store, &sel, &ko);
    struct render_ctx r = {
        .pl = &pl, .s = &pl.store, .sel = &sel, .aliases = &aliases, .files = info, .nfiles = (int)nfiles,
        .out = out, .color = 0, .show_msgs = 0,
    };
    int wr;
    if (fmt == R_FMT_SVG || fmt == R_FMT_PNG) {
        struct chart_opts co = {.theme = theme, .files = files, .nfiles = nfiles};
        struct chart ch;
        chart_build(&ch, &kr, &co);
        if (fmt == R_FMT_PNG) {
            wr = chart_png_write(out, &ch, scale);
        } else {
            struct buf sb = {0};
            wr = chart_svg_write(&sb, &ch);
            if (wr == 0 && sb.n && fwrite(sb.p, 1, sb.n, out) != sb.n)
                wr = -1;
            buf_free(&sb);
        }
        chart_free(&ch);
    } else {
        wr = fmt == R_FMT_JSON ? report_json(&r, &kr) : report_text(&r, &kr);
    }
    if (fflush(out) != 0 || wr != 0) {
        fprintf(stderr, "sipladder: error writing output: %s\n", strerror(errno));
        rc = R_EXIT_INPUT;
    }
    if (out != stdout)
        fclose(out);
    if (summary)
        render_summary(&r, stderr);

    kpi_free(&kr);
    selection_free(&sel);
    pipeline_fini(&pl);
    free(info);
done:
    free(files);
    filter_free(&flt);
    alias_free(&aliases);
    return rc;
}
