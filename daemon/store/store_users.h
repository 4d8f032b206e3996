/* store_users: people who log in, their role and argon2id password hash (libsodium
 * crypto_pwhash_str). Hashing is separate from the insert because it takes a tenth of a second
 * and should not hold the write lock. Writers run inside the caller's write transaction. */
#ifndef LOALANG_STORE_USERS_H
#define LOALANG_STORE_USERS_H

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define STORE_PASSWORD_MIN  8    /* characters */
#define STORE_PASSWORD_MAX  1024 /* bytes */
#define STORE_USER_NAME_MAX 64   /* bytes */
#define STORE_PWHASH_MAX    crypto_pwhash_STRBYTES

typedef enum store_role {
    STORE_ROLE_ADMIN,
    STORE_ROLE_TECHNICIAN,
    STORE_ROLE_APPROVER,
    STORE_ROLE_OPERATOR,
} store_role;

/* "admin", "technician", "approver", "operator"; parse returns 0 or -EINVAL. */
const char *store_role_name(store_role r);
int store_role_parse(const char *s, store_role *out);

/* Checks the password's length (valid UTF-8, ≥ STORE_PASSWORD_MIN characters, ≤ MAX bytes)
 * and hashes it with argon2id. -EINVAL for a bad password, -ENOMEM if hashing failed. */
int store_password_hash(const char *password, char out[STORE_PWHASH_MAX]);

/* Adds a user with a hash from store_password_hash. commune: required for operators, refused
 * for the other roles (-EINVAL); -ENOENT unknown commune, -EEXIST name taken. */
int store_user_add(store *s, const char *who, const char *name, store_role role,
                   const char *commune, const char *pwhash, int64_t *id_out);

/* Checks a user's password: the user's id and role, or -EACCES for an unknown or disabled
 * user or a wrong password. */
int store_user_verify(store *s, const char *name, const char *password, int64_t *id_out,
                      store_role *role_out);

/* An argon2id hash no password matches quickly, checked instead of a missing user's so that
 * response times do not tell which names exist. Made once per process. */
const char *store_users_dummy_hash(void);

/* For login off the loop thread: the user's id, role and password hash, read here (cheap),
 * then checked with store_password_verify in the thread pool (a tenth of a second). An
 * unknown or disabled user gets id 0 and a dummy hash, so the check takes as long and fails;
 * -EIO only for database errors. hash_out has STORE_PWHASH_MAX bytes. */
int store_user_credentials(store *s, const char *name, int64_t *id_out, store_role *role_out,
                           char *hash_out);
/* 0 when password matches hash, -EACCES otherwise. Thread-safe. */
int store_password_verify(const char *hash, const char *password);

/* All users by name: a new JSON array of {"id","name","role","commune"|null,"disabled",
 * "created"}; the caller json_decref's it. */
int store_user_list_json(store *s, json_t **out);
/* Disables or enables a user (their sessions end); -ENOENT no such user. Audited. */
int store_user_set_disabled(store *s, const char *who, int64_t id, bool disabled);
/* Sets a new hash from store_password_hash; sessions end. -ENOENT no such user. Audited. */
int store_user_set_password(store *s, const char *who, int64_t id, const char *pwhash);

#endif
