/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NMF_COMMON_H
#define NMF_COMMON_H

#include <glib.h>
#include <glib/gi18n.h>

G_BEGIN_DECLS

#define NMF_ERROR (nmf_error_quark())
GQuark nmf_error_quark(void);

typedef enum {
    NMF_ERROR_FAILED = 0,
    NMF_ERROR_NM_NOT_RUNNING,
    NMF_ERROR_PERMISSION,
    NMF_ERROR_TIMEOUT,
    NMF_ERROR_CONFIG,
} NmfErrorCode;

/* For runs that go on after a failure: keep the first error in *first, except that
 * NetworkManager going away replaces it (that is what the caller must hear); log
 * the one not kept, prefixed by @context when given. Takes @error. */
void nmf_error_keep(GError **first, GError *error, const char *context);

/* Exit statuses; documented in --help and nm-metric-fix(8). */
typedef enum {
    NMF_EXIT_OK             = 0,
    NMF_EXIT_FAILURE        = 1,
    NMF_EXIT_USAGE          = 2,
    NMF_EXIT_WRONG_OWNER    = 3,
    NMF_EXIT_PERMISSION     = 4,
    NMF_EXIT_ASYMMETRIC     = 5, /* --check/--observe: replies leave by another link */
    NMF_EXIT_NM_NOT_RUNNING = 8, /* as nmcli */
} NmfExit;

typedef enum {
    NMF_LOG_QUIET = 0,
    NMF_LOG_INFO,
    NMF_LOG_DEBUG,
} NmfLogLevel;

void nmf_log_set_level(NmfLogLevel level);
/* Log lines are English on purpose: admins paste them into bug reports and tests match them. */
void nmf_log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void nmf_log_debug(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

G_END_DECLS

#endif /* NMF_COMMON_H */
