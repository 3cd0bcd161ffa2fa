/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nmf-subreap: runs a command and all it spawns as subreaper; prints wall ms, peak RSS, CPU ms. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

/*
 * usage: nmf-subreap COMMAND [ARG...]
 *
 * Prints "WALL_MS PEAK_RSS_KIB EXIT_STATUS DESCENDANTS CPU_MS" on stdout once the
 * command and every process it started (detached ones too: as subreaper this process
 * inherits them) have exited. The command's own output goes to /dev/null.
 * PEAK_RSS_KIB is the largest resident set of any of them, CPU_MS their user and
 * system time together (RUSAGE_CHILDREN).
 */
int
main(int argc, char **argv)
{
    struct timespec t0, t1;
    struct rusage   ru;
    pid_t           child;
    int             status, child_status = -1, reaped = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: nmf-subreap COMMAND [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("nmf-subreap: PR_SET_CHILD_SUBREAPER");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) {
        perror("nmf-subreap: fork");
        return 2;
    }
    if (child == 0) {
        int null = open("/dev/null", O_RDWR);

        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    for (;;) {
        pid_t pid = waitpid(-1, &status, 0);

        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: the whole tree is gone */
        }
        reaped++;
        if (pid == child)
            child_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("%.3f %ld %d %d %.1f\n",
           (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6,
           ru.ru_maxrss,
           child_status,
           reaped,
           (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
             + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
    return 0;
}
