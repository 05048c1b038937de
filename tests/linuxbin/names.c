/* names: unlink, unlinkat, rmdir, rename, renameat and renameat2 under $LXTEST_DIR, their errors, a
 * file read after its name went, and the directory's listing after each change of names. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lxtest.h"

/* Prints the names in directory path, sorted (a listing's order is the file system's own). */
static void list(const char *path)
{
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    printf("%s:", path);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.')
            printf(" %s", names[i]->d_name);
        free(names[i]);
    }
    printf(n < 0 ? " (scandir failed)\n" : "\n");
    free(names);
}

/* Makes file path holding text. */
static int put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0)
        return -1;
    int r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
    close(fd);
    return r;
}

/* Prints file path's contents (or why not). */
static void cat(const char *what, const char *path)
{
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    long n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    printf("%s: %s\n", what, n < 0 ? "(unreadable)" : buf);
    if (fd >= 0)
        close(fd);
}

int main(void)
{
    char top[64];
    snprintf(top, sizeof(top), "names-%d", (int)getpid());
    if (chdir(getenv("LXTEST_DIR") ? getenv("LXTEST_DIR") : "/tmp") != 0 || mkdir(top, 0777) != 0 ||
        chdir(top) != 0)
        return 1;
    if (put("a", "alpha") || put("b", "beta") || mkdir("d", 0777) || mkdir("e", 0777) || put("d/in", "inner"))
        return 2;
    list(".");
    show("rename a to c", rename("a", "c"));
    show("rename c over b", rename("c", "b"));
    cat("b now", "b");
    show("rename a (gone)", rename("a", "x"));
    list(".");
    show("rename b into d as d/b", renameat(AT_FDCWD, "b", AT_FDCWD, "d/b"));
    int d = open("d", O_RDONLY | O_DIRECTORY);
    show("renameat relative to d", renameat(d, "b", d, "b2"));
    show("renameat from d to an absolute-free cwd path", renameat(d, "b2", AT_FDCWD, "b3"));
    list(".");
    list("d");
    show("rename d into itself", rename("d", "d/sub"));
    show("rename file over a directory", rename("b3", "e"));
    show("rename directory over a file", rename("e", "b3"));
    show("rename directory over a non-empty one", rename("e", "d"));
    show("rename e to f", rename("e", "f"));
    show("rename a file onto itself", rename("b3", "b3"));
    show("rename with a trailing slash on a file", rename("b3", "b4/"));
    show("renameat2 RENAME_NOREPLACE onto a name", syscall(SYS_renameat2, AT_FDCWD, "b3", AT_FDCWD, "f", 1));
    show("renameat2 RENAME_NOREPLACE", syscall(SYS_renameat2, AT_FDCWD, "b3", AT_FDCWD, "b4", 1));
    show("renameat2 with no flags", syscall(SYS_renameat2, AT_FDCWD, "b4", AT_FDCWD, "b5", 0));
    list(".");
    /* a file stays readable through a descriptor after its name went */
    int fd = open("b5", O_RDWR);
    show("unlink b5 while open", unlink("b5"));
    char buf[16] = {0};
    show("read it after", pread(fd, buf, sizeof(buf) - 1, 0));
    printf("it held: %s\n", buf);
    show("write it after", pwrite(fd, "!", 1, 4));
    show("close it", close(fd));
    show("unlink b5 again", unlink("b5"));
    show("unlink a directory", unlink("f"));
    show("unlink with a trailing slash on a file", unlink("d/in/"));
    show("rmdir a non-empty directory", rmdir("d"));
    show("rmdir a file", rmdir("d/in"));
    show("rmdir .", rmdir("."));
    show("unlinkat d/in", unlinkat(AT_FDCWD, "d/in", 0));
    show("unlinkat with a bad flag", unlinkat(AT_FDCWD, "d", 0x1));
    show("unlinkat relative to d, REMOVEDIR on a missing name", unlinkat(d, "x", AT_REMOVEDIR));
    show("rmdir d/", rmdir("d/"));
    show("unlinkat f REMOVEDIR", unlinkat(AT_FDCWD, "f", AT_REMOVEDIR));
    show("unlink an empty path", unlink(""));
    show("unlink a bad address", unlink((const char *)8));
    show("rename a bad address", rename("x", (const char *)8));
    show("unlinkat a bad descriptor", unlinkat(999, "x", 0));
    list(".");
    close(d);
    show("rmdir the test directory", chdir("..") == 0 ? rmdir(top) : -1);
    return 0;
}
