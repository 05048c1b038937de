/* lease.c: the volume's single-writer lease: acquire, renew, release, timed by the database's clock. */
#include "pgs.h"

#include <warp/error.h>

/*
 * Acquire: the row is ours when it is free (expired) or already ours; someone else's unexpired lease
 * gives no row: ERR_READ_ONLY. A writer's open transaction holds the row locked (pgs_lease_check),
 * so this waits for its COMMIT rather than slipping between its check and its commit.
 */
long pgs_step_acquire(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_text(s->holder), pg_param_int8(r->lease_ms)};
    switch (s->run.step++) {
    case 0:
        return pgs_exec(
            s,
            "INSERT INTO pgs_lease (vol, holder, expires_at) "
            "VALUES ($1, $2, now() + $3::int8 * interval '1 millisecond') "
            "ON CONFLICT (vol) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
            "WHERE pgs_lease.holder = EXCLUDED.holder OR pgs_lease.expires_at <= now() "
            "RETURNING 1::int8",
            p, 3);
    default: return s->run.rows == 1 ? 0 : ERR_READ_ONLY;
    }
}

/* Renew: extends our lease only while it has not expired (else another may have it: ERR_READ_ONLY). */
long pgs_step_renew(struct pgstore *s, struct pgs_req *r)
{
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_text(s->holder), pg_param_int8(r->lease_ms)};
    switch (s->run.step++) {
    case 0:
        return pgs_exec(s,
                        "UPDATE pgs_lease SET expires_at = now() + $3::int8 * interval '1 millisecond' "
                        "WHERE vol = $1 AND holder = $2 AND expires_at > now() RETURNING 1::int8",
                        p, 3);
    default: return s->run.rows == 1 ? 0 : ERR_READ_ONLY;
    }
}

/* Release: expires our lease now, so that another VM need not wait for it (no lease of ours: nothing to do). */
long pgs_step_release(struct pgstore *s, struct pgs_req *r)
{
    (void)r;
    struct pg_param p[] = {pg_param_int8(s->vol), pg_param_text(s->holder)};
    switch (s->run.step++) {
    case 0:
        return pgs_exec(s, "UPDATE pgs_lease SET expires_at = '-infinity' WHERE vol = $1 AND holder = $2", p,
                        2);
    default: return 0;
    }
}
