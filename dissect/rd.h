/*
 * rd.h - bounded big-endian reader over untrusted bytes (tcpdump GET_*
 * without longjmp).  A read past the end returns 0 and sets the sticky
 * `err` flag; callers check it once per header.  Nothing here can read
 * outside [p, end).
 */
#ifndef SIPLADDER_DISSECT_RD_H
#define SIPLADDER_DISSECT_RD_H

#include <stddef.h>
#include <stdint.h>

struct rd {
    const uint8_t *p, *end;
    int err;
};

static inline struct rd rd_init(const uint8_t *p, size_t n)
{
    return (struct rd){p, p + n, 0};
}

static inline size_t rd_left(const struct rd *r)
{
    return (size_t)(r->end - r->p);
}

static inline int rd_has(struct rd *r, size_t n)
{
    if ((uintptr_t)(r->end - r->p) < n) {
        r->err = 1;
        return 0;
    }
    return 1;
}

static inline uint8_t rd_u8(struct rd *r)
{
    if (!rd_has(r, 1))
        return 0;
    return *r->p++;
}

static inline uint16_t rd_u16(struct rd *r)
{
    if (!rd_has(r, 2))
        return 0;
    uint16_t v = (uint16_t)((r->p[0] << 8) | r->p[1]);
    r->p += 2;
    return v;
}

static inline uint32_t rd_u32(struct rd *r)
{
    if (!rd_has(r, 4))
        return 0;
    uint32_t v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) | r->p[3];
    r->p += 4;
    return v;
}

/* Little-endian 32 (for DLT_NULL host-order families). */
static inline uint32_t rd_u32le(struct rd *r)
{
    if (!rd_has(r, 4))
        return 0;
    uint32_t v = ((uint32_t)r->p[3] << 24) | ((uint32_t)r->p[2] << 16) | ((uint32_t)r->p[1] << 8) | r->p[0];
    r->p += 4;
    return v;
}

static inline const uint8_t *rd_bytes(struct rd *r, size_t n)
{
    if (!rd_has(r, n))
        return NULL;
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

static inline void rd_skip(struct rd *r, size_t n)
{
    (void)rd_bytes(r, n);
}

/* Peek a big-endian 16 at offset off without consuming; 0 + err if short. */
static inline uint16_t rd_peek16(struct rd *r, size_t off)
{
    if ((size_t)(r->end - r->p) < off + 2) {
        r->err = 1;
        return 0;
    }
    return (uint16_t)((r->p[off] << 8) | r->p[off + 1]);
}

#endif
