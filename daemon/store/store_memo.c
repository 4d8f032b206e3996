/* store_memo: see store_memo.h. Direct-mapped: the slot is picked by a hash of the key,
 * and a newer fact simply replaces an older one, so there is no eviction list and no
 * allocation after store_memo_new. */
#include "store_memo.h"

#include <errno.h>
#include <glib.h>
#include <sodium.h>
#include <string.h>

#define SIZE_MAX_BYTES 256

typedef struct slot_head {
    uint64_t gen; /* 0: empty */
    int64_t put_ms;
} slot_head;

struct store_memo {
    size_t slots, key_len, val_len, stride;
    unsigned char *data; /* slots × (head, key, value) */
};

int store_memo_new(size_t slots, size_t key_len, size_t val_len, store_memo **out)
{
    *out = NULL;
    if (slots == 0 || slots > (1u << 20) || key_len == 0 || key_len > SIZE_MAX_BYTES ||
        val_len == 0 || val_len > SIZE_MAX_BYTES)
        return -EINVAL;
    store_memo *m = g_new0(store_memo, 1);
    m->slots = slots;
    m->key_len = key_len;
    m->val_len = val_len;
    m->stride = (sizeof(slot_head) + key_len + val_len + 7) & ~(size_t)7;
    m->data = g_malloc0(slots * m->stride);
    *out = m;
    return 0;
}

void store_memo_free(store_memo *m)
{
    if (!m)
        return;
    g_free(m->data);
    g_free(m);
}

/* FNV-1a over the whole key: hex text keys have only 16 values per byte. */
static unsigned char *slot_of(const store_memo *m, const void *key)
{
    const unsigned char *k = key;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < m->key_len; i++)
        h = (h ^ k[i]) * 16777619u;
    return m->data + (h % m->slots) * m->stride;
}

bool store_memo_get(const store_memo *m, uint64_t gen, int64_t now_ms, const void *key, void *val)
{
    const unsigned char *s = slot_of(m, key);
    slot_head h;
    memcpy(&h, s, sizeof h);
    /* A clock that went back also ends the fact's life: now_ms < put_ms. */
    if (gen == 0 || h.gen != gen || now_ms < h.put_ms || now_ms - h.put_ms > STORE_MEMO_TTL_MS ||
        sodium_memcmp(s + sizeof h, key, m->key_len) != 0)
        return false;
    memcpy(val, s + sizeof h + m->key_len, m->val_len);
    return true;
}

void store_memo_put(store_memo *m, uint64_t gen, int64_t now_ms, const void *key, const void *val)
{
    unsigned char *s = slot_of(m, key);
    slot_head h = {gen, now_ms};
    if (gen == 0)
        return;
    memcpy(s, &h, sizeof h);
    memcpy(s + sizeof h, key, m->key_len);
    memcpy(s + sizeof h + m->key_len, val, m->val_len);
}
