/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fast path: the state directory, the pause file, the stored digest, the retry schedule (libc). */
#include "hook/nmf-statedir.h"

#include "hook/nmf-digest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/*****************************************************************************/
/* State directory */

NmfStatedirVerdict
nmf_statedir_judge(const struct stat *st, uid_t owner)
{
    if (S_ISLNK(st->st_mode))
        return NMF_STATEDIR_SYMLINK;
    if (!S_ISDIR(st->st_mode))
        return NMF_STATEDIR_NOT_DIRECTORY;
    if (st->st_uid != owner)
        return NMF_STATEDIR_WRONG_OWNER;
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return NMF_STATEDIR_WRITABLE;
    return NMF_STATEDIR_OK;
}

const char *
nmf_statedir_verdict_to_string(NmfStatedirVerdict verdict)
{
    switch (verdict) {
    case NMF_STATEDIR_OK:
        return "safe";
    case NMF_STATEDIR_SYMLINK:
        return "is a symbolic link";
    case NMF_STATEDIR_NOT_DIRECTORY:
        return "is not a directory";
    case NMF_STATEDIR_WRONG_OWNER:
        return "has another owner";
    case NMF_STATEDIR_WRITABLE:
        return "is writable by group or others";
    case NMF_STATEDIR_MAX:
        break;
    }
    return "?";
}

