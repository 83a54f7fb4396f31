/*
 * sip_chars.h - RFC 3261 character classes shared by the SIP parsers
 * (sip.c, sip_hdr.c).  Internal to dissect/.
 */
#ifndef SIPLADDER_DISSECT_SIP_CHARS_H
#define SIPLADDER_DISSECT_SIP_CHARS_H

#include <stdint.h>

enum {
    C_TOKEN = 0x01,  /* RFC 3261 token */
    C_DIGIT = 0x02,
    C_ALPHA = 0x04,
    C_WS = 0x08,     /* SP HT */
    C_LWS = 0x10,    /* SP HT CR LF */
    C_HOST = 0x20,   /* alnum - . _ */
    C_SCHEME = 0x40, /* alnum + - . */
    C_CTL = 0x80,    /* 0x00-0x1f except HT, 0x7f */
};

extern const uint8_t sip_cc[256];

#define IS(c, cls) (sip_cc[(uint8_t)(c)] & (cls))

#endif
