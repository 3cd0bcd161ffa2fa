/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state directory and the digest of the kernel state that decides routing.
 *
 * libc only (no GLib): the dispatcher fast path (nm-metric-fix-hook) and the full
 * helper link this same file, so both compute the same digest.
 */
#ifndef NMF_DIGEST_H
#define NMF_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct nlmsghdr;

/* The product's policy-routing tables (NMF_POLICY_TABLE_BASE .. + NMF_POLICY_RANGE - 1
 * in nmf-policy.h; nmf-verified.c asserts they agree). */
#define NMF_DIGEST_TABLE_FIRST 30500u
#define NMF_DIGEST_TABLE_LAST  30599u

#define NMF_DIGEST_HEX_LEN 64

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

/* The canonical text of the state: one sorted line per fact. */
typedef struct NmfState NmfState;

NmfState *nmf_state_new(void);
void      nmf_state_free(NmfState *state);
/* Adds the line a netlink message (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE,
 * RTM_NEWRULE, RTM_NEWNEIGH) contributes, if any; pure, for unit tests and the dumps.
 * Returns 0, or -1 when out of memory. */
int nmf_state_add_message(NmfState *state, const struct nlmsghdr *msg);
/* Adds a line as is (the configuration file's identity, the version). */
int nmf_state_add_line(NmfState *state, const char *line);
/* Sorts the lines and hashes them (SHA-256, lower-case hex, NUL-terminated). */
void nmf_state_digest(NmfState *state, char out_hex[NMF_DIGEST_HEX_LEN + 1]);
/* The sorted canonical text (after nmf_state_digest()), for --print-state. */
void nmf_state_write_text(NmfState *state, int fd);

/* Reads the kernel (links, addresses, default routes in main and routes in the
 * policy tables of both families, rules pointing at them, the gateways' neighbour
 * entries), the identities of NetworkManager's device state files, the identity of
 * @config_path and @version into a new state. Returns NULL
 * and sets errno on failure. */
NmfState *nmf_state_read_kernel(const char *config_path, const char *version);

/* nmf_state_read_kernel() and nmf_state_digest() in one; 0 or -1 (errno). */
int nmf_digest_compute(const char *config_path,
                       const char *version,
                       char        out_hex[NMF_DIGEST_HEX_LEN + 1]);

/* The digest stored in the state directory @dirfd by the last verified run: 0, or -1
 * when there is none (or it is not a well-formed digest). */
int nmf_digest_read(int dirfd, char out_hex[NMF_DIGEST_HEX_LEN + 1]);
/* Stores @hex atomically (temporary file + rename, O_NOFOLLOW). 0 or -1 (errno). */
int nmf_digest_write(int dirfd, const char *hex);
/* Removes the stored digest; 0 when gone (or never there), -1 (errno). */
int nmf_digest_remove(int dirfd);

/* SHA-256 of @len bytes at @data as lower-case hex. */
void nmf_sha256_hex(const void *data, size_t len, char out_hex[NMF_DIGEST_HEX_LEN + 1]);

/* Retry schedule of failed full runs: the delay before retry @attempt (1-based) in
 * milliseconds: 1 s doubling up to 60 s. */
unsigned nmf_retry_delay_ms(unsigned attempt);
#define NMF_RETRY_MAX 10

#endif /* NMF_DIGEST_H */
