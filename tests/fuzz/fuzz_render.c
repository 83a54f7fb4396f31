/*
 * fuzz_render.c - libFuzzer target for the diagram renderers: the input
 * is a pcap/pcapng file held in memory, run through the whole pipeline
 * (as fuzz_pcap.c does), then every selected call and the group are laid
 * out and drawn as SVG, Mermaid, PlantUML, HTML and the layout dump (PNG
 * and PDF for small ladders).  Checked: the SVG and the HTML parse with
 * libxml2 (well-formed XML, nothing unescaped), they hold no script
 * element, and the layout's overlap check finds nothing.
 *
 * Seeds: the captures in samples/ make good ones (tests/fuzz/corpus/render/).
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/layout.h"
#include "render/render.h"
#include "src/capture.h"
#include "src/pipeline.h"
#include "src/select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_script(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE &&
            (xmlStrcasecmp(n->name, BAD_CAST "script") == 0 || xmlStrcasecmp(n->name, BAD_CAST "foreignObject") == 0))
            return 1;
        if (n->type == XML_ELEMENT_NODE)
            for (xmlAttrPtr a = n->properties; a; a = a->next)
                if ((a->name[0] == 'o' || a->name[0] == 'O') && (a->name[1] == 'n' || a->name[1] == 'N'))
                    return 1;
        if (has_script(n->children))
            return 1;
    }
    return 0;
}

static void must_parse(const char *what, const char *p, size_t n)
{
    xmlDocPtr doc = xmlReadMemory(p, (int)n, what, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                                            XML_PARSE_HUGE);
    if (!doc) {
        fprintf(stderr, "%s output is not well-formed XML\n", what);
        abort();
    }
    if (has_script(xmlDocGetRootElement(doc))) {
        fprintf(stderr, "%s output has a script element or an event attribute\n", what);
        abort();
    }
    xmlFreeDoc(doc);
}

static void draw_all(const struct render_ctx *r, const uint32_t *calls, size_t ncalls, int id)
{
    const struct store *s = r->s;
    struct ladder L;
    uint32_t *msgs = NULL;
    size_t nmsgs = 0;
    if (ncalls == 1) {
        const struct call *c = &s->calls[calls[0]];
        ladder_build_ex(&L, s, c->msgs, c->nmsgs, NULL, (unsigned)id & LADDER_MERGE_HOSTS);
    } else {
        msgs = calloc(r->sel->nmsgs ? r->sel->nmsgs : 1, sizeof(*msgs));
        for (size_t i = 0; i < r->sel->nmsgs; i++)
            if (s->msgs[r->sel->msgs[i]].call != NONE)
                msgs[nmsgs++] = r->sel->msgs[i];
        ladder_build_ex(&L, s, msgs, nmsgs, NULL, 0);
    }
    struct buf title = {0}, sub = {0};
    layout_title(&title, &sub, s, calls, ncalls);
    struct lay_opts o = {.theme = id & 1, .compact = (id >> 1) & 1, .no_time = (id >> 2) & 1, .group = ncalls > 1};
    struct layout Y;
    layout_build(&Y, &L, &o, title.p, sub.p);
    if (layout_check(&Y, stderr) != 0) {
        fprintf(stderr, "layout overlap\n");
        abort();
    }
    struct diagram d = {.r = r, .L = &L, .Y = &Y, .calls = calls, .ncalls = ncalls, .id = id,
                        .title = title.p ? title.p : ""};
    struct buf b = {0};
    if (svg_write(&b, &d) != 0)
        abort();
    must_parse("SVG", b.p, b.n);
    buf_reset(&b);
    mermaid_write(&b, &d);
    buf_reset(&b);
    plantuml_write(&b, &d);
    buf_free(&b);
    char *out = NULL;
    size_t outn = 0;
    FILE *f = open_memstream(&out, &outn);
    const struct diagram *dp = &d;
    html_write(f, &dp, 1);
    layout_dump(&Y, f);
    if (L.nrows <= 64) {
        png_write(f, &d, 0.25);
        pdf_write(f, &dp, 1);
    }
    fclose(f);
    /* the HTML is the first part of out: well-formed XML too */
    char *end = out ? strstr(out, "</html>") : NULL;
    if (end)
        must_parse("HTML", out, (size_t)(end - out) + 7);
    free(out);
    layout_free(&Y);
    ladder_free(&L);
    buf_free(&title);
    buf_free(&sub);
    free(msgs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)data, size, "rb");
    if (!in)
        return 0;
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct diag diag;
    diag_init(&diag, 0);
    struct pipeline pl;
    pipeline_init(&pl, &lim, &diag);
    struct capture_input ci = {"fuzz.pcap", in};
    struct capture_file_info info;
    memset(&info, 0, sizeof info);
    struct capture_opts co = {0};
    capture_run(&ci, 1, &co, &diag, &info, pipeline_frame, &pl);
    pipeline_finish(&pl);
    struct filter fl;
    memset(&fl, 0, sizeof fl);
    struct selection sel;
    select_calls(&pl.store, &fl, &sel);
    struct render_ctx r = {.pl = &pl, .s = &pl.store, .sel = &sel, .files = &info, .nfiles = 1};
    r.diagram.redact_bodies = size & 1;
    for (size_t i = 0; i < sel.ncalls && i < 8; i++)
        draw_all(&r, &sel.calls[i], 1, (int)i + 1);
    if (sel.ncalls > 1)
        draw_all(&r, sel.calls, sel.ncalls, 99);
    selection_free(&sel);
    pipeline_fini(&pl);
    return 0;
}
