/* console.h: user processes' console output: tagged with the writer's name, rate-limited per process. */
#pragma once

#include <warp/types.h>

/*
 * A process's console budget: a token bucket of CONSOLE_BURST bytes that refills at CONSOLE_RATE
 * bytes a second. Bytes over it are dropped and counted; the kernel reports the count in a log
 * line of its own (at most once a second per process), so a flood costs the writer its output,
 * never the machine its console or its CPU.
 */
#define CONSOLE_RATE 32768  /* bytes a second, sustained */
#define CONSOLE_BURST 65536 /* bytes at once (the bucket's size) */

struct console_bucket {
    uint64_t tokens;    /* bytes it may write now */
    uint64_t stamp_ns;  /* when tokens was last refilled */
    uint64_t dropped;   /* bytes dropped since the last report */
    uint64_t report_ns; /* when that report was last made */
};

/* Who writes: a process's name, pid and budget (console.c knows nothing else of processes). */
struct console_writer {
    const char *name; /* at most SPAWN_NAME_MAX characters */
    long pid;
    struct console_bucket *bucket;
};

/* A full bucket, for a new process. */
void console_bucket_init(struct console_bucket *b);
/* Write len bytes of the current process's (w's) memory at buf (checked readable by the caller) as
 * tagged lines, within its budget; len (every byte taken, written or dropped), ERR_BAD_ADDRESS, or
 * ERR_INTERRUPTED when the process is killed midway. Pre: kernel lock held. */
long console_write_user(const struct console_writer *w, uaddr_t buf, uint64_t len);
/* w's process is ending: report the bytes it had dropped since the last report. */
void console_writer_exit(const struct console_writer *w);
/* Bytes dropped over the rate limit since boot, all processes. */
uint64_t console_dropped_total(void);
