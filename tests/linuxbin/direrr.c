/* direrr: directories: mkdir and its errors, getdents64 through readdir (names sorted: the order
 * of entries is the file system's), openat and fstatat relative to a directory descriptor, chdir
 * and getcwd, and the errno of each failing call. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lxtest.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists dir's entries, sorted, with their types. */
static void list(const char *dir)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        show("opendir", -1);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char *s = malloc(300);
        snprintf(s, 300, "%s:%s", e->d_name,
                 e->d_type == DT_DIR   ? "dir"
                 : e->d_type == DT_REG ? "file"
                                       : "?");
        names[n++] = s;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), cmp);
    printf("%d entries\n", n);
    for (int i = 0; i < n; i++) { /* a few a line: the server logs a line of 200 bytes in pieces */
        printf("%s%s", names[i], i % 6 == 5 || i == n - 1 ? "\n" : " ");
        free(names[i]);
    }
}

int main(void)
{
    char dir[512], path[700], cwd[1024];
    struct stat st;
    umask(022);
    snprintf(dir, sizeof(dir), "%s", scratch("direrr"));
    show("mkdir", mkdir(dir, 0755));
    list(dir);
    snprintf(path, sizeof(path), "%s/sub", dir);
    show("mkdir sub", mkdir(path, 0700));
    snprintf(path, sizeof(path), "%s/sub/", dir);
    show("mkdir sub/ again", mkdir(path, 0700));
    snprintf(path, sizeof(path), "%s/no/such", dir);
    show("mkdir under a missing directory", mkdir(path, 0755));
    show("mkdir \"\"", mkdir("", 0755));

    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("open the directory", dfd >= 0 ? 0 : -1);
    int fd = openat(dfd, "f1", O_WRONLY | O_CREAT | O_EXCL, 0640);
    show("openat relative to it", fd >= 0 ? 0 : -1);
    write(fd, "12345", 5);
    show("fstatat", fstatat(dfd, "f1", &st, 0));
    printf("regular %d size %ld mode %o\n", S_ISREG(st.st_mode), (long)st.st_size, st.st_mode & 07770);
    show("fstatat AT_SYMLINK_NOFOLLOW", fstatat(dfd, "f1", &st, AT_SYMLINK_NOFOLLOW));
    show("fstatat AT_EMPTY_PATH", fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("size %ld\n", (long)st.st_size);
    show("fstatat bad flags", fstatat(dfd, "f1", &st, 0x4));
    show("fstatat \"\"", fstatat(dfd, "", &st, 0));
    show("openat relative to a file", openat(fd, "x", O_RDONLY));
    show("openat relative to a bad fd", openat(99, "x", O_RDONLY));
    show("openat absolute ignores a bad fd", openat(99, dir, O_RDONLY) >= 0 ? 0 : -1);
    show("mkdirat", mkdirat(dfd, "sub2", 0755));
    show("mkdirat under a file", mkdirat(dfd, "f1/x", 0755));
    show("faccessat", faccessat(dfd, "f1", F_OK, 0));
    show("faccessat missing", faccessat(dfd, "nope", F_OK, 0));
    show("getdents64 of a file", syscall(SYS_getdents64, fd, path, sizeof(path)));
    show("getdents64 of a bad fd", syscall(SYS_getdents64, 99, path, sizeof(path)));
    show("getdents64 of a pipe", syscall(SYS_getdents64, 1, path, sizeof(path)));
    show("getdents64 into a tiny buffer", syscall(SYS_getdents64, dfd, path, 8));
    show("getdents64 into a bad buffer", syscall(SYS_getdents64, dfd, 8, 4096));
    close(fd);
    for (int i = 0; i < 20; i++) {
        snprintf(path, sizeof(path), "%s/entry-%02d", dir, i);
        close(open(path, O_WRONLY | O_CREAT, 0644));
    }
    list(dir);
    /* getdents64 in small pieces sees every entry once */
    long total = 0, n, calls = 0;
    lseek(dfd, 0, SEEK_SET);
    while ((n = syscall(SYS_getdents64, dfd, path, 100)) > 0) {
        for (long off = 0; off < n; total++)
            off += *(unsigned short *)(path + off + 16);
        calls++;
    }
    show("getdents64 at the end", n);
    printf("entries in pieces: %ld\n", total);
    show("lseek SEEK_SET 0 on a directory", lseek(dfd, 0, SEEK_SET));
    close(dfd);

    /* stat errors */
    snprintf(path, sizeof(path), "%s/f1/x", dir);
    show("stat through a file", stat(path, &st));
    snprintf(path, sizeof(path), "%s/f1/", dir);
    show("stat a file with a trailing slash", stat(path, &st));
    snprintf(path, sizeof(path), "%s/sub/", dir);
    show("stat a directory with a trailing slash", stat(path, &st));
    show("stat \"\"", stat("", &st));
    show("stat NULL", syscall(SYS_stat, 0, &st));
    snprintf(path, sizeof(path), "%s/f1", dir);
    show("stat into a bad buffer", syscall(SYS_stat, path, 8));
    show("access X_OK of a directory", access(dir, X_OK));

    /* chdir and getcwd */
    show("chdir", chdir(dir));
    show("getcwd", getcwd(cwd, sizeof(cwd)) ? 0 : -1);
    printf("cwd ends in /direrr: %d\n", strlen(cwd) > 7 && strcmp(cwd + strlen(cwd) - 7, "/direrr") == 0);
    show("open a relative path", open("f1", O_RDONLY) >= 0 ? 0 : -1);
    show("stat a relative path", stat("sub", &st));
    printf("directory %d\n", S_ISDIR(st.st_mode));
    show("chdir sub/../sub/.", chdir("sub/../sub/."));
    getcwd(cwd, sizeof(cwd));
    printf("cwd ends in /direrr/sub: %d\n",
           strlen(cwd) > 11 && strcmp(cwd + strlen(cwd) - 11, "/direrr/sub") == 0);
    show("chdir ..", chdir(".."));
    getcwd(cwd, sizeof(cwd));
    printf("cwd ends in /direrr: %d\n", strcmp(cwd + strlen(cwd) - 7, "/direrr") == 0);
    show("chdir to a file", chdir("f1"));
    show("chdir to a missing directory", chdir("nothing"));
    show("chdir \"\"", chdir(""));
    show("getcwd into 2 bytes", syscall(SYS_getcwd, cwd, 2));
    show("getcwd into a bad buffer", syscall(SYS_getcwd, 8, sizeof(cwd)));
    show("chdir /", chdir("/"));
    show("getcwd", syscall(SYS_getcwd, cwd, sizeof(cwd)));
    printf("cwd %s\n", cwd);
    return 0;
}
