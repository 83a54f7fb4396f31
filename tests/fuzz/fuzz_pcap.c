/*
 * fuzz_pcap.c - libFuzzer target for the whole pipeline: the input is a
 * pcap/pcapng file held in memory (fmemopen + pcap_fopen_offline), run
 * through capture, decoding, SIP parsing and correlation, then rendered
 * as JSON (which must parse back with jansson) and as text and list.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "src/capture.h"
#include "src/pipeline.h"
#include "src/select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    struct capture_opts co = {0};
    capture_run(&ci, 1, &co, &diag, &info, pipeline_frame, &pl);
    pipeline_finish(&pl);
    struct filter f;
    memset(&f, 0, sizeof f);
    struct selection sel;
    select_calls(&pl.store, &f, &sel);
    char *out = NULL;
    size_t outn = 0;
    FILE *o = open_memstream(&out, &outn);
    struct render_ctx r = {.pl = &pl, .s = &pl.store, .sel = &sel, .files = &info, .nfiles = 1, .out = o};
    render_json(&r);
    fclose(o);
    json_error_t err;
    json_t *j = json_loadb(out, outn, JSON_ALLOW_NUL, &err);
    if (!j) {
        fprintf(stderr, "invalid JSON output: %s at %d\n", err.text, err.position);
        abort();
    }
    json_decref(j);
    free(out);
    o = fopen("/dev/null", "w");
    r.out = o;
    r.show_msgs = 1;
    render_text(&r);
    render_list(&r);
    fclose(o);
    selection_free(&sel);
    pipeline_fini(&pl);
    return 0;
}
