/*
 * report.h - `sipladder report` output: the release-cause and KPI report
 * of a struct kpi_report (src/kpi.h) as text or JSON.
 *
 * Text: a KPI headline, then tables of dispositions, final SIP status
 * codes, Q.850 causes (ITU-T Q.850 names and classes), the SIP code x
 * Q.850 cause matrix, Reason header anomalies (RFC 3326), top failing
 * peers, the breakdowns (peer, direction, From/To domain, time bucket)
 * and the list of failed calls.  JSON (schema "sipladder-report/1",
 * doc/json.md "Report JSON"): the same content, every count keyed or
 * labelled by its SIP code or cause number, and one object per call.
 *
 * Both read the store, the files and the report `const` and escape every
 * capture byte for their format (buf_put_escaped / valid UTF-8).  They
 * return 0, or -1 when writing failed.  Charts (SVG/PNG) are not drawn
 * here: render/chart.h builds them from the same struct kpi_report.
 */
#ifndef SIPLADDER_RENDER_REPORT_H
#define SIPLADDER_RENDER_REPORT_H

#include "render/render.h"
#include "src/kpi.h"

int report_text(const struct render_ctx *r, const struct kpi_report *k);
int report_json(const struct render_ctx *r, const struct kpi_report *k);

#endif
