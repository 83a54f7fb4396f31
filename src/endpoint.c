/*
 * endpoint.c - parsing of user-given addresses ("1.2.3.4:5060", "[::1]:5060").
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "src/packet.h"

int endpoint_parse(const char *s, struct endpoint *e)
{
    char host[64];
    const char *port = NULL;
    size_t hl;
    memset(e, 0, sizeof(*e));
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb)
            return -1;
        hl = (size_t)(rb - s - 1);
        if (hl >= sizeof host)
            return -1;
        memcpy(host, s + 1, hl);
        host[hl] = 0;
        if (rb[1] == ':')
            port = rb + 2;
        else if (rb[1])
            return -1;
    } else {
        const char *c = strchr(s, ':');
        if (c && strchr(c + 1, ':'))
            c = NULL; /* bare IPv6 */
        hl = c ? (size_t)(c - s) : strlen(s);
        if (hl >= sizeof host)
            return -1;
        memcpy(host, s, hl);
        host[hl] = 0;
        if (c)
            port = c + 1;
    }
    if (inet_pton(AF_INET, host, e->addr) == 1)
        e->family = 4;
    else if (inet_pton(AF_INET6, host, e->addr) == 1)
        e->family = 6;
    else
        return -1;
    if (port) {
        char *end;
        long v = strtol(port, &end, 10);
        if (*port == 0 || *end || v < 1 || v > 65535)
            return -1;
        e->port = (uint16_t)v;
    }
    return 0;
}
