/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state directory (NMF_RUNDIR): its checks, the files in it, the pause file --revert
 * leaves, and the retry schedule of failed full runs.
 *
 * libc only (no GLib): the dispatcher fast path and the GLib programs share it.
 */
#ifndef NMF_STATEDIR_H
#define NMF_STATEDIR_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Files in the state directory. */
#define NMF_STATE_DIGEST  "verified"
#define NMF_STATE_PENDING "pending"
#define NMF_STATE_LOCK    "lock"
#define NMF_STATE_PAUSED  "paused"

typedef enum {
    NMF_STATEDIR_OK,
    NMF_STATEDIR_SYMLINK,
    NMF_STATEDIR_NOT_DIRECTORY,
    NMF_STATEDIR_WRONG_OWNER,
    NMF_STATEDIR_WRITABLE, /* by group or others */
    NMF_STATEDIR_MAX,
} NmfStatedirVerdict;

/* Pure: may a directory with lstat() result @st hold the state of a process run by
 * @owner? */
NmfStatedirVerdict nmf_statedir_judge(const struct stat *st, uid_t owner);
const char        *nmf_statedir_verdict_to_string(NmfStatedirVerdict verdict);

/* Opens @path (creating it 0700 when absent and @create) as a directory file
 * descriptor (O_CLOEXEC) after checking it with nmf_statedir_judge(). Returns -1 and a
 * reason in @why on refusal or error; never writes anything into a refused directory. */
int nmf_statedir_open(const char *path, uid_t owner, int create, char *why, size_t why_size);

/* Whether @name exists in the checked state directory @dirfd (a symbolic link counts,
 * it is not followed). */
int nmf_statedir_has_file(int dirfd, const char *name);
/* 0 when @name in the checked state directory @dirfd (whose path is @dir, for the
 * message) is absent or a regular file, so that nmf_statedir_write_file() may write it;
 * -1 with errno (ELOOP for a symbolic link, EPERM for anything else) and a refusal
 * naming the path in @why. Lets a command refuse before it changes anything else. */
int nmf_statedir_check_file(int         dirfd,
                            const char *dir,
                            const char *name,
                            char       *why,
                            size_t      why_size);
/* Creates (0600) or truncates @name in @dirfd and writes @text; never follows a
 * symbolic link (O_NOFOLLOW) nor writes to anything but a regular file. 0, or -1 with
 * errno and the reason, naming the path, in @why. */
int nmf_statedir_write_file(int         dirfd,
                            const char *dir,
                            const char *name,
                            const char *text,
                            char       *why,
                            size_t      why_size);

/* The pause file: --revert pauses the dispatcher hook, because its own Reapply makes
 * NetworkManager emit dhcp4-change and a hook run would redo at once what --revert
 * undid. It lives in the run-time directory @dir, so it ends at the next boot or with a
 * manual --fix. The directory must belong to @owner (0: root writes nothing through a
 * directory another user could have planted). */

/* 1 when the hook is paused, else 0. An absent directory pauses nothing, nor does an
 * unsafe one, which the hook refuses anyway: then @why says why it was not read. */
int nmf_pause_is_set(const char *dir, uid_t owner, char *why, size_t why_size);
/* Before --revert changes anything: opens @dir (created when absent) and checks that
 * the pause file in it is safe to write. The directory's descriptor, or -1 and @why. */
int nmf_pause_prepare(const char *dir, uid_t owner, char *why, size_t why_size);
/* Writes the pause file into @dirfd (from nmf_pause_prepare()): 0, or -1 and @why. */
int nmf_pause_write(int dirfd, const char *dir, char *why, size_t why_size);
/* Ends the pause: 0 when the pause file is gone (or the directory absent), -1 and
 * @why naming the path. unlinkat() removes a planted link itself, never its target. */
int nmf_pause_end(const char *dir, uid_t owner, char *why, size_t why_size);

/* Retry schedule of failed full runs: the delay before retry @attempt (1-based) in
 * milliseconds: 1 s doubling up to 60 s. */
unsigned nmf_retry_delay_ms(unsigned attempt);
#define NMF_RETRY_MAX 10

#endif /* NMF_STATEDIR_H */
