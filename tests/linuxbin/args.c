/* args: argv, envp and the auxv as musl sees them (getauxval). */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    printf("AT_PAGESZ=%lu AT_PHENT=%lu AT_SECURE=%lu AT_BASE=%lu\n", getauxval(AT_PAGESZ),
           getauxval(AT_PHENT), getauxval(AT_SECURE), getauxval(AT_BASE));
    printf("AT_PHDR set: %d, AT_ENTRY set: %d, AT_RANDOM set: %d, AT_CLKTCK=%lu\n", getauxval(AT_PHDR) != 0,
           getauxval(AT_ENTRY) != 0, getauxval(AT_RANDOM) != 0, getauxval(AT_CLKTCK));
    /* AT_EXECFN is the path execve was given (the host's differs from argv[0]); its last part is not. */
    const char *fn = (const char *)getauxval(AT_EXECFN), *base = strrchr(argv[0], '/');
    const char *fnbase = fn ? strrchr(fn, '/') : NULL;
    printf("AT_EXECFN names the program: %d\n", base && fnbase && strcmp(fnbase, base) == 0);
    printf("stack aligned: %d\n", ((unsigned long)argv & 7) == 0);
    return 0;
}