int
nmf_statedir_open(const char *path, uid_t owner, int create, char *why, size_t why_size)
{
    struct stat        st;
    NmfStatedirVerdict verdict;
    int                fd;

    if (create && mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(why, why_size, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    /* O_NOFOLLOW: a symbolic link planted as the directory is refused, not followed;
     * everything after this works relative to the checked descriptor. */
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;

        if (lstat(path, &st) == 0 && nmf_statedir_judge(&st, owner) != NMF_STATEDIR_OK)
            snprintf(why,
                     why_size,
                     "refusing state directory %s: it %s",
                     path,
                     nmf_statedir_verdict_to_string(nmf_statedir_judge(&st, owner)));
        else
            snprintf(why, why_size, "cannot open %s: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(why, why_size, "cannot stat %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    verdict = nmf_statedir_judge(&st, owner);
    if (verdict != NMF_STATEDIR_OK) {
        if (verdict == NMF_STATEDIR_WRONG_OWNER)
            snprintf(why,
                     why_size,
                     "refusing state directory %s: it is owned by uid %u, not %u",
                     path,
                     (unsigned) st.st_uid,
                     (unsigned) owner);
        else
            snprintf(why,
                     why_size,
                     "refusing state directory %s: it %s (mode %04o)",
                     path,
                     nmf_statedir_verdict_to_string(verdict),
                     (unsigned) (st.st_mode & 07777));
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int
nmf_statedir_has_file(int dirfd, const char *name)
{
    return faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int
_refuse_file(const char *dir, const char *name, const struct stat *st, char *why, size_t why_size)
{
    int saved = S_ISLNK(st->st_mode) ? ELOOP : EPERM;

    snprintf(why,
             why_size,
             "refusing %s/%s: it %s",
             dir,
             name,
             S_ISLNK(st->st_mode) ? "is a symbolic link" : "is not a regular file");
    errno = saved;
    return -1;
}

int
nmf_statedir_check_file(int dirfd, const char *dir, const char *name, char *why, size_t why_size)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, why_size, "cannot stat %s/%s: %s", dir, name, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode))
        return _refuse_file(dir, name, &st, why, why_size);
    return 0;
}

int
nmf_statedir_write_file(int         dirfd,
                        const char *dir,
                        const char *name,
                        const char *text,
                        char       *why,
                        size_t      why_size)
{
    struct stat st;
    size_t      len = strlen(text);
    int         fd, saved;

    /* O_NONBLOCK: a FIFO planted there must not hang us; it is refused below. */
    fd =
      openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0) {
        saved = errno;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
            return _refuse_file(dir, name, &st, why, why_size);
        snprintf(why, why_size, "cannot open %s/%s: %s", dir, name, strerror(saved));
        errno = saved;
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return _refuse_file(dir, name, &st, why, why_size);
        snprintf(why, why_size, "cannot stat %s/%s: %s", dir, name, strerror(errno));
        return -1;
    }
    if (len > 0 && write(fd, text, len) != (ssize_t) len) {
        saved = errno ? errno : EIO;
        close(fd);
        errno = saved;
    } else if (close(fd) == 0) {
        return 0;
    }
    saved = errno;
    snprintf(why, why_size, "cannot write %s/%s: %s", dir, name, strerror(saved));
    errno = saved;
    return -1;
}

/*****************************************************************************/
/* Pause file */

#define PAUSE_TEXT \
    "nm-metric-fix --revert paused the dispatcher hook; 'nm-metric-fix --fix' resumes it\n"

int
nmf_pause_is_set(const char *dir, uid_t owner, char *why, size_t why_size)
{
    int paused;
    int dirfd = nmf_statedir_open(dir, owner, 0, why, why_size);

    if (dirfd < 0) {
        if (errno == ENOENT && why_size)
            why[0] = '\0';
        return 0;
    }
    if (why_size)
        why[0] = '\0';
    paused = nmf_statedir_has_file(dirfd, NMF_STATE_PAUSED);
    close(dirfd);
    return paused;
}

int
nmf_pause_prepare(const char *dir, uid_t owner, char *why, size_t why_size)
{
    int dirfd = nmf_statedir_open(dir, owner, 1, why, why_size);

    if (dirfd < 0)
        return -1;
    if (nmf_statedir_check_file(dirfd, dir, NMF_STATE_PAUSED, why, why_size) != 0) {
        int saved = errno;

        close(dirfd);
        errno = saved;
        return -1;
    }
    return dirfd;
}

int
nmf_pause_write(int dirfd, const char *dir, char *why, size_t why_size)
{
    return nmf_statedir_write_file(dirfd, dir, NMF_STATE_PAUSED, PAUSE_TEXT, why, why_size);
}

int
nmf_pause_end(const char *dir, uid_t owner, char *why, size_t why_size)
{
    int dirfd = nmf_statedir_open(dir, owner, 0, why, why_size);

    if (dirfd < 0)
        return errno == ENOENT ? 0 : -1;
    if (unlinkat(dirfd, NMF_STATE_PAUSED, 0) != 0 && errno != ENOENT) {
        int saved = errno;

        snprintf(why, why_size, "cannot remove %s/%s: %s", dir, NMF_STATE_PAUSED, strerror(saved));
        close(dirfd);
        errno = saved;
        return -1;
    }
    close(dirfd);
    return 0;
}

/*****************************************************************************/
/* Stored digest */

int
nmf_digest_read(int dirfd, char out_hex[NMF_DIGEST_HEX_LEN + 1])
{
    char    buf[NMF_DIGEST_HEX_LEN + 2];
    ssize_t n;
    int     fd, i;

    fd = openat(dirfd, NMF_STATE_DIGEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n != NMF_DIGEST_HEX_LEN + 1 || buf[NMF_DIGEST_HEX_LEN] != '\n')
        return -1;
    for (i = 0; i < NMF_DIGEST_HEX_LEN; i++) {
        if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')))
            return -1;
    }
    memcpy(out_hex, buf, NMF_DIGEST_HEX_LEN);
    out_hex[NMF_DIGEST_HEX_LEN] = '\0';
    return 0;
}

int
nmf_digest_write(int dirfd, const char *hex)
{
    static const char tmp[] = NMF_STATE_DIGEST ".new";
    char              buf[NMF_DIGEST_HEX_LEN + 1];
    int               fd, saved;

    if (strlen(hex) != NMF_DIGEST_HEX_LEN) {
        errno = EINVAL;
        return -1;
    }
    memcpy(buf, hex, NMF_DIGEST_HEX_LEN);
    buf[NMF_DIGEST_HEX_LEN] = '\n';
    if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT)
        return -1;
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (write(fd, buf, sizeof(buf)) != (ssize_t) sizeof(buf) || close(fd) != 0) {
        saved = errno;
        unlinkat(dirfd, tmp, 0);
        errno = saved;
        return -1;
    }
    if (renameat(dirfd, tmp, dirfd, NMF_STATE_DIGEST) != 0) {
        saved = errno;
        unlinkat(dirfd, tmp, 0);
        errno = saved;
        return -1;
    }
    return 0;
}

int
nmf_digest_remove(int dirfd)
{
    if (unlinkat(dirfd, NMF_STATE_DIGEST, 0) != 0 && errno != ENOENT)
        return -1;
    return 0;
}

/*****************************************************************************/

unsigned
nmf_retry_delay_ms(unsigned attempt)
{
    unsigned delay = 1000;

    while (attempt > 1 && delay < 60000) {
        delay *= 2;
        attempt--;
    }
    return delay < 60000 ? delay : 60000;
}
