/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command --check ADDRESS: for every local address of ADDRESS's family, would a request
 * from ADDRESS arriving on its link be answered on that link?  The kernel answers (route
 * lookups, rp_filter); nmf-check-verdict.c judges.  NAT links are listed but never fail
 * the check.  No privileges needed.
 */
#ifndef NMF_CHECK_H
#define NMF_CHECK_H

#include "model/nmf-options.h"

G_BEGIN_DECLS

/* Prints the table and advice; NMF_EXIT_ASYMMETRIC when a counted link fails. */
gboolean nmf_check_run(const NmfOptions *options, NmfExit *out_status, GError **error);

G_END_DECLS

#endif /* NMF_CHECK_H */
