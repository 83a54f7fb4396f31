/*
 * kpml.c - KPML bodies (see kpml.h).  RFC 4730 §5.1 (kpml-request:
 * pattern, regex, persist), §5.2 (kpml-response: code, text, digits, tag,
 * suppressed, forced_flush), §5.4 (response codes); XML 1.0 §4.2 (entity
 * declarations, refused here), §4.3.3 (encoding declaration).
 */
#include "dissect/kpml.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "src/base/util.h"

const char *kpml_anom_name(enum kpml_anom a)
{
    switch (a) {
    case KPML_ANOM_NONE: return "";
    case KPML_ANOM_EMPTY: return "xml-empty";
    case KPML_ANOM_TOO_LARGE: return "xml-too-large";
    case KPML_ANOM_BAD_ENCODING: return "xml-unsupported-encoding";
    case KPML_ANOM_ENTITIES_REFUSED: return "xml-entities-refused";
    case KPML_ANOM_DOCTYPE: return "xml-doctype";
    case KPML_ANOM_NOT_WELL_FORMED: return "xml-not-well-formed";
    case KPML_ANOM_NOT_KPML: return "kpml-unknown-root";
    case KPML_ANOM_MISSING_CODE: return "kpml-missing-code";
    case KPML_ANOM_BAD_CODE: return "kpml-bad-code";
    case KPML_ANOM_BAD_DIGIT: return "kpml-bad-digit";
    case KPML_ANOM_DIGITS_TRUNCATED: return "kpml-digits-truncated";
    default: return "kpml-unknown";
    }
}

int kpml_has_anom(const struct kpml_result *r, enum kpml_anom a)
{
    for (unsigned i = 0; i < r->nanoms; i++)
        if (r->anoms[i] == a)
            return 1;
    return 0;
}

static void add_anom(struct kpml_result *r, enum kpml_anom a)
{
    if (kpml_has_anom(r, a))
        return;
    if (r->nanoms < KPML_MAX_ANOMS)
        r->anoms[r->nanoms++] = (uint16_t)a;
}

/* ---- byte-level gate ---------------------------------------------------- */

static int valid_utf8_no_nul(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += len;
    }
    return 1;
}

static const uint8_t *find_bytes(const uint8_t *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m == 0 || n < m)
        return NULL;
    for (size_t i = 0; i + m <= n; i++)
        if (p[i] == (uint8_t)lit[0] && memcmp(p + i, lit, m) == 0)
            return p + i;
    return NULL;
}

static int eq_ci_bytes(const uint8_t *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(p[i]) != (uint8_t)lit[i])
            return 0;
    return 1;
}

/*
 * The XML declaration's encoding, when there is one, must be UTF-8 or
 * US-ASCII (XML 1.0 §4.3.3).  p/n start after an optional UTF-8 BOM.
 */
static int encoding_ok(const uint8_t *p, size_t n)
{
    if (n < 5 || memcmp(p, "<?xml", 5) != 0)
        return 1;
    const uint8_t *end = find_bytes(p, n, "?>");
    size_t decl = end ? (size_t)(end - p) : n;
    const uint8_t *e = find_bytes(p, decl, "encoding");
    if (!e)
        return 1;
    size_t i = (size_t)(e - p) + 8;
    while (i < decl && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= decl || p[i] != '=')
        return 0;
    i++;
    while (i < decl && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= decl || (p[i] != '"' && p[i] != '\''))
        return 0;
    uint8_t q = p[i++];
    size_t v0 = i;
    while (i < decl && p[i] != q)
        i++;
    if (i >= decl)
        return 0;
    const uint8_t *v = p + v0;
    size_t vn = i - v0;
    return eq_ci_bytes(v, vn, "utf-8") || eq_ci_bytes(v, vn, "utf8") || eq_ci_bytes(v, vn, "us-ascii") ||
           eq_ci_bytes(v, vn, "ascii");
}

/* ---- libxml2 hooks -------------------------------------------------------- */

