/* kh_assert.h: checks inside host user programs: a failed one is recorded and reported by the test. */
#pragma once

#include <stdio.h>

/* The first check a program failed ("file:line: expr"), or "" when all passed; kh_check_none()
 * in the test asserts none did. */
extern char kh_failed_check[256];

#define KH_CHECK(expr)                                                                                  \
    do {                                                                                                \
        if (!(expr) && !kh_failed_check[0])                                                             \
            snprintf(kh_failed_check, sizeof(kh_failed_check), "%s:%d: %s", __FILE__, __LINE__, #expr); \
    } while (0)
#define KH_CHECK_EQ(a, b)                                                                             \
    do {                                                                                              \
        long kh_a_ = (long)(a), kh_b_ = (long)(b);                                                    \
        if (kh_a_ != kh_b_ && !kh_failed_check[0])                                                    \
            snprintf(kh_failed_check, sizeof(kh_failed_check), "%s:%d: %s is %ld, not %ld", __FILE__, \
                     __LINE__, #a, kh_a_, kh_b_);                                                     \
    } while (0)
