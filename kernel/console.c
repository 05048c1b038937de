/* console.c: user processes' console output: tagged lines, a rate limit per process (console.h). */
#include <arch.h>
#include <conring.h>
#include <console.h>
#include <log.h>
#include <sched.h>
#include <vm.h>
#include <warp/string.h>

/*
 * Every line a process writes starts with "[name] ", its name cut down to [A-Za-z0-9_-] (a dot
 * becomes "_"): the kernel's own lines start with "[ seconds.micros]", which always holds a dot, so
 * no process can write a line that reads as the kernel's. Control characters other than newline and
 * tab become '?', so no escape sequence or carriage return can move the cursor back over a tag.
 * Output is copied in chunks of at most CONSOLE_CHUNK bytes, each cut after a newline, into the
 * console ring (conring.h), which the UART's interrupt drains; a preemption point comes after each
 * chunk that ends a line, and after CONSOLE_LINE_CAP bytes of one line, so that a long write lets
 * that interrupt, and other writers, in. A chunk the ring has no room for is dropped whole and
 * counted with the bytes over the rate limit; a line it leaves unfinished counts as cut
 * (LOG_LINE_CUT), so whatever comes next, the writer's rest or anyone else's, starts a line of its
 * own with its tag: no process text ever lands untagged at a line start. A writer preempted in the
 * middle of a longer line may have it ended by another's output; its rest starts a new tagged line.
 */
#define CONSOLE_CHUNK 64
#define CONSOLE_LINE_CAP 256
#define CONSOLE_REPORT_NS 1000000000ul /* at most one "bytes dropped" line a second per process */

static uint64_t dropped_total; /* bytes dropped since boot */

void console_bucket_init(struct console_bucket *b)
{
    *b = (struct console_bucket){.tokens = CONSOLE_BURST, .stamp_ns = arch_time_ns()};
}

/* Refill for the time since the last refill; the bucket never holds more than CONSOLE_BURST. */
static void bucket_refill(struct console_bucket *b, uint64_t now)
{
    uint64_t elapsed = now - b->stamp_ns;
    /* Past a full refill's time the product could overflow: the bucket is full anyway. */
    uint64_t add = elapsed >= 1000000000ul * CONSOLE_BURST / CONSOLE_RATE
                       ? CONSOLE_BURST
                       : elapsed * CONSOLE_RATE / 1000000000ul;
    b->tokens = b->tokens + add > CONSOLE_BURST ? CONSOLE_BURST : b->tokens + add;
    if (add)
        b->stamp_ns = now; /* when nothing was added the fraction keeps accruing */
}

/* Report the bytes dropped so far, if any and if the last report is a second old. */
static void bucket_report(const struct console_writer *w, uint64_t now)
{
    struct console_bucket *b = w->bucket;
    if (!b->dropped || (b->report_ns && now - b->report_ns < CONSOLE_REPORT_NS))
        return;
    log_printf("console: %s (pid %ld): %lu bytes dropped over its rate limit or a full console", w->name,
               w->pid, b->dropped);
    b->dropped = 0;
    b->report_ns = now;
}

/* The tag of p's lines: "[name] ", the name's characters outside [A-Za-z0-9_-] turned to '_'. */
static size_t console_tag(const struct console_writer *w, char *out)
{
    size_t n = 0;
    out[n++] = '[';
    for (size_t i = 0; w->name[i] && i < SPAWN_NAME_MAX; i++) {
        char c = w->name[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        out[n++] = keep ? c : '_';
    }
    out[n++] = ']';
    out[n++] = ' ';
    return n;
}

/* Queue s[0..n) (one line at most) of w's output: a tag at a line start, another writer's open
 * line ended first. False if the console ring had no room: nothing was queued. */
static bool console_emit(const struct console_writer *w, const char *s, size_t n)
{
    char out[CONSOLE_CHUNK + SPAWN_NAME_MAX + 4]; /* a newline, "[name] ", the chunk */
    size_t len = 0;
    ASSERT(n <= CONSOLE_CHUNK);
    long owner = log_line_owner();
    for (size_t i = 0; i < n; i++) {
        if (log_line_owner() != w->pid) {
            if (log_line_owner())
                out[len++] = '\n';
            len += console_tag(w, out + len);
            log_set_line_owner(w->pid);
        }
        char c = s[i];
        out[len++] = (c >= ' ' && c != 0x7f) || c == '\n' || c == '\t' ? c : '?';
        if (c == '\n')
            log_set_line_owner(0);
    }
    if (conring_write(out, len, false))
        return true;
    log_set_line_owner(owner ? LOG_LINE_CUT : 0); /* the console reads as before this chunk */
    return false;
}

/* The length of s[0..n) up to and including its first newline (n if it has none). */
static uint64_t console_line_cut(const char *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (s[i] == '\n')
            return i + 1;
    return n;
}

/* A chunk at a time, each copied in afresh (the process may change its buffer meanwhile: that
 * changes only what it prints). */
long console_write_user(const struct console_writer *w, uaddr_t buf, uint64_t len)
{
    struct console_bucket *b = w->bucket;
    uint64_t now = arch_time_ns();
    bucket_refill(b, now);
    uint64_t allowed = len < b->tokens ? len : b->tokens;
    b->tokens -= allowed;
    b->dropped += len - allowed;
    dropped_total += len - allowed;
    bucket_report(w, now);
    char chunk[CONSOLE_CHUNK];
    uint64_t line_bytes = 0; /* written since the last pause */
    for (uint64_t done = 0; done < allowed;) {
        uint64_t n = allowed - done < sizeof(chunk) ? allowed - done : sizeof(chunk);
        long err = copy_from_user(chunk, buf + done, n);
        if (err < 0)
            return err;
        n = console_line_cut(chunk, n);
        if (!console_emit(w, chunk, n)) {
            b->dropped += n;
            dropped_total += n;
        }
        done += n;
        line_bytes += n;
        bool line_ended = chunk[n - 1] == '\n';
        if (done < allowed && (line_ended || line_bytes >= CONSOLE_LINE_CAP)) {
            line_bytes = 0;
            if ((err = sched_preempt_point()) < 0)
                return err;
        }
    }
    return (long)len;
}

/* Its last drops are reported whatever the time since the last report. */
void console_writer_exit(const struct console_writer *w)
{
    w->bucket->report_ns = 0;
    bucket_report(w, arch_time_ns());
}

uint64_t console_dropped_total(void)
{
    return dropped_total;
}
