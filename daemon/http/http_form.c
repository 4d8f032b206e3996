/* http_form: form bodies through libmicrohttpd's post processor (see http.h). */
#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>

#include "http.h"
#include "http_internal.h"

#define FORM_BUFFER 65536 /* MHD's work buffer; multipart boundaries are far shorter */

struct http_form {
    struct MHD_PostProcessor *pp;
    http_form_fn fn;
    void *arg;
    int err; /* the callback's error, kept across MHD's MHD_NO */
};

static enum MHD_Result iterate(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind;
    (void)transfer_encoding;
    http_form *f = cls;
    int rc = f->fn(f->arg, key, filename, content_type, off, data, size);
    if (rc != 0) {
        f->err = rc;
        return MHD_NO;
    }
    return MHD_YES;
}

int http_form_new(http_req *r, http_form_fn fn, void *arg, http_form **out)
{
    http_form *f = calloc(1, sizeof *f);
    if (!f)
        return -ENOMEM;
    f->fn = fn;
    f->arg = arg;
    f->pp = MHD_create_post_processor(r->conn, FORM_BUFFER, iterate, f);
    if (!f->pp) {
        free(f);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

int http_form_feed(http_form *f, const char *data, size_t len)
{
    if (f->err)
        return f->err;
    if (len > 0 && MHD_post_process(f->pp, data, len) != MHD_YES)
        return f->err ? f->err : -EINVAL;
    return 0;
}

int http_form_free(http_form *f)
{
    if (!f)
        return 0;
    int rc = MHD_destroy_post_processor(f->pp) == MHD_YES ? 0 : -EINVAL;
    if (f->err)
        rc = f->err;
    free(f);
    return rc;
}
