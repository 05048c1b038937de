/* fsync: fsync and fdatasync on a file, a directory, a pipe, /dev/null, stdout, an O_PATH descriptor
 * and a closed number (files under $LXTEST_DIR). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lxtest.h"

int main(void)
{
    const char *dir = getenv("LXTEST_DIR");
    char path[4200];
    int pipefd[2];
    if (!dir || chdir(dir) != 0 || pipe(pipefd) != 0)
        return 1;
    snprintf(path, sizeof(path), "fsync-test-%d.txt", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "data", 4) != 4)
        return 2;
    show("fsync a file", fsync(fd));
    show("fdatasync a file", fdatasync(fd));
    int d = open(".", O_RDONLY | O_DIRECTORY);
    show("fsync a directory", fsync(d));
    show("fsync a pipe", fsync(pipefd[0]));
    int null = open("/dev/null", O_WRONLY);
    show("fsync /dev/null", fsync(null));
    fflush(stdout);
    show("fsync stdout (a pipe)", fsync(1));
    int opath = open(path, O_PATH);
    show("fsync an O_PATH descriptor", fsync(opath));
    close(fd);
    show("fsync a closed number", fsync(fd));
    show("fdatasync -1", fdatasync(-1));
    return 0;
}
