/*
 * kpml.h - KPML (RFC 4730) bodies: the NOTIFY response
 * (application/kpml-response+xml, §5.2:
 * <kpml-response version="1.0" code="200" text="OK" digits="5" tag="dtmf"/>)
 * and, briefly, the SUBSCRIBE request (application/kpml-request+xml,
 * §5.1: <kpml-request><pattern persist=".."><regex tag="..">...</regex>).
 *
 * Parsed with libxml2, defensively (the body is hostile):
 *   - bodies larger than KPML_MAX_BODY are not parsed ("xml-too-large");
 *   - only UTF-8 (or US-ASCII) input is accepted: an encoding declaration
 *     naming anything else, or invalid UTF-8, is refused before libxml2
 *     sees the bytes, so no charset conversion (and no conversion error
 *     printed by libxml2's global handler) can happen;
 *   - entity declarations are refused: a body whose bytes contain
 *     "<!ENTITY" is not parsed, libxml2's entityDecl SAX callback stops the
 *     parser on the first declaration, and the resulting tree is walked
 *     for entity declarations once more; any of these gives the anomaly
 *     "xml-entities-refused" and no entity is ever expanded (no billion
 *     laughs, no XXE);
 *   - options XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING,
 *     never XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDVALID or
 *     XML_PARSE_HUGE; external entities are never resolved (the
 *     resolveEntity/externalSubset SAX callbacks are no-ops);
 *   - libxml2 errors go to a structured-error callback on the parser
 *     context and become anomalies; nothing is printed.
 *
 * No allocation is visible to the caller: libxml2's tree is freed before
 * kpml_parse() returns and every result is copied into fixed buffers.
 * Requires libxml2 2.9 or later.  Reentrant (libxml2 parser contexts are
 * per call); libxml2 itself is initialised with xmlInitParser() on first use.
 */
#ifndef SIPLADDER_DISSECT_KPML_H
#define SIPLADDER_DISSECT_KPML_H

#include <stddef.h>
#include <stdint.h>

#define KPML_MAX_BODY 65536u
#define KPML_MAX_DIGITS 64u
#define KPML_MAX_TEXT 64u
#define KPML_MAX_ANOMS 8u

enum kpml_kind { KPML_NONE = 0, KPML_RESPONSE, KPML_REQUEST };

/* Keep kpml_anom_name() in sync. */
enum kpml_anom {
    KPML_ANOM_NONE = 0,
    KPML_ANOM_EMPTY,             /* "xml-empty": no bytes */
    KPML_ANOM_TOO_LARGE,         /* "xml-too-large": more than KPML_MAX_BODY bytes */
    KPML_ANOM_BAD_ENCODING,      /* "xml-unsupported-encoding": not UTF-8 / US-ASCII */
    KPML_ANOM_ENTITIES_REFUSED,  /* "xml-entities-refused": entity declaration present */
    KPML_ANOM_DOCTYPE,           /* "xml-doctype": a DOCTYPE (not loaded, not validated) */
    KPML_ANOM_NOT_WELL_FORMED,   /* "xml-not-well-formed": libxml2 reported an error */
    KPML_ANOM_NOT_KPML,          /* "kpml-unknown-root": root is neither kpml-response nor kpml-request */
    KPML_ANOM_MISSING_CODE,      /* "kpml-missing-code": response without code */
    KPML_ANOM_BAD_CODE,          /* "kpml-bad-code": code not 3 digits */
    KPML_ANOM_BAD_DIGIT,         /* "kpml-bad-digit": a digits character outside 0-9 * # A-D (skipped) */
    KPML_ANOM_DIGITS_TRUNCATED,  /* "kpml-digits-truncated": more than KPML_MAX_DIGITS */
    KPML_ANOM__COUNT
};

struct kpml_result {
    uint8_t kind;                     /* enum kpml_kind */
    uint8_t has_code;
    uint16_t code;                    /* 200, 402, 423, 481, 487, ... (RFC 4730 §5.4) */
    uint8_t ndigits;
    char digits[KPML_MAX_DIGITS + 1]; /* NUL-terminated, only 0-9 * # A-D */
    char tag[KPML_MAX_TEXT + 1];      /* response tag / request regex tag, truncated, NUL-terminated */
    char text[KPML_MAX_TEXT + 1];     /* response text, or request regex; truncated, NUL-terminated,
                                         bytes < 0x20 and 0x7f replaced by '?' */
    uint8_t suppressed, forced_flush; /* response booleans ("true") */
    uint8_t persist;                  /* request: pattern persist="persist" or "single-notify" */
    uint8_t nanoms;
    uint16_t anoms[KPML_MAX_ANOMS];   /* enum kpml_anom, in order seen */
};

/*
 * Parse a KPML body.  Returns 1 when a kpml-response or kpml-request root
 * was found (out->kind), 0 otherwise; in both cases out->anoms say what
 * was odd.  Never prints, never reads outside [p, p+n), never touches the
 * network or the file system.
 */
int kpml_parse(const uint8_t *p, size_t n, struct kpml_result *out);

const char *kpml_anom_name(enum kpml_anom a);

/* 1 when the result carries anomaly a. */
int kpml_has_anom(const struct kpml_result *r, enum kpml_anom a);

#endif
