/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Commands that run in programs of their own, so that --fix and --status load neither
 * libpcap nor json-glib: --observe in nm-metric-fix-observe, --status --json and
 * --prometheus in nm-metric-fix-export (both in libexecdir, both the same command line).
 */
#ifndef NMF_EXEC_H
#define NMF_EXEC_H

#include "model/nmf-options.h"

G_BEGIN_DECLS

/* Replace this process by the program for the command (NmfCommandFunc); they return
 * only with an error. */
gboolean nmf_exec_observe_run(const NmfOptions *options, NmfExit *out_status, GError **error);
gboolean nmf_exec_export_run(const NmfOptions *options, NmfExit *out_status, GError **error);

G_END_DECLS

#endif /* NMF_EXEC_H */
