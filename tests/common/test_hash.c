/* hash: SHA-256 vectors, file streaming against buffer hashing, the hex-name validator. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hash.h"

#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* FIPS 180-2's two-block message. */
#define SHA_448 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

static char *temp_file_with(const void *data, size_t len)
{
    char *path = NULL;
    int fd = g_file_open_tmp("loalang-hash-XXXXXX", &path, NULL);
    assert_true(fd >= 0);
    assert_true(write(fd, data, len) == (ssize_t)len);
    close(fd);
    return path;
}

static void test_vectors(void **state)
{
    (void)state;
    char hex[HASH_SHA256_HEX_LEN + 1];
    hash_sha256_buf("", 0, hex);
    assert_string_equal(hex, SHA_EMPTY);
    hash_sha256_buf("abc", 3, hex);
    assert_string_equal(hex, SHA_ABC);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hash_sha256_buf(m, strlen(m), hex);
    assert_string_equal(hex, SHA_448);
    assert_true(hash_is_sha256_hex(hex));
}

static void test_file_equals_buffer(void **state)
{
    (void)state;
    /* Several read chunks plus a ragged tail. */
    size_t len = 3 * 64 * 1024 + 12345;
    unsigned char *data = g_malloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 9));
    char *path = temp_file_with(data, len);
    char from_buf[HASH_SHA256_HEX_LEN + 1], from_file[HASH_SHA256_HEX_LEN + 1];
    hash_sha256_buf(data, len, from_buf);
    assert_int_equal(hash_sha256_file(path, from_file), 0);
    assert_string_equal(from_file, from_buf);
    g_unlink(path);
    g_free(path);

    /* A one-byte difference changes the name. */
    data[len / 2] ^= 1;
    hash_sha256_buf(data, len, from_file);
    assert_string_not_equal(from_file, from_buf);
    g_free(data);

    path = temp_file_with("", 0);
    assert_int_equal(hash_sha256_file(path, from_file), 0);
    assert_string_equal(from_file, SHA_EMPTY);
    g_unlink(path);
    g_free(path);
}

static void test_file_errors(void **state)
{
    (void)state;
    char hex[HASH_SHA256_HEX_LEN + 1] = "untouched";
    assert_int_equal(hash_sha256_file("/nonexistent/loalang/none.opus", hex), -ENOENT);
    assert_string_equal(hex, "untouched");
    char *dir = g_dir_make_tmp("loalang-hash-XXXXXX", NULL);
    assert_non_null(dir);
    assert_int_equal(hash_sha256_file(dir, hex), -EISDIR);
    g_rmdir(dir);
    g_free(dir);
}

static void test_validator(void **state)
{
    (void)state;
    assert_true(hash_is_sha256_hex(SHA_ABC));
    assert_true(hash_is_sha256_hex(SHA_EMPTY));
    char s[80];
    strcpy(s, SHA_ABC);
    s[10] = 'A';
    assert_false(hash_is_sha256_hex(s)); /* uppercase */
    strcpy(s, SHA_ABC);
    s[63] = '\0';
    assert_false(hash_is_sha256_hex(s)); /* 63 chars */
    strcpy(s, SHA_ABC);
    strcat(s, "0");
    assert_false(hash_is_sha256_hex(s)); /* 65 chars */
    strcpy(s, SHA_ABC);
    s[0] = 'g';
    assert_false(hash_is_sha256_hex(s));
    strcpy(s, SHA_ABC);
    s[32] = ' ';
    assert_false(hash_is_sha256_hex(s));
    strcpy(s, SHA_ABC);
    s[63] = '/';
    assert_false(hash_is_sha256_hex(s));
    assert_false(hash_is_sha256_hex(""));
    assert_false(hash_is_sha256_hex(NULL));
    assert_false(hash_is_sha256_hex("../../etc/passwd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_file_equals_buffer),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_validator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
