/*
 * render.h - output formats.  Each renderer reads the store, the
 * selection and the ladder model `const`, and escapes every byte that
 * came from the capture for its own format.
 */
#ifndef SIPLADDER_RENDER_RENDER_H
#define SIPLADDER_RENDER_RENDER_H

#include <stdio.h>

#include "render/ladder.h"
#include "src/pipeline.h"
#include "src/select.h"

struct render_ctx {
    const struct pipeline *pl;
    const struct store *s;
    const struct selection *sel;
    const struct alias_table *aliases;
    const struct capture_file_info *files;
    int nfiles;
    FILE *out;
    int color;       /* ANSI colours */
    int show_msgs;   /* text: print each message in full under its arrow */
    int summary_only; /* json: calls and diagnostics, no per-message objects */
    struct diagram_opts {  /* --format svg|png|pdf|mermaid|plantuml|html|layout */
        int format;        /* enum diagram_format */
        const char *outdir; /* -o DIR/: one file per call in DIR (NULL: everything to out) */
        int group;         /* --group: one ladder for all selected calls */
        int merge_lanes;   /* --merge-lanes: one lane per IP address */
        int theme;         /* --theme light|print (enum lay_theme) */
        int no_time;       /* --no-time */
        int compact;       /* --compact */
        int redact_bodies; /* --redact-bodies: no message bodies in tooltips/details */
        double scale;      /* --scale / --dpi (PNG); 0 = 1 */
    } diagram;
};

enum diagram_format { DIAG_SVG = 1, DIAG_PNG, DIAG_PDF, DIAG_MERMAID, DIAG_PLANTUML, DIAG_HTML, DIAG_LAYOUT };

int render_text(const struct render_ctx *r);
/* One call on its own (streaming): a text ladder, or one JSON object on one
 * line: the call's fields plus "messages" holding the message objects
 * themselves (indexes are local to the object).  r->sel is not used. */
int render_call_text(const struct render_ctx *r, const struct call *c, uint64_t seq);
int render_call_jsonl(const struct render_ctx *r, const struct call *c);
int render_json(const struct render_ctx *r);
int render_list(const struct render_ctx *r);
/*
 * Diagrams (render/layout.c drives them): every selected call, or the
 * group, is laid out once and drawn in r->diagram.format.  Returns 0, -1
 * on a write error (errno set), or 1 after printing a usage problem (e.g.
 * several calls for a one-diagram format without -o DIR/ or --group).
 */
int render_diagram(const struct render_ctx *r);
/* Parse a --format value; returns enum diagram_format or 0. */
int diagram_format_from(const char *name);
/* Is path meant as an output directory (ends in '/' or is a directory)? */
int diagram_path_is_dir(const char *path);

/* End-of-run summary (stderr). */
void render_summary(const struct render_ctx *r, FILE *f);

/* Shared helpers */
void fmt_time_utc(char *buf, size_t n, int64_t ns, int with_date);
void call_party(struct buf *b, const struct store *s, const struct call *c, int to);

#endif
