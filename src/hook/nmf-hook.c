/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fast path: nm-metric-fix-hook, run per dispatcher event; the full helper only on a change. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <syslog.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "hook/nmf-digest.h"
#include "hook/nmf-statedir.h"
#include "hook/nmf-journal.h"

/*
 * Every dispatcher event comes here (90-nm-metric-fix execs this program). The work
 * is one "pass": compare the kernel's routing state with the digest the full helper
 * stored after its last verified run, and start the full helper when they differ.
 *
 * Coalescing: an event marks "pending" and then tries the lock without waiting. The
 * lock holder consumes the mark before each pass and looks for it again before
 * letting go of the lock, so events during a full run give exactly one more full
 * run (events during a mere comparison one more comparison), and events are never
 * lost between the last look and the unlock (the holder looks once more after
 * unlocking).
 *
 * Nothing lost: a failed full run (NetworkManager gone or hung: exit 8 or 1) keeps the
 * lock and is retried with backoff (nmf_retry_delay_ms(), NMF_RETRY_MAX attempts) or
 * at once when another event comes in; the stored digest is removed before every
 * full run, and only a run that verified its result stores a new one.
 */

static char event[128];

static void _log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "nm-metric-fix-hook[PID]: TEXT" on stderr as always; in the journal as TEXT under
 * nm-metric-fix (nmf-journal.h). */
static void
_log(int priority, const char *fmt, ...)
{
    char    message[448];
    char    line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "nm-metric-fix-hook[%ld]: %s\n", (long) getpid(), message);
    nmf_journal_log(priority, "nm-metric-fix-hook", message, line);
}

/* The mark holds the event's name, so that the run it causes can log it (the last
 * of several coalesced events). */
static int
_mark_pending(int dirfd)
{
    char line[sizeof(event) + 1];
    char why[512];

    snprintf(line, sizeof(line), "%s\n", event);
    if (nmf_statedir_write_file(dirfd, NMF_RUNDIR, NMF_STATE_PENDING, line, why, sizeof(why))
        != 0) {
        _log(LOG_ERR, "cannot mark event %s pending: %s", event, why);
        return -1;
    }
    return 0;
}

