/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-metric-fix-trace: a libvirt domain's network interfaces and its networks'
 * bridges, read from the XML descriptions libvirt hands out.  Pure module: it
 * parses text that nmf-virt.c fetches (GMarkup, no I/O).
 */
#ifndef NMF_VIRT_XML_H
#define NMF_VIRT_XML_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    NMF_VIRT_IFACE_NETWORK = 0, /* <interface type='network'>: a libvirt virtual network */
    NMF_VIRT_IFACE_BRIDGE,      /* type='bridge': a host bridge */
    NMF_VIRT_IFACE_DIRECT,      /* type='direct': macvtap on a host device */
    NMF_VIRT_IFACE_ETHERNET,    /* type='ethernet': a tap the host routes itself */
    NMF_VIRT_IFACE_OTHER,       /* user (slirp), vhostuser, hostdev...: no host device to watch */
    NMF_VIRT_IFACE_TYPE_MAX,
} NmfVirtIfaceType;

typedef struct {
    NmfVirtIfaceType type;
    char            *type_name;      /* the type attribute as written */
    char            *mac;            /* <mac address>, NULL when absent */
    char            *target_dev;     /* <target dev>: the backend tap or macvtap device */
    char            *source_network; /* <source network> */
    char            *source_bridge;  /* <source bridge> (type bridge; live XML of type network) */
    char            *source_dev;     /* <source dev>: the macvtap's lower device */
    char *source_mode; /* <source mode> of a macvtap: bridge, vepa, private, passthrough */

    /* Filled from the network's description (nmf_virt_iface_resolve) for type network. */
    char *network_forward; /* <forward mode>: nat, route, open, bridge, ...; "isolated" without */
} NmfVirtIface;

void nmf_virt_iface_free(NmfVirtIface *iface);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfVirtIface, nmf_virt_iface_free)

typedef struct {
    char *name;
    char *bridge;       /* <bridge name>, NULL for a network without one (macvtap pools) */
    char *forward_mode; /* "isolated" when there is no <forward> */
    char *forward_dev;  /* <forward dev> or the first <forward><interface dev>, NULL if none */
} NmfVirtNetwork;

void nmf_virt_network_free(NmfVirtNetwork *network);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfVirtNetwork, nmf_virt_network_free)

/* The <interface> elements under <domain><devices>, as NmfVirtIface, in document order;
 * @out_name (optional) receives the domain's <name>.  NMF_ERROR_FAILED on XML that is not
 * a domain description. */
GPtrArray *nmf_virt_parse_domain(const char *xml, char **out_name, GError **error);

/* A <network> description. */
NmfVirtNetwork *nmf_virt_parse_network(const char *xml, GError **error);

/* Completes @iface (type network) with what its network says: the bridge when the
 * interface's own XML did not name one (inactive domains, older libvirt), the forward
 * mode, and for a macvtap pool the lower device. */
void nmf_virt_iface_resolve(NmfVirtIface *iface, const NmfVirtNetwork *network);

const char *nmf_virt_iface_type_to_string(NmfVirtIfaceType type);

G_END_DECLS

#endif /* NMF_VIRT_XML_H */
