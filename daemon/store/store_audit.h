/* store_audit: the audit log of every change a person made (who, when, action, entity,
 * before/after as JSON). Rows are written inside the caller's write transaction, so a change
 * and its audit row commit or vanish together. */
#ifndef LOALANG_STORE_AUDIT_H
#define LOALANG_STORE_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

/* who: "cli:<unix user>" or "user:<name>"; action: "box.add" …; entity: "box:3" …
 * before/after are borrowed (may be NULL). -EINVAL when no transaction is open. */
int store_audit(store *s, const char *who, const char *action, const char *entity,
                const json_t *before, const json_t *after);

/* Number of audit rows with this action (tests and reports); 0 or an error. */
int store_audit_count(store *s, const char *action, int64_t *out);

#endif
