/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-metric-fix-trace: the only module that talks to libvirt.  It fetches a
 * domain's description and those of the networks its interfaces use, and
 * hands them to nmf-virt-xml.c.
 */
#ifndef NMF_VIRT_H
#define NMF_VIRT_H

#include "decide/nmf-virt-xml.h"

G_BEGIN_DECLS

#define NMF_VIRT_DEFAULT_URI "qemu:///system"

/* The network interfaces (NmfVirtIface) of domain @domain (name, UUID or id) on @uri
 * (NULL: NMF_VIRT_DEFAULT_URI), those of type network completed from their network's
 * description.  A domain that does not exist is NMF_ERROR_CONFIG, a refused connection
 * NMF_ERROR_PERMISSION.  @out_name receives the domain's name. */
GPtrArray *nmf_virt_domain_interfaces(const char *uri,
                                      const char *domain,
                                      char      **out_name,
                                      GError    **error);

G_END_DECLS

#endif /* NMF_VIRT_H */
