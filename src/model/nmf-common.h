/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Model: the error domain, exit statuses and logging every layer shares. */
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
    NMF_ERROR_MAX,
} NmfErrorCode;

/* For runs that go on after a failure: keep the first error in *first, except that
 * NetworkManager going away replaces it (that is what the caller must hear); log
 * the one not kept as a warning, prefixed by @context when given. Takes @error. */
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

/* Syslog priorities, as sd-daemon(3) prefixes read them. */
typedef enum {
    NMF_LOG_ERROR = 0,
    NMF_LOG_WARNING,
    NMF_LOG_INFO,
    NMF_LOG_DEBUG,
    NMF_LOG_MAX,
} NmfLogLevel;

/* Lines above @level are dropped (default NMF_LOG_INFO). */
void nmf_log_set_level(NmfLogLevel level);
/* Log lines are English on purpose: admins paste them into bug reports and tests match
 * them.  "nm-metric-fix[PID]: TEXT" on stderr; when stderr is not a terminal the line
 * starts with "<N>", N the syslog priority, for whatever records it.  Every line also
 * goes to the journal as TEXT with SYSLOG_IDENTIFIER=nm-metric-fix and its priority,
 * and then not to stderr when stderr is the journal's stream (nmf-journal.h). */
void nmf_log(NmfLogLevel level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
#define nmf_log_error(...)   nmf_log(NMF_LOG_ERROR, __VA_ARGS__)
#define nmf_log_warning(...) nmf_log(NMF_LOG_WARNING, __VA_ARGS__)
#define nmf_log_info(...)    nmf_log(NMF_LOG_INFO, __VA_ARGS__)
#define nmf_log_debug(...)   nmf_log(NMF_LOG_DEBUG, __VA_ARGS__)

/* The one error line of a failed run: "nm-metric-fix: MESSAGE" (with the "<3>" prefix off
 * a terminal), printed whatever the log level.  Only main.c calls it. */
void nmf_print_error(const char *message);
/* The same for a translated line that names the program itself (translations spell
 * "nm-metric-fix: " their own way). */
void nmf_print_error_line(const char *line);

/* Network byte order fields of a packet, read without alignment assumptions. */
static inline guint16
nmf_read_be16(const guint8 *p)
{
    return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
nmf_read_be32(const guint8 *p)
{
    return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

G_END_DECLS

#endif /* NMF_COMMON_H */
