/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnose one-way reachability: --check asks the kernel (via nmf-kernel.c),
 * --observe watches the traffic (via nmf-capture.c).  Neither prints: the text
 * goes into @out and main.c decides what to do with it.
 */
#ifndef NMF_DIAGNOSE_H
#define NMF_DIAGNOSE_H

#include <glib.h>

G_BEGIN_DECLS

/* For every local address of the family of @address: would a request from @address
 * that arrives on its link be answered on that link?  @nat_ifaces (char *, may be NULL
 * or empty) are listed but never fail the check.  Appends a table and advice to @out and
 * sets @out_all_ok.  No privileges needed.  An @address that is not an IP address is an
 * NMF_ERROR_CONFIG error. */
gboolean nmf_check_run(const char *address,
                       GPtrArray  *nat_ifaces,
                       GString    *out,
                       gboolean   *out_all_ok,
                       GError    **error);

G_END_DECLS

#endif /* NMF_DIAGNOSE_H */
