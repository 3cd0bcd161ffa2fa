/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The digest of the kernel state that decides routing, and where it is stored.
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

#include "hook/nmf-sha256.h"

struct nlmsghdr;

/* The product's policy-routing tables (NMF_POLICY_TABLE_BASE .. + NMF_POLICY_RANGE - 1
 * in nmf-policy.h; nmf-verified.c asserts they agree). */
#define NMF_DIGEST_TABLE_FIRST 30500u
#define NMF_DIGEST_TABLE_LAST  30599u

#define NMF_DIGEST_HEX_LEN NMF_SHA256_HEX_LEN

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

#endif /* NMF_DIGEST_H */
