/* test_crypto.c: libs/crypto against published vectors (FIPS 180-2, RFC 1321, RFC 4231, RFC 7914) and the host's Python hashlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypto/hmac.h>
#include <crypto/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
static void to_hex(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

/* Asserts that the SHA-256 of s is hex. */
static void expect_sha256(const char *s, const char *hex)
{
    uint8_t d[SHA256_DIGEST_LEN];
    char got[2 * SHA256_DIGEST_LEN + 1];
    sha256(s, strlen(s), d);
    to_hex(d, sizeof(d), got);
    assert_string_equal(got, hex);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    expect_sha256("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_sha256("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* A million 'a' fed in uneven pieces: the partial-block bookkeeping. */
static void test_sha256_million_a(void **state)
{
    (void)state;
    char chunk[997];
    memset(chunk, 'a', sizeof(chunk));
    struct sha256 s;
    sha256_init(&s);
    size_t left = 1000000;
    while (left > 0) {
        size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
        sha256_update(&s, chunk, n);
        left -= n;
    }
    uint8_t d[SHA256_DIGEST_LEN];
    char got[65];
    sha256_final(&s, d);
    to_hex(d, sizeof(d), got);
    assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Asserts that the MD5 of s is hex. */
static void expect_md5(const char *s, const char *hex)
{
    uint8_t d[MD5_DIGEST_LEN];
    char got[2 * MD5_DIGEST_LEN + 1];
    md5(s, strlen(s), d);
    to_hex(d, sizeof(d), got);
    assert_string_equal(got, hex);
}

/* RFC 1321 appendix A.5. */
static void test_md5_vectors(void **state)
{
    (void)state;
    expect_md5("", "d41d8cd98f00b204e9800998ecf8427e");
    expect_md5("a", "0cc175b9c0f1b6a831c399e269772661");
    expect_md5("abc", "900150983cd24fb0d6963f7d28e17f72");
    expect_md5("message digest", "f96b697d7cb7938d525a2f31aaf161d0");
    expect_md5("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b");
    expect_md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
               "57edf4a22be3c955ac49da2e2107b67a");
}

/* Asserts HMAC-SHA-256(key, data) is hex. */
static void expect_hmac(const void *key, size_t klen, const char *data, const char *hex)
{
    uint8_t d[SHA256_DIGEST_LEN];
    char got[65];
    hmac_sha256(key, klen, data, strlen(data), d);
    to_hex(d, sizeof(d), got);
    assert_string_equal(got, hex);
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than a block). */
static void test_hmac_vectors(void **state)
{
    (void)state;
    uint8_t k1[20], k6[131];
    memset(k1, 0x0b, sizeof(k1));
    memset(k6, 0xaa, sizeof(k6));
    expect_hmac(k1, sizeof(k1), "Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    expect_hmac("Jefe", 4, "what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    expect_hmac(k6, sizeof(k6), "Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* Asserts PBKDF2-HMAC-SHA-256 of (password, salt, c) over len bytes is hex. */
static void expect_pbkdf2(const char *password, const char *salt, uint32_t c, size_t len, const char *hex)
{
    uint8_t d[64];
    char got[129];
    pbkdf2_sha256(password, strlen(password), salt, strlen(salt), c, d, len);
    to_hex(d, len, got);
    assert_string_equal(got, hex);
}

/* RFC 7914 section 11 (64 bytes: two blocks) and the widely published SHA-256 counterparts of RFC 6070. */
static void test_pbkdf2_vectors(void **state)
{
    (void)state;
    expect_pbkdf2("passwd", "salt", 1, 64,
                  "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                  "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    expect_pbkdf2("password", "salt", 1, 32,
                  "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    expect_pbkdf2("password", "salt", 4096, 32,
                  "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    expect_pbkdf2("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40,
                  "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9");
}

#define HOST_CASES 40

/* The message of case i: (i * 37) % 300 bytes of a pattern, every length class around the block size. */
static size_t host_case(unsigned i, uint8_t *buf)
{
    size_t len = (i * 37u) % 300u;
    for (size_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(k * 31 + i);
    return len;
}

/* Our sha256, md5 and HMAC (keyed by the message itself) of every host case, against python3's hashlib. */
static void test_against_hashlib(void **state)
{
    (void)state;
    static const char script[] = "python3 -c 'import hashlib,hmac\n"
                                 "for i in range(40):\n"
                                 "    n=(i*37)%300; b=bytes(((k*31+i)&255) for k in range(n))\n"
                                 "    print(hashlib.sha256(b).hexdigest(), hashlib.md5(b).hexdigest(),"
                                 " hmac.new(b, b, hashlib.sha256).hexdigest())'";
    FILE *py = popen(script, "r");
    assert_non_null(py);
    for (unsigned i = 0; i < HOST_CASES; i++) {
        uint8_t buf[300], d[SHA256_DIGEST_LEN], m[MD5_DIGEST_LEN], h[SHA256_DIGEST_LEN];
        char want_s[65], want_m[33], want_h[65], got_s[65], got_m[33], got_h[65];
        assert_int_equal(fscanf(py, "%64s %32s %64s", want_s, want_m, want_h), 3);
        size_t len = host_case(i, buf);
        sha256(buf, len, d);
        md5(buf, len, m);
        hmac_sha256(buf, len, buf, len, h);
        to_hex(d, sizeof(d), got_s);
        to_hex(m, sizeof(m), got_m);
        to_hex(h, sizeof(h), got_h);
        assert_string_equal(got_s, want_s);
        assert_string_equal(got_m, want_m);
        assert_string_equal(got_h, want_h);
    }
    assert_int_equal(pclose(py), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_sha256_million_a),
        cmocka_unit_test(test_md5_vectors),    cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_pbkdf2_vectors), cmocka_unit_test(test_against_hashlib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
