/* worker.c: the fuzzing loop of one worker process (worker.h). */
#include "worker.h"

#include "ops.h"
#include "pool.h"
#include "report.h"

#include <warp/string.h>
#include <warp/syscall.h>

#define REPORT_RETRY_NS 10000000000ull /* how long the final report may wait for memory */

/* The op the generator picks, by weight over both tables. */
static const struct fz_op *pick_op(unsigned total)
{
    unsigned w = (unsigned)gen_below(total);
    for (unsigned i = 0; i < fz_nops_ipc; w -= fz_ops_ipc[i++].weight)
        if (w < fz_ops_ipc[i].weight)
            return &fz_ops_ipc[i];
    for (unsigned i = 0; i < fz_nops_sys; w -= fz_ops_sys[i++].weight)
        if (w < fz_ops_sys[i].weight)
            return &fz_ops_sys[i];
    return &fz_ops_sys[0];
}

static unsigned total_weight(void)
{
    unsigned total = 0;
    for (unsigned i = 0; i < fz_nops_ipc; i++)
        total += fz_ops_ipc[i].weight;
    for (unsigned i = 0; i < fz_nops_sys; i++)
        total += fz_ops_sys[i].weight;
    return total;
}

int worker_main(const void *initfs, size_t initfs_size)
{
    struct warp_msg m;
    if (warp_channel_recv(WORKER_CH, &m) != 0 || m.type != WORKER_MSG_CONFIG ||
        m.data_len != sizeof(struct worker_config))
        return 2;
    struct worker_config cfg;
    memcpy(&cfg, m.data, sizeof(cfg));
    /* Each worker its own stream: the seed alone names the run, the index the worker in it. */
    gen_seed(cfg.seed ^ (uint64_t)cfg.index * 0xd1b54a32d192ed03ull);
    gen_set_readonly(cfg.shared ? initfs : NULL, cfg.shared ? initfs_size : 0);
    fz_report_init(cfg.seed, cfg.index);
    fz_ops_init(cfg.mortal);
    if (cfg.linked) { /* calls, handles and buffers now also cross to another process */
        pool_add(WORKER_LINK, OBJ_CHANNEL, RIGHTS_ALL, 0);
        gen_set_link(WORKER_LINK);
    }
    unsigned total = total_weight();
    while (fz_stats.calls < cfg.calls && fz_stats.failures < FZ_FAILURES_MAX)
        pick_op(total)->run();
    fz_stats.desync = pool_release_all();

    memset(&m, 0, sizeof(m));
    m.type = WORKER_MSG_STATS;
    m.data_len = sizeof(fz_stats);
    memcpy(m.data, &fz_stats, sizeof(fz_stats));
    /* The sibling may be holding all memory (op_hog) for a while: a message record needs some. */
    uint64_t give_up = warp_clock() + REPORT_RETRY_NS;
    while (warp_channel_send(WORKER_CH, &m) == ERR_NO_MEMORY && warp_clock() < give_up)
        warp_yield();
    return fz_stats.failures ? 1 : 0;
}
