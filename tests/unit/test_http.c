/* test_http.c: unit tests for http_server's HTTP/1.1 parser and response builder (servers/http_server/http.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/http_server/http.h"
#include <warp/error.h>

/* What one parse of a whole input came to. */
struct outcome {
    enum http_parse_result result;
    int status;
    size_t consumed;
    struct http_request req;
};

static bool uploads; /* parsers allow uploads (http_parser_allow_uploads) */

/* Parses buf fed in pieces of at most `piece` bytes (0: random sizes from seed). */
static struct outcome parse_pieces(const char *buf, size_t len, size_t piece, unsigned seed)
{
    static struct http_parser p; /* large: keep it off the stack */
    struct outcome o;
    memset(&o, 0, sizeof(o));
    http_parser_init(&p);
    if (uploads)
        http_parser_allow_uploads(&p);
    size_t off = 0;
    enum http_parse_result r = HTTP_PARSE_MORE;
    while (off < len && r == HTTP_PARSE_MORE) {
        size_t n = piece;
        if (n == 0) {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 16) % 97;
        }
        if (n > len - off)
            n = len - off;
        size_t used = 0;
        r = http_parse(&p, buf + off, n, &used);
        assert_true(used <= n);
        if (r == HTTP_PARSE_MORE)
            assert_int_equal(used, n);
        off += used;
    }
    o.result = r;
    o.status = r == HTTP_PARSE_ERROR ? p.status : 0;
    o.consumed = off;
    o.req = p.req;
    return o;
}

/* Parses a request whole, byte by byte and in random pieces; all three must agree. */
static struct outcome parse_len(const char *buf, size_t len)
{
    struct outcome whole = parse_pieces(buf, len, len ? len : 1, 0);
    struct outcome bytes = parse_pieces(buf, len, 1, 0);
    struct outcome random = parse_pieces(buf, len, 0, (unsigned)len);
    struct outcome *others[] = {&bytes, &random};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(others[i]->result, whole.result);
        assert_int_equal(others[i]->status, whole.status);
        if (whole.result != HTTP_PARSE_ERROR)
            assert_int_equal(others[i]->consumed, whole.consumed);
        if (whole.result == HTTP_PARSE_DONE) {
            assert_string_equal(others[i]->req.path, whole.req.path);
            assert_int_equal(others[i]->req.keep_alive, whole.req.keep_alive);
            assert_int_equal(others[i]->req.method, whole.req.method);
            assert_int_equal(others[i]->req.version, whole.req.version);
            assert_memory_equal(others[i]->req.kept, whole.req.kept, sizeof(whole.req.kept));
            assert_int_equal(others[i]->req.content_length, whole.req.content_length);
            assert_int_equal(others[i]->req.auth, whole.req.auth);
            assert_int_equal(others[i]->req.expect_continue, whole.req.expect_continue);
            if (whole.req.auth == HTTP_KEPT_OK)
                assert_string_equal(others[i]->req.authorization, whole.req.authorization);
            for (int f = 0; f < HTTP_KEPT_COUNT; f++) {
                const char *a = http_request_field(&others[i]->req, f),
                           *b = http_request_field(&whole.req, f);
                if (a || b)
                    assert_string_equal(a, b);
            }
        }
    }
    return whole;
}

static struct outcome parse(const char *s)
{
    return parse_len(s, strlen(s));
}

/* The request must be accepted with this path; returns the outcome for further checks. */
static struct outcome expect_ok(const char *s, const char *path)
{
    struct outcome o = parse(s);
    if (o.result != HTTP_PARSE_DONE)
        fail_msg("expected DONE for %s, got result %d status %d", s, o.result, o.status);
    assert_string_equal(o.req.path, path);
    assert_int_equal(o.consumed, strlen(s));
    return o;
}

/* The request must be refused with this status. */
static void expect_status(const char *s, int status)
{
    struct outcome o = parse(s);
    if (o.result != HTTP_PARSE_ERROR || o.status != status)
        fail_msg("expected %d for \"%s\", got result %d status %d", status, s, o.result, o.status);
}

#define H11 " HTTP/1.1\r\nHost: warp\r\n\r\n"

/* --- accepted requests --- */

static void test_simple_get(void **state)
{
    (void)state;
    struct outcome o = expect_ok("GET / HTTP/1.1\r\nHost: warp\r\n\r\n", "/");
    assert_int_equal(o.req.method, HTTP_GET);
    assert_int_equal(o.req.version, 11);
    assert_true(o.req.keep_alive);
}

static void test_head(void **state)
{
    (void)state;
    struct outcome o = expect_ok("HEAD /style.css" H11, "/style.css");
    assert_int_equal(o.req.method, HTTP_HEAD);
}

