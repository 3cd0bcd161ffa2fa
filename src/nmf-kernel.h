/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only module that talks to the kernel over rtnetlink (libnl): the truth
 * we show next to what NetworkManager intends.
 */
#ifndef NMF_KERNEL_H
#define NMF_KERNEL_H

#include "nmf-route.h"

G_BEGIN_DECLS

/* Every default route (IPv4 and IPv6, every table), sorted by family, table, metric. */
GPtrArray *nmf_kernel_default_routes(GError **error);

G_END_DECLS

#endif /* NMF_KERNEL_H */
