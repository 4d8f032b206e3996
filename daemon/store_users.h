/* store_users: people who log in, their role and argon2id password hash (libsodium
 * crypto_pwhash_str). Hashing is separate from the insert because it takes a tenth of a second
 * and should not hold the write lock. Writers run inside the caller's write transaction. */
#ifndef LOALANG_STORE_USERS_H
#define LOALANG_STORE_USERS_H

#include <sodium.h>
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

#endif