struct hook_state {
    int entity_seen;
    int errors;
};

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
                           const xmlChar *systemId, xmlChar *content)
{
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    (void)name;
    (void)type;
    (void)publicId;
    (void)systemId;
    (void)content;
    if (ctxt && ctxt->_private)
        ((struct hook_state *)ctxt->_private)->entity_seen = 1;
    if (ctxt)
        xmlStopParser(ctxt); /* the declaration is not recorded: nothing can expand it */
}

static void on_external_subset(void *ctx, const xmlChar *name, const xmlChar *ExternalID, const xmlChar *SystemID)
{
    (void)ctx;
    (void)name;
    (void)ExternalID;
    (void)SystemID; /* never loaded */
}

static xmlParserInputPtr on_resolve_entity(void *ctx, const xmlChar *publicId, const xmlChar *systemId)
{
    (void)ctx;
    (void)publicId;
    (void)systemId;
    return NULL; /* never resolved */
}

#if LIBXML_VERSION >= 21200
static void on_error(void *ctx, const xmlError *err)
#else
static void on_error(void *ctx, xmlErrorPtr err)
#endif
{
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    (void)err;
    if (ctxt && ctxt->_private)
        ((struct hook_state *)ctxt->_private)->errors++;
}

/* ---- tree walk ------------------------------------------------------------ */

static int name_is(const xmlChar *name, const char *lit)
{
    return name && strcmp((const char *)name, lit) == 0;
}

/* Concatenated text of a node list (attribute value or element content), bounded. */
static size_t node_text(const xmlNode *n, char *buf, size_t cap, int *trunc)
{
    size_t len = 0;
    *trunc = 0;
    for (; n; n = n->next) {
        if ((n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE) || !n->content)
            continue;
        const char *t = (const char *)n->content;
        size_t tl = strlen(t);
        for (size_t i = 0; i < tl; i++) {
            if (len + 1 >= cap) {
                *trunc = 1;
                buf[len] = 0;
                return len;
            }
            buf[len++] = t[i];
        }
    }
    if (cap)
        buf[len] = 0;
    return len;
}

static const xmlAttr *attr_of(const xmlNode *el, const char *name)
{
    for (const xmlAttr *a = el->properties; a; a = a->next)
        if (name_is(a->name, name))
            return a;
    return NULL;
}

/* Copy attribute text into a printable field; returns 1 when present. */
static int attr_text(const xmlNode *el, const char *name, char *dst, size_t cap)
{
    const xmlAttr *a = attr_of(el, name);
    int trunc;
    if (!a) {
        dst[0] = 0;
        return 0;
    }
    node_text(a->children, dst, cap, &trunc);
    return 1;
}

static void printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            *s = '?';
}

static const xmlNode *first_child_el(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && name_is(c->name, name))
            return c;
    return NULL;
}

static void walk_response(const xmlNode *root, struct kpml_result *out)
{
    char buf[256];
    out->kind = KPML_RESPONSE;
    if (attr_text(root, "code", buf, sizeof buf)) {
        size_t n = strlen(buf);
        if (n == 3 && buf[0] >= '1' && buf[0] <= '9' && buf[1] >= '0' && buf[1] <= '9' && buf[2] >= '0' &&
            buf[2] <= '9') {
            out->code = (uint16_t)((buf[0] - '0') * 100 + (buf[1] - '0') * 10 + (buf[2] - '0'));
            out->has_code = 1;
        } else {
            add_anom(out, KPML_ANOM_BAD_CODE);
        }
    } else {
        add_anom(out, KPML_ANOM_MISSING_CODE);
    }
    const xmlAttr *d = attr_of(root, "digits");
    if (d) {
        for (const xmlNode *t = d->children; t; t = t->next) {
            if (t->type != XML_TEXT_NODE || !t->content)
                continue;
            for (const xmlChar *c = t->content; *c; c++) {
                uint8_t ch = *c;
                if (ch >= 'a' && ch <= 'd')
                    ch = (uint8_t)(ch - 'a' + 'A');
                if (!((ch >= '0' && ch <= '9') || ch == '*' || ch == '#' || (ch >= 'A' && ch <= 'D'))) {
                    add_anom(out, KPML_ANOM_BAD_DIGIT);
                    continue;
                }
                if (out->ndigits >= KPML_MAX_DIGITS) {
                    add_anom(out, KPML_ANOM_DIGITS_TRUNCATED);
                    break;
                }
                out->digits[out->ndigits++] = (char)ch;
            }
        }
        out->digits[out->ndigits] = 0;
    }
    attr_text(root, "tag", out->tag, sizeof out->tag);
    attr_text(root, "text", out->text, sizeof out->text);
    if (attr_text(root, "suppressed", buf, sizeof buf))
        out->suppressed = strcmp(buf, "true") == 0;
    if (attr_text(root, "forced_flush", buf, sizeof buf))
        out->forced_flush = strcmp(buf, "true") == 0;
}

