/* backoff.c: reconnect pacing, capped exponential backoff with "equal jitter"; the caller keeps the clock. */
#include <pg/pg.h>

uint32_t pg_backoff_delay(const struct pg_backoff *b, unsigned attempt, uint32_t random)
{
    uint64_t d = b->base_ms ? b->base_ms : 1;
    for (unsigned i = 0; i < attempt && d < b->cap_ms; i++)
        d *= 2;
    if (d > b->cap_ms)
        d = b->cap_ms;
    uint64_t half = d / 2;
    return (uint32_t)(d - half + random % (half + 1));
}
