/* devnull: /dev/null opened by its path, as daemons (lighttpd) do before dup2 onto fds 0 and 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lxtest.h"

int main(void)
{
    char buf[8] = "xyz";
    struct stat st;
    int fd = open("/dev/null", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    show("open /dev/null O_RDWR|O_NOFOLLOW|O_CLOEXEC (the lowest free fd)", fd);
    show("write 3 bytes", write(fd, buf, 3));
    show("read", read(fd, buf, sizeof(buf)));
    show("fcntl F_GETFD", fcntl(fd, F_GETFD));
    show("fstat", fstat(fd, &st));
    printf("a character device: %d, rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
    show("dup2 onto fd 0", dup2(fd, 0));
    show("read fd 0", read(0, buf, sizeof(buf)));
    show("close", close(fd));
    fd = open("/dev/../dev//null", O_WRONLY);
    show("open /dev/../dev//null O_WRONLY", fd);
    show("read it (write-only)", read(fd, buf, sizeof(buf)));
    show("write it", write(fd, "abc", 3));
    close(fd);
    errno = 0;
    show("open /dev/null O_DIRECTORY", open("/dev/null", O_RDONLY | O_DIRECTORY));
    show("open /dev/null O_CREAT|O_EXCL", open("/dev/null", O_WRONLY | O_CREAT | O_EXCL, 0644));
    fd = open("/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    show("open /dev/null O_CREAT|O_TRUNC (as a shell's > /dev/null)", fd);
    close(fd);
    return 0;
}
