/* api_media: GET /media/<sha256>.opus for boxes (bearer token) and people (session). The name
 * is the only thing from the request that reaches the filesystem, and only once it is exactly
 * 64 lowercase hex digits. Files are immutable (named by their hash), so the ETag is the hash
 * and caches may keep published ones a year; Range gives resumable downloads (206/416). A box
 * gets only what an airing for it uses, an operator only what airs in their commune. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "hash.h"
#include "media_map.h"
#include "range.h"
#include "store_airings.h"
#include "store_media.h"

#define OPUS_TYPE "audio/ogg; codecs=opus"
/* Maps kept for reuse: a month's media for a district is a few dozen files of about 1 MB. */
#define MAPS_MAX_FILES 64
#define MAPS_MAX_BYTES (256u << 20)

/* "<64 lowercase hex>.opus" → sha (65 bytes); false for anything else. */
static bool media_name(const char *file, char sha[HASH_SHA256_HEX_LEN + 1])
{
    size_t n = file ? strlen(file) : 0;
    if (n != HASH_SHA256_HEX_LEN + 5 || strcmp(file + HASH_SHA256_HEX_LEN, ".opus") != 0)
        return false;
    memcpy(sha, file, HASH_SHA256_HEX_LEN);
    sha[HASH_SHA256_HEX_LEN] = '\0';
    return hash_is_sha256_hex(sha);
}

/* Either credential will do; which one is tried follows what the request carries. *box_id is
 * set for a box, *u for a person. */
static int media_auth(http_req *r, api *a, int64_t *box_id, api_user *u)
{
    *box_id = 0;
    if (http_header(r, "Authorization"))
        return api_box_seen(r, a, box_id);
    return api_user_require(r, a, API_EVERYONE, u);
}

/* Who may fetch m: a box what a live airing for it uses (what its manifest may name); the
 * centre's staff (technicians, approvers, admins) everything; an operator what is on air for
 * their commune. */
static int media_allowed(api *a, const store_media *m, int64_t box_id, const api_user *u, bool *ok)
{
    if (box_id > 0)
        return store_media_for_box(a->db, m->sha256, box_id, ok);
    *ok = u->u.role != STORE_ROLE_OPERATOR;
    if (*ok || !m->published)
        return 0;
    return store_airings_media_visible(a->db, m->sha256, u->u.commune_id, ok);
}

/* From a shared map when there is one (see media_map.h); a file reply otherwise. Takes ref
 * (may be NULL) and fd (may be -1 when ref is given). */
static int reply_body(http_req *r, api *a, unsigned status, media_map_ref *ref, int fd,
                      const struct stat *sb, uint64_t start, uint64_t len)
{
    if (!ref && len > 0 && a->media_maps)
        (void)media_map_get(a->media_maps, fd, sb, &ref); /* else a file reply: still correct */
    if (ref) {
        if (fd >= 0)
            close(fd);
        return http_reply_mem(r, status, OPUS_TYPE, media_map_data(ref) + start, (size_t)len,
                              media_map_unref, ref);
    }
    return http_reply_fd(r, status, OPUS_TYPE, fd, start, len);
}

static void release(media_map_ref *ref, int fd)
{
    media_map_unref(ref);
    if (fd >= 0)
        close(fd);
}

/* The file's map when it is cached (a stat, no open), else the file open in *fd. */
static int media_open(api *a, const char *sha, struct stat *sb, media_map_ref **ref, int *fd)
{
    char *path = NULL;
    int rc = store_media_path(a->data_dir, sha, &path);
    *ref = NULL;
    *fd = -1;
    if (rc != 0)
        goto out;
    if (stat(path, sb) != 0) {
        rc = -errno;
        goto out;
    }
    if (a->media_maps && media_map_find(a->media_maps, sb, ref) == 0)
        goto out;
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, sb) != 0) /* sb again: the file may have been replaced since */
        rc = -errno;
out:
    if (rc != 0 && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    g_free(path);
    return rc;
}

static int media_check(http_req *r, api *a, const char *sha, store_media *m)
{
    int64_t box_id = 0;
    api_user u = {0};
    bool ok = false;
    /* One read transaction for the token and the media row, as the manifest does: each
     * statement alone would be its own, most of a small file's time (docs/benchmarks.md). */
    bool tx = store_read_begin(a->db) == 0;
    int rc = media_auth(r, a, &box_id, &u);
    if (rc != 0)
        goto out; /* replied */
    rc = store_media_get(a->db, sha, m);
    if (rc == 0)
        rc = media_allowed(a, m, box_id, &u, &ok);
    if (rc == 0 && !ok)
        rc = -ENOENT; /* not theirs: as if it did not exist */
    if (rc == -ENOENT)
        http_reply_error(r, 404, "not_found", "Không tìm thấy tệp âm thanh.");
    else if (rc != 0)
        api_fail(r, a, rc, "tệp âm thanh");
out:
    store_read_end(a->db, tx);
    return rc;
}

static int media_get(http_req *r, void *ud)
{
    api *a = ud;
    char sha[HASH_SHA256_HEX_LEN + 1], etag[HASH_SHA256_HEX_LEN + 3], buf[96];
    store_media m;
    struct stat sb;
    uint64_t start = 0, len = 0;
    if (!media_name(http_param(r, "file"), sha))
        return http_reply_error(r, 404, "not_found", "Không tìm thấy tệp âm thanh.");
    if (media_check(r, a, sha, &m) != 0)
        return 0; /* replied */
    media_map_ref *ref = NULL;
    int fd = -1;
    if (media_open(a, sha, &sb, &ref, &fd) != 0)
        return http_reply_error(r, 404, "not_found", "Không tìm thấy tệp âm thanh.");
    g_snprintf(etag, sizeof etag, "\"%s\"", sha);
    http_add_header(r, "ETag", etag);
    http_add_header(r, "Accept-Ranges", "bytes");
    /* Broadcast content may sit in any shared cache once it is on air (it plays on open
     * loudspeakers: docs/security.md); before that in no cache at all. */
    http_add_header(r, "Cache-Control",
                    m.published ? "public, max-age=31536000, immutable" : "private, no-store");
    if (http_etag_matches(http_header(r, "If-None-Match"), etag)) {
        release(ref, fd);
        return http_reply_empty(r, 304);
    }
    uint64_t size = (uint64_t)sb.st_size;
    const char *if_range = http_header(r, "If-Range");
    range_result rr = (if_range && strcmp(if_range, etag) != 0)
                          ? RANGE_NONE
                          : range_parse(http_header(r, "Range"), size, &start, &len);
    if (rr == RANGE_UNSATISFIABLE) {
        release(ref, fd);
        g_snprintf(buf, sizeof buf, "bytes */%" G_GUINT64_FORMAT, size);
        http_add_header(r, "Content-Range", buf);
        return http_reply_error(r, 416, "range", "Khoảng byte yêu cầu nằm ngoài tệp.");
    }
    if (rr == RANGE_PARTIAL) {
        g_snprintf(buf, sizeof buf,
                   "bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, start,
                   start + len - 1, size);
        http_add_header(r, "Content-Range", buf);
        return reply_body(r, a, 206, ref, fd, &sb, start, len);
    }
    return reply_body(r, a, 200, ref, fd, &sb, 0, size);
}

static const http_route ROUTES[] = {
    {"GET", "/media/:file", media_get, 0, NULL, NULL},
};

int api_routes_media(api *a)
{
    int rc = media_map_new(MAPS_MAX_FILES, MAPS_MAX_BYTES, &a->media_maps);
    if (rc != 0)
        return rc;
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
