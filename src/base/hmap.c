/*
 * hmap.c - open-addressing hash map (see hmap.h for the contract).
 */
#include "src/base/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

#define TOMB ((uint8_t *)1)

void hmap_init(struct hmap *m)
{
    memset(m, 0, sizeof(*m));
}

void hmap_fini(struct hmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != TOMB)
            free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static size_t find_slot(const struct hmap *m, uint64_t h, const void *key, size_t klen, int *found)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask, tomb = SIZE_MAX;
    for (;;) {
        const struct hmap_slot *s = &m->slots[i];
        if (!s->key) {
            *found = 0;
            return tomb != SIZE_MAX ? tomb : i;
        }
        if (s->key == TOMB) {
            if (tomb == SIZE_MAX)
                tomb = i;
        } else if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static void rehash(struct hmap *m, size_t ncap)
{
    struct hmap_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = xcalloc(ncap, sizeof(*m->slots));
    m->cap = ncap;
    m->used = m->count;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key || old[i].key == TOMB)
            continue;
        size_t j = (size_t)old[i].hash & (ncap - 1);
        while (m->slots[j].key)
            j = (j + 1) & (ncap - 1);
        m->slots[j] = old[i];
    }
    free(old);
}

int hmap_get(const struct hmap *m, const void *key, size_t klen, uint32_t *val)
{
    if (!m->cap)
        return 0;
    int found;
    size_t i = find_slot(m, hash_bytes(key, klen, 0), key, klen, &found);
    if (found && val)
        *val = m->slots[i].val;
    return found;
}

void hmap_put(struct hmap *m, const void *key, size_t klen, uint32_t val)
{
    if ((m->used + 1) * 2 > m->cap)
        rehash(m, m->cap ? (m->count * 4 > m->cap ? m->cap * 2 : m->cap) : 16);
    uint64_t h = hash_bytes(key, klen, 0);
    int found;
    size_t i = find_slot(m, h, key, klen, &found);
    struct hmap_slot *s = &m->slots[i];
    if (found) {
        s->val = val;
        return;
    }
    if (!s->key)
        m->used++;
    s->hash = h;
    s->key = xmemdup(key, klen);
    s->klen = (uint32_t)klen;
    s->val = val;
    m->count++;
}

int hmap_del(struct hmap *m, const void *key, size_t klen)
{
    if (!m->cap)
        return 0;
    int found;
    size_t i = find_slot(m, hash_bytes(key, klen, 0), key, klen, &found);
    if (!found)
        return 0;
    free(m->slots[i].key);
    m->slots[i].key = TOMB;
    m->count--;
    return 1;
}
