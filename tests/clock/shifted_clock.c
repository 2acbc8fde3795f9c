/* The wall clock moved by SHIFTED_CLOCK_SECONDS for every process of a test run.
 *
 * Preloaded (LD_PRELOAD) by `make test-shifted`: the suite then runs as if today were that
 * many seconds later, which proves that no test depends on the date it is run. Only the
 * wall clock moves: the monotonic clock, sleeps and timeouts are the kernel's own, so
 * waits behave as in any run (libfaketime 0.9.10 also shifts Python 3.11's absolute
 * monotonic sleeps, which then fail with EINVAL).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long shift(void) {
    static long seconds = -1;
    if (seconds < 0) {
        const char *value = getenv("SHIFTED_CLOCK_SECONDS");
        seconds = value ? atol(value) : 0;
    }
    return seconds;
}

static int is_wall_clock(clockid_t clock) {
    return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI;
}

int clock_gettime(clockid_t clock, struct timespec *now) {
    static int (*real)(clockid_t, struct timespec *);
    if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int result = real(clock, now);
    if (result == 0 && now && is_wall_clock(clock)) now->tv_sec += shift();
    return result;
}

int gettimeofday(struct timeval *restrict now, void *restrict zone) {
    static int (*real)(struct timeval *restrict, void *restrict);
    if (!real) real = (int (*)(struct timeval *restrict, void *restrict))dlsym(RTLD_NEXT, "gettimeofday");
    int result = real(now, zone);
    if (result == 0 && now) now->tv_sec += shift();
    return result;
}

time_t time(time_t *out) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (out) *out = now.tv_sec;
    return now.tv_sec;
}

int timespec_get(struct timespec *now, int base) {
    if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, now) != 0) return 0;
    return base;
}
