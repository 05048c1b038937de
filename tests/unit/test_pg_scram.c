/* test_pg_scram.c: libs/pg's SCRAM-SHA-256 client on RFC 7677's example exchange, base64, and hostile server messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pg/scram.h>
#include <string.h>
#include <warp/error.h>

/* RFC 7677 section 3: user "user", password "pencil". */
#define CLIENT_NONCE "rOprNGfwEbeRWgbNEkqO"
#define SERVER_FIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define CLIENT_FINAL                                                                                            \
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ" \
    "="
#define SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* Runs the example up to client-final into s. */
static void example(struct scram *s)
{
    char out[256];
    long n = scram_client_first(s, "user", CLIENT_NONCE, out, sizeof(out));
    assert_int_equal(n, strlen("n,,n=user,r=" CLIENT_NONCE));
    assert_memory_equal(out, "n,,n=user,r=" CLIENT_NONCE, (size_t)n);
    n = scram_client_final(s, "pencil", SERVER_FIRST, strlen(SERVER_FIRST), out, sizeof(out));
    assert_int_equal(n, strlen(CLIENT_FINAL));
    assert_memory_equal(out, CLIENT_FINAL, (size_t)n);
}

static void test_rfc7677_exchange(void **state)
{
    (void)state;
    struct scram s;
    example(&s);
    assert_int_equal(scram_verify_final(&s, SERVER_FINAL, strlen(SERVER_FINAL)), 0);
}

/* A server signature off by one character, an "e=" error, garbage: refused. */
static void test_wrong_server_signature(void **state)
{
    (void)state;
    struct scram s;
    example(&s);
    const char *wrong = "v=6rriTRBi23WpRR/wtup+mMhUZUm/dB5nLTJRsjl95G4=";
    const char *noncanonical = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5="; /* pad bits set */
    const char *bad_b64 = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4";
    assert_int_equal(scram_verify_final(&s, wrong, strlen(wrong)), ERR_PERMISSION);
    assert_int_equal(scram_verify_final(&s, noncanonical, strlen(noncanonical)), ERR_BAD_FORMAT);
    assert_int_equal(scram_verify_final(&s, "e=invalid-proof", 15), ERR_PERMISSION);
    assert_int_equal(scram_verify_final(&s, bad_b64, strlen(bad_b64)), ERR_BAD_FORMAT);
    assert_int_equal(scram_verify_final(&s, "v=AAAA", 6), ERR_BAD_FORMAT);
    assert_int_equal(scram_verify_final(&s, "", 0), ERR_BAD_FORMAT);
}

/* Asserts that server-first msg is refused with err after the example's client-first. */
static void expect_refused(const char *msg, long err)
{
    struct scram s;
    char out[256];
    scram_client_first(&s, "user", CLIENT_NONCE, out, sizeof(out));
    assert_int_equal(scram_client_final(&s, "pencil", msg, strlen(msg), out, sizeof(out)), err);
}

static void test_hostile_server_first(void **state)
{
    (void)state;
    expect_refused("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", ERR_BAD_FORMAT);
    expect_refused("r=" CLIENT_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                   ERR_BAD_FORMAT); /* no server part */
    expect_refused("r=" CLIENT_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", ERR_BAD_FORMAT);
    expect_refused("r=" CLIENT_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100000000", ERR_BAD_FORMAT);
    expect_refused("r=" CLIENT_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096", ERR_BAD_FORMAT);
    expect_refused("r=" CLIENT_NONCE "x,s=,i=4096", ERR_BAD_FORMAT);
    expect_refused("m=ext,r=" CLIENT_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", ERR_BAD_FORMAT);
    expect_refused("r=" CLIENT_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==", ERR_BAD_FORMAT);
    expect_refused("", ERR_BAD_FORMAT);
    expect_refused("r=" CLIENT_NONCE "x\x01,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1", ERR_BAD_FORMAT);
}

/* Nonces and user names that would break the message's syntax, and a buffer too small. */
static void test_client_first_refusals(void **state)
{
    (void)state;
    struct scram s;
    char out[256];
    assert_int_equal(scram_client_first(&s, "user", "", out, sizeof(out)), ERR_INVALID_ARG);
    assert_int_equal(scram_client_first(&s, "user", "a,b", out, sizeof(out)), ERR_INVALID_ARG);
    assert_int_equal(scram_client_first(&s, "us,er", "abc", out, sizeof(out)), ERR_INVALID_ARG);
    assert_int_equal(scram_client_first(&s, "user", "abc", out, 8), ERR_TOO_LARGE);
    assert_int_equal(scram_client_first(&s, "", "abc", out, sizeof(out)), 11); /* "n,,n=,r=abc" */
}

/* RFC 4648 section 10 vectors, both ways, and malformed input. */
static void test_base64(void **state)
{
    (void)state;
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char enc[16];
        uint8_t dec[16];
        long n = scram_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), enc, sizeof(enc));
        assert_int_equal(n, strlen(coded[i]));
        assert_memory_equal(enc, coded[i], (size_t)n);
        n = scram_base64_decode(coded[i], strlen(coded[i]), dec, sizeof(dec));
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(dec, plain[i], (size_t)n);
    }
    uint8_t dec[4];
    assert_int_equal(scram_base64_decode("Zm9", 3, dec, sizeof(dec)), ERR_BAD_FORMAT);
    assert_int_equal(scram_base64_decode("Zm=v", 4, dec, sizeof(dec)), ERR_BAD_FORMAT);
    assert_int_equal(scram_base64_decode("Z!9v", 4, dec, sizeof(dec)), ERR_BAD_FORMAT);
    assert_int_equal(scram_base64_decode("Zm9vYmFy", 8, dec, sizeof(dec)), ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7677_exchange),
        cmocka_unit_test(test_wrong_server_signature),
        cmocka_unit_test(test_hostile_server_first),
        cmocka_unit_test(test_client_first_refusals),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