static void test_http10_defaults_to_close(void **state)
{
    (void)state;
    struct outcome o = expect_ok("GET /a HTTP/1.0\r\n\r\n", "/a");
    assert_int_equal(o.req.version, 10);
    assert_false(o.req.keep_alive);
    o = expect_ok("GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "/a");
    assert_true(o.req.keep_alive);
    o = expect_ok("GET /a HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", "/a");
    assert_false(o.req.keep_alive);
}

static void test_connection_close(void **state)
{
    (void)state;
    assert_false(expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n", "/").req.keep_alive);
    assert_false(expect_ok("GET / HTTP/1.1\r\nHost: w\r\nconnection: CLOSE\r\n\r\n", "/").req.keep_alive);
    assert_false(
        expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection: upgrade, close\r\n\r\n", "/").req.keep_alive);
    assert_false(
        expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection: ,, close ,\r\n\r\n", "/").req.keep_alive);
    assert_false(expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection: te\r\nConnection: close\r\n\r\n", "/")
                     .req.keep_alive);
    /* "closed" and "xclose" are other options, not close. */
    assert_true(
        expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection: closed, xclose\r\n\r\n", "/").req.keep_alive);
    assert_true(expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection: keep-alive\r\n\r\n", "/").req.keep_alive);
    assert_true(expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection:\r\n\r\n", "/").req.keep_alive);
    /* An option longer than the parser keeps is no option it knows. */
    assert_true(expect_ok("GET / HTTP/1.1\r\nHost: w\r\nConnection: closecloseclosecloseclose\r\n\r\n", "/")
                    .req.keep_alive);
}

static void test_bare_lf_and_blank_lines(void **state)
{
    (void)state;
    expect_ok("GET /x HTTP/1.1\nHost: w\n\n", "/x");
    expect_ok("\r\n\r\nGET /x HTTP/1.1\r\nHost: w\r\n\r\n", "/x");
    expect_ok("\n\nGET /x HTTP/1.0\n\n", "/x");
}

static void test_header_syntax_accepted(void **state)
{
    (void)state;
    expect_ok("GET / HTTP/1.1\r\nHOST: w\r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost:w\r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost: \t w \t\r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost:\r\n\r\n", "/"); /* empty reg-name is allowed */
    expect_ok("GET / HTTP/1.1\r\nHost: w\r\nX-Empty:\r\nX-Text: a \"quoted\" value, with (stuff)\r\n\r\n",
              "/");
    expect_ok("GET / HTTP/1.1\r\nHost: w\r\nX-Obs-Text: caf\xc3\xa9\r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost: w\r\n!#$%&'*+-.^_`|~09azAZ: tchar name\r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 0\r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost: w\r\nContent-Length:  000 \r\n\r\n", "/");
    expect_ok("GET / HTTP/1.1\r\nHost: w\r\nA-Very-Long-Header-Name-That-The-Parser-Does-Not-Keep: 1\r\n\r\n",
              "/");
    expect_ok("GET / HTTP/1.1\r\nHost: w\r\nExpect: 100-continue\r\n\r\n", "/");
}

static void test_higher_minor_version_is_11(void **state)
{
    (void)state;
    struct outcome o = expect_ok("GET / HTTP/1.2\r\nHost: w\r\n\r\n", "/");
    assert_int_equal(o.req.version, 11);
    assert_true(o.req.keep_alive);
    expect_status("GET / HTTP/1.2\r\n\r\n", 400); /* served as 1.1: Host is required */
}

static void test_percent_decoding(void **state)
{
    (void)state;
    expect_ok("GET /a%20b.txt" H11, "/a b.txt");
    expect_ok("GET /%7Euser/%41%62" H11, "/~user/Ab");
    expect_ok("GET /caf%C3%A9" H11, "/caf\xc3\xa9");
    expect_ok("GET /%25" H11, "/%");
    expect_ok("GET /a%2Fb" H11, "/a/b"); /* %2F separates segments like '/' */
}

static void test_query_and_normalisation(void **state)
{
    (void)state;
    expect_ok("GET /x?a=b/../c%zz#?" H11, "/x"); /* the query is not looked into */
    expect_ok("GET /?x" H11, "/");
    expect_ok("GET /./a/./b/." H11, "/a/b/");
    expect_ok("GET //a///b" H11, "/a/b");
    expect_ok("GET /dir/" H11, "/dir/");
    expect_ok("GET /.hidden/...dots" H11, "/.hidden/...dots");
    expect_ok("GET /%2e/a" H11, "/a");
    expect_ok("GET /a:b@c!$&'()*+,;=-._~" H11, "/a:b@c!$&'()*+,;=-._~");
}

static void test_absolute_form(void **state)
{
    (void)state;
    expect_ok("GET http://example.com/x/y HTTP/1.1\r\nHost: example.com\r\n\r\n", "/x/y");
    expect_ok("GET HTTP://Example.com:80 HTTP/1.1\r\nHost: e\r\n\r\n", "/");
    expect_ok("GET https://e?q=1 HTTP/1.1\r\nHost: e\r\n\r\n", "/");
    expect_ok("GET http://e/a/%41 HTTP/1.0\r\n\r\n", "/a/A");
}

static void test_pipelined(void **state)
{
    (void)state;
    static const char two[] = "GET /one HTTP/1.1\r\nHost: w\r\n\r\nHEAD /two HTTP/1.1\r\nHost: w\r\n\r\nGET";
    static struct http_parser p;
    http_parser_init(&p);
    size_t used;
    assert_int_equal(http_parse(&p, two, sizeof(two) - 1, &used), HTTP_PARSE_DONE);
    size_t first = strlen("GET /one HTTP/1.1\r\nHost: w\r\n\r\n");
    assert_int_equal(used, first);
    assert_string_equal(p.req.path, "/one");
    /* Done stays done and takes nothing more. */
    size_t again;
    assert_int_equal(http_parse(&p, two + used, 5, &again), HTTP_PARSE_DONE);
    assert_int_equal(again, 0);

    http_parser_init(&p);
    size_t used2;
    assert_int_equal(http_parse(&p, two + used, sizeof(two) - 1 - used, &used2), HTTP_PARSE_DONE);
    assert_string_equal(p.req.path, "/two");
    assert_int_equal(p.req.method, HTTP_HEAD);

    http_parser_init(&p);
    size_t used3;
    assert_false(http_parser_started(&p));
    assert_int_equal(http_parse(&p, two + used + used2, 3, &used3), HTTP_PARSE_MORE);
    assert_int_equal(used3, 3);
    assert_true(http_parser_started(&p));
    assert_int_equal(http_parser_method(&p), HTTP_METHOD_NONE);
}

static void test_error_is_sticky(void **state)
{
    (void)state;
    static struct http_parser p;
    http_parser_init(&p);
    size_t used;
    assert_int_equal(http_parse(&p, "GET  /", 6, &used), HTTP_PARSE_ERROR);
    assert_int_equal(used, 5); /* up to the second space */
    assert_int_equal(p.status, 400);
    assert_int_equal(http_parse(&p, "x", 1, &used), HTTP_PARSE_ERROR);
    assert_int_equal(used, 0);
    assert_int_equal(http_parser_method(&p), HTTP_GET);
}

static void test_empty_input(void **state)
{
    (void)state;
    static struct http_parser p;
    http_parser_init(&p);
    size_t used = 99;
    assert_int_equal(http_parse(&p, "", 0, &used), HTTP_PARSE_MORE);
    assert_int_equal(used, 0);
    assert_false(http_parser_started(&p));
}

/* --- 400 --- */

static void test_400_request_line(void **state)
{
    (void)state;
    expect_status("GET  / HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status(" GET / HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1 \r\nHost: w\r\n\r\n", 400);
    expect_status("GET /  HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("GET /\r\n\r\n", 400); /* HTTP/0.9: no version */
    expect_status("GET / \r\n\r\n", 400);
    expect_status("GET\r\n\r\n", 400);
    expect_status("GET / http/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1.x\r\nHost: w\r\n\r\n", 400);
    expect_status("GET / HTTP/11\r\nHost: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1.10\r\nHost: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1,1\r\nHost: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\rHost: w\r\n\r\n", 400);
    expect_status("GET\t/ HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("G(T / HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("\r\r\nGET / HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400); /* a TLS hello */
}

static void test_400_target_bytes(void **state)
{
    (void)state;
    expect_status("GET /a\x01 HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("GET /a\x7f HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    expect_status("GET /a\tb HTTP/1.1\r\nHost: w\r\n\r\n", 400);
    static const char nul[] = "GET /a\0b HTTP/1.1\r\nHost: w\r\n\r\n";
    struct outcome o = parse_len(nul, sizeof(nul) - 1);
    assert_int_equal(o.result, HTTP_PARSE_ERROR);
    assert_int_equal(o.status, 400);
}

static void test_400_header_lines(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost : w\r\n\r\n", 400); /* space before the colon */
    expect_status("GET / HTTP/1.1\r\nHost\t: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nX-A: 1\r\n  continued\r\n\r\n", 400); /* obs-fold */
    expect_status("GET / HTTP/1.1\r\nHost: w\r\n\tX: 1\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\n Host: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nNoColon\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\n: no name\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nX(Y): 1\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nX: a\x01b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nX: a\x7f\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nX: a\rb\r\n\r\n", 400); /* bare CR */
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nX: a\r\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\n\rX\r\n", 400); /* CR not ending */
    static const char nul[] = "GET / HTTP/1.1\r\nHost: w\r\nX: a\0b\r\n\r\n";
    struct outcome o = parse_len(nul, sizeof(nul) - 1);
    assert_int_equal(o.status, 400);
}

static void test_400_host(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nX-Host: w\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    expect_status("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a\"b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n", 400);
}

static void test_400_content_length(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: abc\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 1 2\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: -1\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: +1\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 0x10\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length:\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length:   \r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 5, 5\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400);
}

static void test_400_transfer_encoding(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                  400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
                  400);
    expect_status("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400);
    expect_status(
        "GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding:\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: ;chunked\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chun ked\r\n\r\n", 400);
}

static void test_400_connection(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nConnection: close;x\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nConnection: \"close\"\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nConnection: keep alive\r\n\r\n", 400);
}

static void test_400_target_forms(void **state)
{
    (void)state;
    expect_status("GET *" H11, 400);
    expect_status("GET example.com:80" H11, 400);
    expect_status("GET index.html" H11, 400);
    expect_status("GET ftp://e/x" H11, 400);
    expect_status("GET http://e#f" H11, 400);
    expect_status("GET http://e\\x" H11, 400);
}

static void test_400_escaping_the_root(void **state)
{
    (void)state;
    expect_status("GET /.." H11, 400);
    expect_status("GET /../etc/passwd" H11, 400);
    expect_status("GET /a/../b" H11, 400);
    expect_status("GET /a/.." H11, 400);
    expect_status("GET /a/../" H11, 400);
    expect_status("GET /%2e%2e/x" H11, 400);
    expect_status("GET /%2E%2e" H11, 400);
    expect_status("GET /.%2e/x" H11, 400);
    expect_status("GET /..%2fx" H11, 400);
    expect_status("GET /..%2Fx" H11, 400);
    expect_status("GET /x/%2e%2e%2f%2e%2e%2fetc" H11, 400);
    expect_status("GET http://e/../x HTTP/1.1\r\nHost: e\r\n\r\n", 400);
    expect_status("GET /a\\b" H11, 400);
    expect_status("GET /..\\x" H11, 400);
    expect_status("GET /a%5cb" H11, 400);
    expect_status("GET /a%5C..%5Cb" H11, 400);
    expect_status("GET /a%00b" H11, 400);
    expect_status("GET /a%00" H11, 400);
    expect_status("GET /a%0ab" H11, 400);
    expect_status("GET /a%0D%0AX:%20y" H11, 400);
    expect_status("GET /a%7f" H11, 400);
    expect_status("GET /x#frag" H11, 400);
}

static void test_400_bad_escapes(void **state)
{
    (void)state;
    expect_status("GET /%zz" H11, 400);
    expect_status("GET /%4" H11, 400);
    expect_status("GET /%" H11, 400);
    expect_status("GET /%%41" H11, 400);
    expect_status("GET /%4g" H11, 400);
    expect_status("GET /%g4?x" H11, 400);
}

/* --- 405, 413, 414, 431, 501, 505 --- */

static void test_405_known_methods(void **state)
{
    (void)state;
    const char *methods[] = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        char req[128];
        snprintf(req, sizeof(req), "%s /style.css HTTP/1.1\r\nHost: w\r\n\r\n", methods[i]);
        expect_status(req, 405);
    }
    /* A body does not change it: the method is refused first (and the connection closed). */
    expect_status("POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 5\r\n\r\nhello", 405);
    expect_status("OPTIONS *" H11, 405);
    expect_status("CONNECT warp:443" H11, 405);
}

static void test_413_bodies(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 5\r\n\r\nhello", 413);
    expect_status("HEAD / HTTP/1.0\r\nContent-Length: 1\r\n\r\n", 413);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\n\r\n", 413);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: Chunked \r\n\r\n", 413);
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 999999999999999\r\n\r\n", 413);
}

/* Builds "GET /<n - 1 x's> HTTP/1.1..." whose target is n bytes. */
static char *target_request(size_t n)
{
    char *s = malloc(n + 64);
    assert_non_null(s);
    strcpy(s, "GET /");
    memset(s + 5, 'x', n - 1);
    strcpy(s + 4 + n, H11);
    return s;
}

static void test_414_long_target(void **state)
{
    (void)state;
    char *ok = target_request(HTTP_TARGET_MAX);
    struct outcome o = parse(ok);
    assert_int_equal(o.result, HTTP_PARSE_DONE);
    assert_int_equal(strlen(o.req.path), HTTP_TARGET_MAX);
    free(ok);

    char *bad = target_request(HTTP_TARGET_MAX + 1);
    expect_status(bad, 414);
    /* Known at once: the parser stops at the target's first byte too many. */
    static struct http_parser p;
    http_parser_init(&p);
    size_t used;
    assert_int_equal(http_parse(&p, bad, 4 + HTTP_TARGET_MAX + 1, &used), HTTP_PARSE_ERROR);
    assert_int_equal(used, 4 + HTTP_TARGET_MAX + 1);
    assert_int_equal(p.status, 414);
    free(bad);
}

/* A GET with padding fields so that the header block is exactly `total` bytes. */
static char *sized_request(size_t total)
{
    static const char head[] = "GET / HTTP/1.1\r\nHost: w\r\n";
    char *s = malloc(total + 1);
    assert_non_null(s);
    size_t len = strlen(head);
    memcpy(s, head, len);
    /* Fields "X: vvv...\r\n" of at most 1000 bytes each, then the final CRLF. */
    while (total - len - 2 > 0) {
        size_t left = total - len - 2;
        size_t n = left > 1000 ? 1000 : left;
        if (left - n > 0 && left - n < 6)
            n -= 6; /* leave room for one more minimal field */
        assert_true(n >= 6);
        memcpy(s + len, "X: ", 3);
        memset(s + len + 3, 'v', n - 5);
        memcpy(s + len + n - 2, "\r\n", 2);
        len += n;
    }
    memcpy(s + len, "\r\n", 3);
    assert_int_equal(strlen(s), total);
    return s;
}

static void test_431_header_block(void **state)
{
    (void)state;
    char *ok = sized_request(HTTP_HEADER_MAX);
    expect_ok(ok, "/");
    free(ok);
    char *bad = sized_request(HTTP_HEADER_MAX + 1);
    expect_status(bad, 431);
    free(bad);
    /* Leading blank lines count. */
    char *blank = malloc(HTTP_HEADER_MAX + 64);
    assert_non_null(blank);
    memset(blank, '\n', HTTP_HEADER_MAX);
    strcpy(blank + HTTP_HEADER_MAX, "GET / HTTP/1.0\r\n\r\n");
    expect_status(blank, 431);
    free(blank);
}

static void test_431_too_many_fields(void **state)
{
    (void)state;
    char req[4096];
    for (int fields = HTTP_FIELDS_MAX; fields <= HTTP_FIELDS_MAX + 1; fields++) {
        size_t len = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: w\r\n");
        for (int i = 1; i < fields; i++)
            len += (size_t)snprintf(req + len, sizeof(req) - len, "X%d: 1\r\n", i);
        snprintf(req + len, sizeof(req) - len, "\r\n");
        if (fields == HTTP_FIELDS_MAX)
            expect_ok(req, "/");
        else
            expect_status(req, 431);
    }
}

static void test_501_methods(void **state)
{
    (void)state;
    expect_status("FOO / HTTP/1.1\r\nHost: w\r\n\r\n", 501);
    expect_status("get / HTTP/1.1\r\nHost: w\r\n\r\n", 501);
    expect_status("Get / HTTP/1.1\r\nHost: w\r\n\r\n", 501);
    expect_status("PROPFIND / HTTP/1.1\r\nHost: w\r\n\r\n", 501);
    expect_status("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: w\r\n\r\n", 501); /* 17 bytes */
    expect_status("ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: w\r\n\r\n", 501);  /* 16: unknown */
    expect_status("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
    expect_status(
        "GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: gzip;q=1\r\nTransfer-Encoding: chunked\r\n\r\n",
        501);
}

static void test_505_versions(void **state)
{
    (void)state;
    expect_status("GET / HTTP/2.0\r\nHost: w\r\n\r\n", 505);
    expect_status("GET / HTTP/0.9\r\n\r\n", 505);
    expect_status("GET / HTTP/3.1\r\n", 505); /* known at the end of the request line */
}

/* --- responses --- */

static void test_response_head(void **state)
{
    (void)state;
    char buf[512];
    struct http_response r = {
        .status = 200, .content_type = "text/css; charset=utf-8", .content_length = 1234, .keep_alive = true};
    long n = http_response_head(buf, sizeof(buf), &r);
    const char *want = "HTTP/1.1 200 OK\r\n"
                       "Server: warp\r\n"
                       "Content-Type: text/css; charset=utf-8\r\n"
                       "Content-Length: 1234\r\n"
                       "Connection: keep-alive\r\n"
                       "\r\n";
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);

    r = (struct http_response){.status = 404, .content_length = 0, .keep_alive = false};
    n = http_response_head(buf, sizeof(buf), &r);
    assert_string_equal(buf, "HTTP/1.1 404 Not Found\r\nServer: warp\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n");
    assert_int_equal(http_response_head(buf, 20, &r), ERR_TOO_LARGE);
    assert_int_equal(http_response_head(buf, (size_t)n, &r), ERR_TOO_LARGE);
    assert_int_equal(http_response_head(buf, (size_t)n + 1, &r), n);

    r = (struct http_response){.status = 200, .content_length = 5000000000ull, .keep_alive = true};
    http_response_head(buf, sizeof(buf), &r);
    assert_non_null(strstr(buf, "Content-Length: 5000000000\r\n"));
}

/* A file response's head: validators, Accept-Ranges, Content-Range; 304 has no Content-Length. */
static void test_response_head_file(void **state)
{
    (void)state;
    char buf[1024];
    struct http_response r = {
        .status = 206,
        .content_type = "image/png",
        .content_length = 10,
        .keep_alive = true,
        .accept_ranges = true,
        .has_mtime = true,
        .mtime = 784111777,
        .etag = "\"1-2-3-4.5\"",
        .content_range = true,
        .range_first = 10,
        .range_last = 19,
        .range_size = 100,
    };
    long n = http_response_head(buf, sizeof(buf), &r);
    const char *want = "HTTP/1.1 206 Partial Content\r\n"
                       "Server: warp\r\n"
                       "Content-Type: image/png\r\n"
                       "Content-Length: 10\r\n"
                       "ETag: \"1-2-3-4.5\"\r\n"
                       "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                       "Accept-Ranges: bytes\r\n"
                       "Content-Range: bytes 10-19/100\r\n"
                       "Connection: keep-alive\r\n"
                       "\r\n";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    for (size_t size = 0; size <= (size_t)n; size++)
        assert_int_equal(http_response_head(buf, size, &r), ERR_TOO_LARGE);

    r.status = 304;
    r.content_range = false;
    http_response_head(buf, sizeof(buf), &r);
    assert_null(strstr(buf, "Content-Length"));
    assert_non_null(strstr(buf, "HTTP/1.1 304 Not Modified\r\n"));
    assert_non_null(strstr(buf, "\r\nETag: \"1-2-3-4.5\"\r\n"));

    /* 416: Content-Range names only the size; the text body comes along. */
    r = (struct http_response){.status = 416, .keep_alive = true, .content_range = true, .range_size = 77};
    n = http_error_response_with(buf, sizeof(buf), &r, false);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\r\nContent-Range: bytes */77\r\n"));
    assert_non_null(strstr(buf, "\r\n\r\n416 Range Not Satisfiable\n"));

    r = (struct http_response){.status = 301, .keep_alive = false, .location = "/a%20b/"};
    n = http_error_response_with(buf, sizeof(buf), &r, true);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 301 Moved Permanently\r\n"));
    assert_non_null(strstr(buf, "\r\nLocation: /a%20b/\r\n"));
    assert_non_null(strstr(buf, "\r\nContent-Length: 22\r\n"));
    assert_true(strstr(buf, "\r\n\r\n") + 4 == buf + n); /* HEAD: no body */
}

/* The fields kept for conditional and range requests: trimmed values, joined If-None-Match lines,
 * repeated or over-long ones unusable, and never a reason to refuse the request. */
static void test_kept_fields(void **state)
{
    (void)state;
    struct outcome o = parse("GET /f HTTP/1.1\r\nHost: w\r\nIf-None-Match:   \"a\" , W/\"b\"  \r\n"
                             "if-modified-since: Sun, 06 Nov 1994 08:49:37 GMT\t\r\nRANGE: bytes=0-9\r\n"
                             "If-Range: \"x\"\r\n\r\n");
    assert_int_equal(o.result, HTTP_PARSE_DONE);
    assert_string_equal(http_request_field(&o.req, HTTP_KEPT_IF_NONE_MATCH), "\"a\" , W/\"b\"");
    assert_string_equal(http_request_field(&o.req, HTTP_KEPT_IF_MODIFIED_SINCE),
                        "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_string_equal(http_request_field(&o.req, HTTP_KEPT_RANGE), "bytes=0-9");
    assert_string_equal(http_request_field(&o.req, HTTP_KEPT_IF_RANGE), "\"x\"");

    o = parse("GET /f HTTP/1.1\r\nHost: w\r\n\r\n");
    for (int f = 0; f < HTTP_KEPT_COUNT; f++) {
        assert_int_equal(o.req.kept[f], HTTP_KEPT_ABSENT);
        assert_null(http_request_field(&o.req, f));
    }
    assert_null(http_request_field(&o.req, HTTP_KEPT_COUNT));

    /* Two If-None-Match lines are one list; two Range or If-Modified-Since lines are unusable. */
    o = parse("GET /f HTTP/1.1\r\nHost: w\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n"
              "Range: bytes=0-1\r\nRange: bytes=2-3\r\nIf-Modified-Since: x\r\nIf-Modified-Since: y\r\n\r\n");
    assert_int_equal(o.result, HTTP_PARSE_DONE);
    assert_string_equal(http_request_field(&o.req, HTTP_KEPT_IF_NONE_MATCH), "\"a\", \"b\"");
    assert_int_equal(o.req.kept[HTTP_KEPT_RANGE], HTTP_KEPT_UNUSABLE);
    assert_null(http_request_field(&o.req, HTTP_KEPT_RANGE));
    assert_int_equal(o.req.kept[HTTP_KEPT_IF_MODIFIED_SINCE], HTTP_KEPT_UNUSABLE);

    /* Exactly HTTP_KEPT_MAX bytes fit; one more makes it unusable (the request is still fine). */
    static char req[1024];
    char value[HTTP_INM_MAX + 2];
    memset(value, 'r', HTTP_KEPT_MAX);
    value[HTTP_KEPT_MAX] = '\0';
    snprintf(req, sizeof(req), "GET /f HTTP/1.1\r\nHost: w\r\nRange: %s\r\n\r\n", value);
    o = parse(req);
    assert_int_equal(o.result, HTTP_PARSE_DONE);
    assert_string_equal(http_request_field(&o.req, HTTP_KEPT_RANGE), value);
    snprintf(req, sizeof(req), "GET /f HTTP/1.1\r\nHost: w\r\nRange: %sr\r\n\r\n", value);
    o = parse(req);
    assert_int_equal(o.result, HTTP_PARSE_DONE);
    assert_int_equal(o.req.kept[HTTP_KEPT_RANGE], HTTP_KEPT_UNUSABLE);
    memset(value, 'e', HTTP_INM_MAX + 1);
    value[HTTP_INM_MAX + 1] = '\0';
    snprintf(req, sizeof(req), "GET /f HTTP/1.1\r\nHost: w\r\nIf-None-Match: %s\r\n\r\n", value);
    o = parse(req);
    assert_int_equal(o.result, HTTP_PARSE_DONE);
    assert_int_equal(o.req.kept[HTTP_KEPT_IF_NONE_MATCH], HTTP_KEPT_UNUSABLE);

    /* Their values are still checked as field values: a control byte is 400. */
    expect_status("GET /f HTTP/1.1\r\nHost: w\r\nRange: bytes=0-1\x01\r\n\r\n", 400);
}

static void test_error_response(void **state)
{
    (void)state;
    char buf[512];
    long n = http_error_response(buf, sizeof(buf), 404, true, false);
    const char *want = "HTTP/1.1 404 Not Found\r\n"
                       "Server: warp\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Length: 14\r\n"
                       "Connection: keep-alive\r\n"
                       "\r\n"
                       "404 Not Found\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, strlen(want));

    /* HEAD: same head, no body. */
    n = http_error_response(buf, sizeof(buf), 404, true, true);
    assert_int_equal(n, strlen(want) - 14);

    n = http_error_response(buf, sizeof(buf), 405, false, false);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\r\nAllow: GET, HEAD\r\n"));
    assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
    assert_non_null(strstr(buf, "\r\n\r\n405 Method Not Allowed\n"));

    int statuses[] = {301, 400, 403, 408, 413, 414, 416, 431, 500, 501, 503, 505};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        n = http_error_response(buf, sizeof(buf), statuses[i], false, false);
        assert_true(n > 0);
        buf[n] = '\0';
        char line[64];
        snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", statuses[i], http_reason(statuses[i]));
        assert_memory_equal(buf, line, strlen(line));
        assert_string_not_equal(http_reason(statuses[i]), "Unknown");
        assert_null(strstr(buf, "Allow:"));
    }
    assert_int_equal(http_error_response(buf, 100, 404, true, false), ERR_TOO_LARGE);
    assert_string_equal(http_reason(299), "Unknown");
}

static void test_content_types(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"/index.html", "text/html; charset=utf-8"},
        {"/A.HTM", "text/html; charset=utf-8"},
        {"/r.txt", "text/plain; charset=utf-8"},
        {"/s.css", "text/css; charset=utf-8"},
        {"/a.js", "text/javascript; charset=utf-8"},
        {"/d.json", "application/json"},
        {"/i.png", "image/png"},
        {"/i.JPG", "image/jpeg"},
        {"/i.jpeg", "image/jpeg"},
        {"/l.svg", "image/svg+xml"},
        {"/favicon.ico", "image/x-icon"},
        {"/m.wasm", "application/wasm"},
        {"/p.webp", "image/webp"},
        {"/doc.PDF", "application/pdf"},
        {"/feed.xml", "application/xml"},
        {"/v.mp4", "video/mp4"},
        {"/f.woff2", "font/woff2"},
        {"/i.gif", "image/gif"},
        {"/m.mjs", "text/javascript; charset=utf-8"},
        {"/x.tar.gz", "application/octet-stream"},
        {"/noext", "application/octet-stream"},
        {"/dir.css/noext", "application/octet-stream"},
        {"/trailing.", "application/octet-stream"},
        {"/long.extension", "application/octet-stream"},
        {"www/style.css", "text/css; charset=utf-8"},
        {"", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(http_content_type(cases[i][0]), cases[i][1]);
}

/* --- uploads (http_parser_allow_uploads) --- */

/* Without uploads allowed PUT and DELETE stay 405; with them PUT needs a length (chunked: 411),
 * DELETE takes no body, and the others are still 405. */
static void test_upload_methods(void **state)
{
    (void)state;
    uploads = false;
    expect_status("PUT /u/a HTTP/1.1\r\nHost: w\r\nContent-Length: 3\r\n\r\n", 405);
    expect_status("DELETE /u/a" H11, 405);
    uploads = true;
    struct outcome o = parse("PUT /u/a HTTP/1.1\r\nHost: w\r\nContent-Length: 3\r\n\r\nabc");
    assert_int_equal(o.result, HTTP_PARSE_DONE);
    assert_string_equal(o.req.path, "/u/a");
    assert_int_equal(o.req.method, HTTP_PUT);
    assert_int_equal(o.req.content_length, 3);
    assert_int_equal(o.consumed, strlen("PUT /u/a HTTP/1.1\r\nHost: w\r\nContent-Length: 3\r\n\r\n"));
    o = expect_ok("PUT /u/empty HTTP/1.1\r\nHost: w\r\nContent-Length: 0\r\n\r\n", "/u/empty");
    assert_int_equal(o.req.content_length, 0);
    expect_status("PUT /u/a HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\n\r\n", 411);
    expect_status("PUT /u/a" H11, 411);
    o = expect_ok("DELETE /u/a" H11, "/u/a");
    assert_int_equal(o.req.method, HTTP_DELETE);
    expect_status("DELETE /u/a HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\n\r\nx", 413);
    expect_status("POST /u/a HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\n\r\nx", 405);
    expect_status("GET /u/a HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\n\r\nx", 413);
    expect_status("PUT /u/../a HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\n\r\n", 400);
    expect_status("PUT /u/%2e%2e/a HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\n\r\n", 400);
    expect_status("PUT /u/a%00 HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\n\r\n", 400);
    uploads = false;
}

/* Authorization is kept (trailing whitespace gone); one too long or given twice is unusable. */
static void test_upload_authorization(void **state)
{
    (void)state;
    uploads = true;
    struct outcome o =
        expect_ok("DELETE /a HTTP/1.1\r\nHost: w\r\nAuthorization:  Bearer abc \t\r\n\r\n", "/a");
    assert_int_equal(o.req.auth, HTTP_KEPT_OK);
    assert_string_equal(o.req.authorization, "Bearer abc");
    o = expect_ok("DELETE /a HTTP/1.1\r\nHost: w\r\nAuthorization: a\r\nauthorization: a\r\n\r\n", "/a");
    assert_int_equal(o.req.auth, HTTP_KEPT_UNUSABLE);
    o = expect_ok("DELETE /a" H11, "/a");
    assert_int_equal(o.req.auth, HTTP_KEPT_ABSENT);
    assert_false(o.req.expect_continue);
    o = expect_ok("PUT /a HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\nExpect:  100-Continue \r\n\r\n", "/a");
    assert_true(o.req.expect_continue);
    static const char *others[] = {"100-continue, x", "100-continuex", "200-continue", "",
                                   "100-continue-and-more-than-16"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char req[256];
        snprintf(req, sizeof(req), "PUT /a HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\nExpect: %s\r\n\r\n",
                 others[i]);
        o = expect_ok(req, "/a");
        assert_false(o.req.expect_continue);
    }
    char buf[512];
    for (int n = HTTP_AUTH_MAX; n <= HTTP_AUTH_MAX + 1; n++) {
        snprintf(
            buf, sizeof(buf), "DELETE /a HTTP/1.1\r\nHost: w\r\nAuthorization: %.*s\r\n\r\n", n,
            "Bearer xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        o = expect_ok(buf, "/a");
        assert_int_equal(o.req.auth, n == HTTP_AUTH_MAX ? HTTP_KEPT_OK : HTTP_KEPT_UNUSABLE);
    }
    uploads = false;
}

/* 401 carries WWW-Authenticate: Bearer; 204 has no Content-Length and no body; 201 a text body. */
static void test_upload_responses(void **state)
{
    (void)state;
    char buf[512];
    long n = http_error_response(buf, sizeof(buf), 401, true, false);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 401 Unauthorized\r\n"));
    assert_non_null(strstr(buf, "\r\nWWW-Authenticate: Bearer\r\n"));
    n = http_error_response(buf, sizeof(buf), 204, true, true);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 204 No Content\r\n"));
    assert_null(strstr(buf, "Content-Length"));
    assert_string_equal(buf + n - 4, "\r\n\r\n");
    n = http_error_response(buf, sizeof(buf), 201, true, false);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 201 Created\r\n"));
    assert_non_null(strstr(buf, "Content-Length: 12\r\n"));
    assert_string_equal(buf + n - 12, "201 Created\n");
    n = http_error_response(buf, sizeof(buf), 403, true, false);
    buf[n] = '\0';
    assert_null(strstr(buf, "WWW-Authenticate"));
    for (int st = 409; st <= 411; st += 2)
        assert_string_not_equal(http_reason(st), "Unknown");
    assert_string_equal(http_reason(507), "Insufficient Storage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_upload_methods),
        cmocka_unit_test(test_upload_authorization),
        cmocka_unit_test(test_upload_responses),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_http10_defaults_to_close),
        cmocka_unit_test(test_connection_close),
        cmocka_unit_test(test_bare_lf_and_blank_lines),
        cmocka_unit_test(test_header_syntax_accepted),
        cmocka_unit_test(test_higher_minor_version_is_11),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_query_and_normalisation),
        cmocka_unit_test(test_absolute_form),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_error_is_sticky),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_400_request_line),
        cmocka_unit_test(test_400_target_bytes),
        cmocka_unit_test(test_400_header_lines),
        cmocka_unit_test(test_400_host),
        cmocka_unit_test(test_400_content_length),
        cmocka_unit_test(test_400_transfer_encoding),
        cmocka_unit_test(test_400_connection),
        cmocka_unit_test(test_400_target_forms),
        cmocka_unit_test(test_400_escaping_the_root),
        cmocka_unit_test(test_400_bad_escapes),
        cmocka_unit_test(test_405_known_methods),
        cmocka_unit_test(test_413_bodies),
        cmocka_unit_test(test_414_long_target),
        cmocka_unit_test(test_431_header_block),
        cmocka_unit_test(test_431_too_many_fields),
        cmocka_unit_test(test_501_methods),
        cmocka_unit_test(test_505_versions),
        cmocka_unit_test(test_response_head),
        cmocka_unit_test(test_response_head_file),
        cmocka_unit_test(test_kept_fields),
        cmocka_unit_test(test_error_response),
        cmocka_unit_test(test_content_types),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
