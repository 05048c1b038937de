/* test_mfsection.c: unit tests for the manifest section reader (libs/common/mfsection.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <warp/mfsection.h>

static char events[2048];

/* Appends each event to events as "B name@line", "K key=value@line", "X why@line", "E name". */
static void record(void *ctx, const struct mfsection_item *it)
{
    (void)ctx;
    size_t n = strlen(events);
    switch (it->what) {
    case MFSECTION_BEGIN: snprintf(events + n, sizeof(events) - n, "B %s@%u;", it->name, it->line); break;
    case MFSECTION_KEY:
        snprintf(events + n, sizeof(events) - n, "K %s=%s@%u;", it->key, it->value, it->line);
        break;
    case MFSECTION_BAD: snprintf(events + n, sizeof(events) - n, "X %s@%u;", it->why, it->line); break;
    case MFSECTION_END: snprintf(events + n, sizeof(events) - n, "E %s;", it->name); break;
    }
}

/* Reads text for kind and returns the events. */
static const char *read_events(const char *text, size_t len, const char *kind)
{
    events[0] = '\0';
    mfsection_read(text, len, kind, record, NULL);
    return events;
}

/* Sections of the kind are read, others skipped; comments, blanks and ';' lines go. */
static void test_sections(void **state)
{
    (void)state;
    static const char text[] =
        "[service a]\nkey = no\n[fs data]\n; a comment\n  pg =  10.0.2.2:5432  # here\n"
        "\npassword = with blanks inside\n[fsx other]\nx = 1\n[fs two]\r\nbroken line\n"
        "[service b]\n";
    assert_string_equal(read_events(text, sizeof(text) - 1, "fs"),
                        "B data@3;K pg=10.0.2.2:5432@5;K password=with blanks inside@7;E data;"
                        "B two@10;X expected 'key = value'@11;E two;");
    assert_string_equal(read_events(text, sizeof(text) - 1, "nothing"), "");
    assert_string_equal(read_events("[fs last]\nk=v", 13, "fs"), "B last@1;K k=v@2;E last;");
    assert_string_equal(read_events("", 0, "fs"), "");
}

/* Long lines and NUL bytes inside a section are reported; outside they are ignored. */
static void test_bad_lines(void **state)
{
    (void)state;
    char text[600];
    memset(text, 'x', sizeof(text));
    memcpy(text, "[fs a]\n", 7);
    text[7 + 300] = '\n';
    memcpy(text + 308, "k=v\n", 4);
    memcpy(text + 312, "a\0b=c\n", 6);
    assert_string_equal(
        read_events(text, 318, "fs"),
        "B a@1;X line longer than 256 bytes@2;K k=v@3;X a control character in the line@4;E a;");
    static const char tabs[] = "[fs]\nk\t=\ta\tb\r\nx=\001\n";
    assert_string_equal(read_events(tabs, sizeof(tabs) - 1, "fs"),
                        "B @1;K k=a b@2;X a control character in the line@3;E ;");
    assert_string_equal(read_events(text + 7, 311, "fs"), "");
}

/* Runs the tests in this file. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_bad_lines),
    };
    return cmocka_run_group_tests_name("mfsection", tests, NULL, NULL);
}
