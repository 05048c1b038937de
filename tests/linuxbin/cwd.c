/* cwd: started in the manifest's working directory (cwd = /tmp, which is also $LXTEST_DIR; the host
 * run starts in its scratch directory): getcwd names it, and relative paths resolve against it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    const char *dir = getenv("LXTEST_DIR");
    char cwd[4096], path[4200], got[16] = "";
    if (!dir || !getcwd(cwd, sizeof(cwd)))
        return 1;
    printf("getcwd is $LXTEST_DIR: %s\n", strcmp(cwd, dir) == 0 ? "yes" : "no");
    int fd = open("cwd-test.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    printf("open relative: %s\n", fd >= 0 ? "ok" : strerror(errno));
    if (fd < 0 || write(fd, "relative", 8) != 8 || close(fd) != 0)
        return 2;
    snprintf(path, sizeof(path), "%s/cwd-test.txt", dir);
    fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
    printf("read back by its absolute path: %zd bytes, \"%s\"\n", n, n > 0 ? got : "");
    errno = 0;
    int r = open("../no-such-dir/x", O_RDONLY);
    printf("open ../no-such-dir/x relative to it: %d errno %d\n", r, errno);
    return 0;
}