static void walk_request(const xmlNode *root, struct kpml_result *out)
{
    char buf[64];
    int trunc;
    out->kind = KPML_REQUEST;
    const xmlNode *pat = first_child_el(root, "pattern");
    if (!pat)
        return;
    if (attr_text(pat, "persist", buf, sizeof buf))
        out->persist = strcmp(buf, "persist") == 0 || strcmp(buf, "single-notify") == 0;
    const xmlNode *re = first_child_el(pat, "regex");
    if (!re)
        return;
    attr_text(re, "tag", out->tag, sizeof out->tag);
    node_text(re->children, out->text, sizeof out->text, &trunc);
}

/* Any entity declaration left in the tree (defence in depth). */
static int doc_has_entities(const xmlDoc *doc)
{
    const xmlDtd *dtds[2] = {doc->intSubset, doc->extSubset};
    for (int i = 0; i < 2; i++) {
        if (!dtds[i])
            continue;
        if (dtds[i]->entities || dtds[i]->pentities)
            return 1;
        for (const xmlNode *c = dtds[i]->children; c; c = c->next)
            if (c->type == XML_ENTITY_DECL)
                return 1;
    }
    return 0;
}

int kpml_parse(const uint8_t *p, size_t n, struct kpml_result *out)
{
    memset(out, 0, sizeof(*out));
    if (!p || n == 0) {
        add_anom(out, KPML_ANOM_EMPTY);
        return 0;
    }
    if (n > KPML_MAX_BODY) {
        add_anom(out, KPML_ANOM_TOO_LARGE);
        return 0;
    }
    const uint8_t *q = p;
    size_t qn = n;
    if (qn >= 3 && q[0] == 0xef && q[1] == 0xbb && q[2] == 0xbf) {
        q += 3;
        qn -= 3;
    }
    if (!valid_utf8_no_nul(p, n) || !encoding_ok(q, qn)) {
        add_anom(out, KPML_ANOM_BAD_ENCODING);
        return 0;
    }
    if (find_bytes(p, n, "<!ENTITY")) {
        add_anom(out, KPML_ANOM_ENTITIES_REFUSED);
        return 0;
    }
    if (find_bytes(p, n, "<!DOCTYPE"))
        add_anom(out, KPML_ANOM_DOCTYPE);

    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        add_anom(out, KPML_ANOM_NOT_WELL_FORMED);
        return 0;
    }
    struct hook_state hs = {0, 0};
    ctxt->_private = &hs;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->externalSubset = on_external_subset;
    ctxt->sax->resolveEntity = on_resolve_entity;
    ctxt->sax->serror = on_error;
    ctxt->sax->error = NULL;
    ctxt->sax->warning = NULL;
    ctxt->sax->fatalError = NULL;
    /* never XML_PARSE_NOENT / DTDLOAD / DTDATTR / DTDVALID / HUGE / XINCLUDE */
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, (const char *)p, (int)n, NULL, NULL, opts);
    int well_formed = ctxt->wellFormed;
    ctxt->_private = NULL;
    if (hs.entity_seen || (doc && doc_has_entities(doc))) {
        add_anom(out, KPML_ANOM_ENTITIES_REFUSED);
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return 0;
    }
    if (!doc || !well_formed || hs.errors) {
        add_anom(out, KPML_ANOM_NOT_WELL_FORMED);
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return 0;
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root && name_is(root->name, "kpml-response"))
        walk_response(root, out);
    else if (root && name_is(root->name, "kpml-request"))
        walk_request(root, out);
    else
        add_anom(out, KPML_ANOM_NOT_KPML);
    printable(out->tag);
    printable(out->text);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return out->kind != KPML_NONE;
}
