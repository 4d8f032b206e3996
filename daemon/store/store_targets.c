/* store_targets: see store_targets.h (store_targets_bind: store_internal.h). */
#include "store_targets.h"
#include "store_internal.h"

#include <string.h>

static bool id_listed(const json_t *ids, int64_t want)
{
    size_t i;
    const json_t *x;
    json_array_foreach(ids, i, x)
    {
        if (json_is_integer(x) && json_integer_value(x) == want)
            return true;
    }
    return false;
}

bool store_targets_box(const char *kind, const json_t *ids, int64_t box_id, int64_t commune_id)
{
    if (!kind || strcmp(kind, "all") == 0)
        return true;
    if (strcmp(kind, "communes") == 0)
        return id_listed(ids, commune_id);
    if (strcmp(kind, "boxes") == 0)
        return id_listed(ids, box_id);
    return false;
}

bool store_targets_box_text(const char *kind, const char *ids_json, int64_t box_id,
                            int64_t commune_id)
{
    json_t *ids = ids_json ? json_loads(ids_json, 0, NULL) : NULL;
    bool yes = store_targets_box(kind, ids, box_id, commune_id);
    json_decref(ids);
    return yes;
}

void store_targets_bind(sqlite3_stmt *st, int64_t box_id, int64_t commune_id)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":target_box"), box_id);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":target_commune"), commune_id);
}
