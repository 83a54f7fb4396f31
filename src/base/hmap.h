/*
 * hmap.h - open-addressing hash map from a byte key to a uint32_t value.
 *
 * Keys are copied into the map (so callers may pass transient bytes);
 * values are small integers (indexes into the caller's vectors).  Linear
 * probing, power-of-two capacity, load factor <= 0.5, deletion by
 * tombstone.  Lookups are O(1) on average: correlation never scans.
 */
#ifndef SIPLADDER_BASE_HMAP_H
#define SIPLADDER_BASE_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
    uint64_t hash;
    uint8_t *key; /* owned copy; NULL = empty; (uint8_t*)1 = tombstone */
    uint32_t klen;
    uint32_t val;
};

struct hmap {
    struct hmap_slot *slots;
    size_t cap;   /* power of two */
    size_t count; /* live entries */
    size_t used;  /* live + tombstones */
};

void hmap_init(struct hmap *m);
void hmap_fini(struct hmap *m);
/* Returns 1 and sets *val when found. */
int hmap_get(const struct hmap *m, const void *key, size_t klen, uint32_t *val);
/* Inserts or replaces. */
void hmap_put(struct hmap *m, const void *key, size_t klen, uint32_t val);
int hmap_del(struct hmap *m, const void *key, size_t klen);

#endif
