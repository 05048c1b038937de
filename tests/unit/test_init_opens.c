/* test_init_opens.c: the OPENs init holds per service, capped per client (servers/init/opens.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "servers/init/opens.h"

static struct init_opens O;
static struct manifest_service clients[MANIFEST_MAX_SERVICES];

/* Empty table before every test. */
static int setup(void **state)
{
    (void)state;
    memset(&O, 0, sizeof(O));
    return 0;
}

/* A client gets INIT_OPENS_PER_CLIENT, then NULL; the others are not affected. */
static void test_cap_per_client(void **state)
{
    (void)state;
    for (unsigned i = 0; i < INIT_OPENS_PER_CLIENT; i++) {
        struct init_open *op = opens_add(&O, &clients[0], 5, 100 + i);
        assert_non_null(op);
        assert_int_equal(op->state, INIT_OPEN_WAITING);
        assert_int_equal(op->ch, 5);
        assert_int_equal(op->call_id, 100 + i);
        assert_ptr_equal(op->client, &clients[0]);
    }
    for (unsigned i = 0; i < 50; i++)
        assert_null(opens_add(&O, &clients[0], 5, 200 + i));
    assert_int_equal(opens_of(&O, &clients[0]), INIT_OPENS_PER_CLIENT);
    assert_non_null(opens_add(&O, &clients[1], 6, 1));
    assert_int_equal(opens_of(&O, &clients[1]), 1);
}

/* Every client of a full manifest at its cap: the table holds them all, nobody is refused early. */
static void test_table_never_fills_under_the_cap(void **state)
{
    (void)state;
    for (unsigned c = 0; c < MANIFEST_MAX_SERVICES; c++)
        for (unsigned i = 0; i < INIT_OPENS_PER_CLIENT; i++)
            assert_non_null(opens_add(&O, &clients[c], (handle_t)(c + 1), i));
    for (unsigned c = 0; c < MANIFEST_MAX_SERVICES; c++)
        assert_null(opens_add(&O, &clients[c], (handle_t)(c + 1), 99));
    /* One answered (slot 3: client 1's second, in the order they were added): that client may
     * hold one again, and only it. */
    assert_ptr_equal(O.slots[3].client, &clients[1]);
    opens_drop(&O.slots[3]);
    assert_null(opens_add(&O, &clients[0], 1, 7));
    assert_non_null(opens_add(&O, &clients[1], 2, 7));
}

/* HANDED ones count against the cap until answered; dropping frees the room. */
static void test_handed_count(void **state)
{
    (void)state;
    struct init_open *a = opens_add(&O, &clients[0], 5, 1), *b = opens_add(&O, &clients[0], 5, 2);
    a->state = INIT_OPEN_HANDED;
    a->client_end = 40;
    assert_null(opens_add(&O, &clients[0], 5, 3));
    opens_drop(a);
    assert_int_equal(a->state, INIT_OPEN_FREE);
    assert_int_equal(opens_of(&O, &clients[0]), 1);
    assert_non_null(opens_add(&O, &clients[0], 5, 4));
    (void)b;
}

/* The oldest WAITING comes first, also after a slot was reused; HANDED ones are skipped. */
static void test_oldest_waiting(void **state)
{
    (void)state;
    struct init_open *a = opens_add(&O, &clients[0], 5, 1);
    struct init_open *b = opens_add(&O, &clients[1], 6, 2);
    struct init_open *c = opens_add(&O, &clients[2], 7, 3);
    opens_drop(a);
    struct init_open *d = opens_add(&O, &clients[3], 8, 4); /* reuses a's slot, arrived last */
    assert_ptr_equal(d, a);
    assert_ptr_equal(opens_oldest_waiting(&O), b);
    b->state = INIT_OPEN_HANDED;
    assert_ptr_equal(opens_oldest_waiting(&O), c);
    opens_drop(c);
    assert_ptr_equal(opens_oldest_waiting(&O), d);
    opens_drop(d);
    assert_null(opens_oldest_waiting(&O));
}

/* A client that went: its WAITING OPENs go, its HANDED ones stay, unanswerable (ch 0), and still
 * count against that client (a restarted client cannot pile more on an unanswering server). */
static void test_forget_client(void **state)
{
    (void)state;
    struct init_open *a = opens_add(&O, &clients[0], 5, 1), *b = opens_add(&O, &clients[0], 5, 2);
    struct init_open *other = opens_add(&O, &clients[1], 6, 3);
    b->state = INIT_OPEN_HANDED;
    opens_forget_client(&O, 5);
    assert_int_equal(a->state, INIT_OPEN_FREE);
    assert_int_equal(b->state, INIT_OPEN_HANDED);
    assert_int_equal(b->ch, 0);
    assert_int_equal(other->ch, 6);
    assert_int_equal(opens_of(&O, &clients[0]), 1);
    assert_non_null(opens_add(&O, &clients[0], 9, 4));
    assert_null(opens_add(&O, &clients[0], 9, 5));
}

/* opens_next walks the slots of one state; opens_holds tells the table's slots from others. */
static void test_walk_and_holds(void **state)
{
    (void)state;
    struct init_open *a = opens_add(&O, &clients[0], 5, 1), *b = opens_add(&O, &clients[1], 6, 2);
    struct init_open *c = opens_add(&O, &clients[2], 7, 3);
    b->state = INIT_OPEN_HANDED;
    unsigned i = 0, n = 0;
    struct init_open *op;
    while ((op = opens_next(&O, INIT_OPEN_WAITING, &i)) != NULL) {
        assert_true(op == a || op == c);
        opens_drop(op); /* dropping while walking is fine */
        n++;
    }
    assert_int_equal(n, 2);
    i = 0;
    assert_ptr_equal(opens_next(&O, INIT_OPEN_HANDED, &i), b);
    assert_null(opens_next(&O, INIT_OPEN_HANDED, &i));
    struct init_opens other;
    assert_true(opens_holds(&O, b));
    assert_true(opens_holds(&O, &O.slots[INIT_OPENS_MAX - 1]));
    assert_false(opens_holds(&other, b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cap_per_client, setup),
        cmocka_unit_test_setup(test_table_never_fills_under_the_cap, setup),
        cmocka_unit_test_setup(test_handed_count, setup),
        cmocka_unit_test_setup(test_oldest_waiting, setup),
        cmocka_unit_test_setup(test_forget_client, setup),
        cmocka_unit_test_setup(test_walk_and_holds, setup),
    };
    return cmocka_run_group_tests_name("init_opens", tests, NULL, NULL);
}
