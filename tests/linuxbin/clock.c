/* clock: CLOCK_MONOTONIC moves forward, nanosleep sleeps at least as long as asked, time() works. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

/* Nanoseconds of CLOCK_MONOTONIC. */
static long long now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    long long t0 = now();
    struct timespec d = {0, 20000000};
    int r = nanosleep(&d, NULL);
    long long slept = now() - t0;
    struct timeval tv;
    int g = gettimeofday(&tv, NULL);
    printf("nanosleep: %d, at least 20 ms: %d, gettimeofday: %d, time: %d\n", r, slept >= 20000000, g,
           time(NULL) >= 0);
    return 0;
}
