/* lxconf.h: the Linux programs a manifest names: its [linux NAME] sections (pure, host-tested). */
#pragma once

#include <warp/types.h>

#define LXCONF_PROGS_MAX 64
#define LXCONF_NAME_MAX 31          /* a program's name: 1 to 31 of A-Z a-z 0-9 . _ - (its process name) */
#define LXCONF_TEXT_MAX 200         /* a path, an args or an env value */
#define LXCONF_WORDS_MAX 32         /* words of args (argv[1..]) or env */
#define LXCONF_PAGES_DEFAULT 8192   /* a program's memory quota when the section gives none: 32 MiB */
#define LXCONF_PAGES_MAX (1l << 24) /* the most a section may give (64 GiB) */
#define LXCONF_PORTS_MAX 8          /* TCP ports one program may listen on */

/* One [linux NAME] section. */
struct lxconf_prog {
    char name[LXCONF_NAME_MAX + 1];
    char path[LXCONF_TEXT_MAX + 1];   /* linux = PATH: the binary in the initfs, or (absolute) in fs */
    char args[LXCONF_TEXT_MAX + 1];   /* args = words: argv[1..], blank-separated ("" if none) */
    char env[LXCONF_TEXT_MAX + 1];    /* env = NAME=VALUE words ("" if none) */
    uint64_t pages;                   /* pages = N: its memory quota in pages (LXCONF_PAGES_DEFAULT) */
    char cwd[LXCONF_TEXT_MAX + 1];    /* cwd = /PATH: its working directory, lexically normal ("/") */
    uint16_t ports[LXCONF_PORTS_MAX]; /* ports = N ...: the TCP ports it may listen on (none if absent) */
    uint32_t nports;
    bool connect; /* connect = yes: it may connect() out (none if absent) */
};

struct lxconf {
    uint32_t n;
    struct lxconf_prog progs[LXCONF_PROGS_MAX];
};

typedef void (*lxconf_log_fn)(void *ctx, const char *msg);

/*
 * Reads the [linux NAME] sections of manifest text (init's format, docs/userspace.md: '#' starts a
 * comment anywhere, ';' at a line's start, lines of at most 256 bytes); other sections are init's
 * and skipped. Keys: linux (required), args, env (values may hold blanks), pages (a number), cwd (an
 * absolute path), ports (1 to LXCONF_PORTS_MAX distinct numbers from 1 to 65535), connect (yes or
 * no). A section with a
 * bad name, an unknown or repeated key, a bad or too long value or no linux key is logged through
 * log and left out, as are sections past LXCONF_PROGS_MAX and a name used twice. Returns the programs kept.
 */
uint32_t lxconf_parse(const char *text, uint64_t len, struct lxconf *out, lxconf_log_fn log, void *ctx);

/* Splits s in place at blanks into at most max words; returns how many, or -1 if there are more. */
int lxconf_words(char *s, char **words, int max);
