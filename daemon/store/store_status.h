/* store_status: what boxes say about themselves (POST /api/v1/box/status, kept as sent), when
 * each box last reached the daemon, and the box status list people look at.
 *
 * Contacts: every box request calls store_contacts_touch, which only updates memory (a
 * mutex-protected map; no disk write per request). The daemon calls store_contacts_flush now
 * and then (say every 30 s, and at shutdown) to write the changed entries to box_contacts
 * (schema migration 2) in one transaction. A box is online while its last contact is younger
 * than 3 poll intervals; `since` is when the current run of contacts (gaps under that) began,
 * or, offline, the last contact. The contacts object is owned by the daemon; lists and answers
 * are new jansson references owned by the caller. */
#ifndef LOALANG_STORE_STATUS_H
#define LOALANG_STORE_STATUS_H

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

#include "store.h"

#define STORE_STATUS_OFFLINE_POLLS 3    /* online while last contact < 3 × poll interval */
#define STORE_STATUS_CLOCK_WARN_MS 2000 /* |clock offset| above this is flagged */
#define STORE_STATUS_KEEP_DAYS     30   /* status rows older than this are pruned per box */

/* Validates status with proto_box_status_from_json (-EINVAL, the decoder's message in
 * store_errmsg), stores it as sent with now_ms, prunes the box's rows older than
 * STORE_STATUS_KEEP_DAYS, commits (own transaction) and returns {"server_time": now} in tz.
 * -ENOENT no such box. */
int store_status_report(store *s, int64_t box_id, const json_t *status, int64_t now_ms,
                        GTimeZone *tz, json_t **out);

typedef struct store_contacts store_contacts;

/* offline_after_ms: STORE_STATUS_OFFLINE_POLLS × the poll interval. */
store_contacts *store_contacts_new(int64_t offline_after_ms);
void store_contacts_free(store_contacts *c);
/* Records a request from box_id at now_ms; memory only, thread-safe. */
void store_contacts_touch(store_contacts *c, int64_t box_id, int64_t now_ms);
/* Reads box_contacts into memory (at start-up); entries already touched are kept. */
int store_contacts_load(store_contacts *c, store *s);
/* Writes the entries changed since the last flush, in one write transaction of its own. */
int store_contacts_flush(store_contacts *c, store *s);

/* The box list for people: {"boxes":[{"id","name","commune","commune_id","revoked","online",
 * "since","last_contact","last_play":{"airing","title","started","outcome"}|null,
 * "missing_media","clock_offset_ms","clock_warning","version","playing","status_at"}]}, by
 * commune then name. Contacts come from box_contacts overlaid with c's unflushed entries (c
 * may be NULL). commune_id > 0 keeps that commune's boxes only (operators). Times RFC 3339 in
 * tz or null; figures from the latest status report, null when the box never sent one. */
int store_status_list(store *s, store_contacts *c, int64_t commune_id, int poll_seconds,
                      int64_t now_ms, GTimeZone *tz, json_t **out);

#endif