/* 1 when a mark was there (and is now consumed); its event becomes the current one. */
static int
_take_pending(int dirfd)
{
    char    buf[sizeof(event)];
    ssize_t n = -1;
    int     fd;

    fd = openat(dirfd, NMF_STATE_PENDING, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (unlinkat(dirfd, NMF_STATE_PENDING, 0) != 0)
        return 0;
    if (n > 1 && buf[n - 1] == '\n') {
        buf[n - 1] = '\0';
        memcpy(event, buf, (size_t) n);
    }
    return 1;
}

/* The kernel state is the one the last verified run left. */
static int
_state_verified(int dirfd)
{
    char stored[NMF_DIGEST_HEX_LEN + 1], now[NMF_DIGEST_HEX_LEN + 1];

    if (nmf_digest_read(dirfd, stored) != 0)
        return 0;
    if (nmf_digest_compute(NMF_DEFAULT_CONFIG, PACKAGE_VERSION, now) != 0) {
        _log(LOG_WARNING,
             "cannot read the kernel's state (%s); running the full helper",
             strerror(errno));
        return 0;
    }
    return strcmp(stored, now) == 0;
}

/* Runs `nm-metric-fix --fix --event=...` and returns its exit status (128 + signal
 * when killed). */
static int
_run_full_helper(void)
{
    char  arg[sizeof(event) + 16];
    pid_t pid;
    int   status;

    snprintf(arg, sizeof(arg), "--event=%s", event);
    pid = fork();
    if (pid < 0) {
        _log(LOG_ERR, "cannot start %s: %s", NMF_HELPER, strerror(errno));
        return 1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        execl(NMF_HELPER, "nm-metric-fix", "--fix", arg, (char *) NULL);
        _log(LOG_ERR, "cannot run %s: %s", NMF_HELPER, strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 1;
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* Sleeps @ms, or less when an event arrives meanwhile (NetworkManager is back: it
 * sends events again). Consumes that event's mark: the retry covers it. */
static void
_wait_for_retry(int dirfd, unsigned ms)
{
    const struct timespec step = { 0, 100 * 1000 * 1000 };
    unsigned              waited;

    for (waited = 0; waited < ms; waited += 100) {
        if (_take_pending(dirfd))
            return;
        nanosleep(&step, NULL);
    }
}

/* Leaves the process group and session of nm-dispatcher, which waits for this
 * process: the parent returns at once, the child carries on with the lock. */
static int
_detach(void)
{
    pid_t pid = fork();
    int   null;

    if (pid < 0) {
        _log(LOG_ERR, "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid > 0)
        _exit(0); /* the lock stays held: the child shares its open file description */
    setsid();
    null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        if (null != STDIN_FILENO)
            close(null);
    }
    return 0;
}

/* Holding the lock: passes until no event is pending; full runs (detached) when the
 * state is not the verified one. Returns the exit status. */
static int
_serve(int dirfd, int lockfd)
{
    unsigned failures  = 0;
    int      need_run  = 0;
    int      detached  = 0;
    int      after_run = 0;

    for (;;) {
        if (need_run) {
            int status;

            if (!detached) {
                if (_detach() != 0) {
                    _mark_pending(dirfd);
                    return 1;
                }
                detached = 1;
            }
            if (nmf_digest_remove(dirfd) != 0)
                _log(LOG_WARNING, "cannot remove the stored digest: %s", strerror(errno));
            status = _run_full_helper();
            if (status != 0) {
                unsigned delay;

                failures++;
                if (failures > NMF_RETRY_MAX) {
                    /* The mark stays: the next event runs again. */
                    _mark_pending(dirfd);
                    _log(LOG_ERR,
                         "nm-metric-fix --fix failed %u times (last exit %d); giving up until "
                         "the next event",
                         failures,
                         status);
                    return 1;
                }
                delay = nmf_retry_delay_ms(failures);
                _log(LOG_WARNING,
                     "nm-metric-fix --fix exit %d for event %s; retry %u of %u in %u s",
                     status,
                     event,
                     failures,
                     NMF_RETRY_MAX,
                     delay / 1000);
                _wait_for_retry(dirfd, delay);
                continue;
            }
            if (failures > 0)
                _log(LOG_INFO, "nm-metric-fix --fix succeeded after %u failed runs", failures);
            failures  = 0;
            need_run  = 0;
            after_run = 1;
        }
        if (!_take_pending(dirfd)) {
            flock(lockfd, LOCK_UN);
            /* An event between the last look and the unlock found the lock taken. */
            if (!nmf_statedir_has_file(dirfd, NMF_STATE_PENDING)
                || flock(lockfd, LOCK_EX | LOCK_NB) != 0)
                return 0;
            after_run = 0;
            continue;
        }
        /* Events during a full run give exactly one more full run, as the digest it
         * stored may predate what NetworkManager was about to report. */
        need_run  = after_run || !_state_verified(dirfd);
        after_run = 0;
    }
}

static int
_print_state(void)
{
    char      hex[NMF_DIGEST_HEX_LEN + 1], stored[NMF_DIGEST_HEX_LEN + 1];
    NmfState *state = nmf_state_read_kernel(NMF_DEFAULT_CONFIG, PACKAGE_VERSION);
    char      why[512];
    int       dirfd;

    if (!state) {
        fprintf(
          stderr, "nm-metric-fix-hook: cannot read the kernel's state: %s\n", strerror(errno));
        return 1;
    }
    nmf_state_digest(state, hex);
    nmf_state_write_text(state, STDOUT_FILENO);
    nmf_state_free(state);
    printf("digest %s\n", hex);
    dirfd = nmf_statedir_open(NMF_RUNDIR, 0, 0, why, sizeof(why));
    if (dirfd >= 0 && nmf_digest_read(dirfd, stored) == 0)
        printf("stored %s (%s)\n", stored, strcmp(stored, hex) == 0 ? "equal" : "differs");
    else
        printf("stored none%s%s\n", dirfd < 0 ? ": " : "", dirfd < 0 ? why : "");
    return 0;
}

int
main(int argc, char **argv)
{
    char why[512];
    int  dirfd, lockfd;

    if (argc == 2 && strcmp(argv[1], "--print-state") == 0)
        return _print_state();
    if (argc != 3) {
        fprintf(stderr,
                "usage: nm-metric-fix-hook IFACE ACTION (run by "
                "NetworkManager's dispatcher), or --print-state\n");
        return 2;
    }
    snprintf(event, sizeof(event), "%s:%s", argv[1][0] ? argv[1] : "?", argv[2]);
    umask(077);
    signal(SIGPIPE, SIG_IGN);

    dirfd = nmf_statedir_open(NMF_RUNDIR, 0, 1, why, sizeof(why));
    if (dirfd < 0) {
        _log(LOG_ERR, "%s; event %s not handled", why, event);
        return 1;
    }
    /* --revert paused the hook until a manual --fix or the next boot. */
    if (nmf_statedir_has_file(dirfd, NMF_STATE_PAUSED))
        return 0;
    /* Mark before trying the lock: whoever holds it sees the mark before letting go. */
    if (_mark_pending(dirfd) != 0)
        return 1;
    lockfd = openat(dirfd, NMF_STATE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lockfd < 0) {
        _log(LOG_ERR, "cannot open the lock in %s: %s", NMF_RUNDIR, strerror(errno));
        return 1;
    }
    if (flock(lockfd, LOCK_EX | LOCK_NB) != 0)
        return 0; /* the holder runs once more for this event */
    return _serve(dirfd, lockfd);
}
