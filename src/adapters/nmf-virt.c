/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: libvirt - a domain's live XML and its networks' XML, nothing else. */
#include "config.h"

#include "adapters/nmf-virt.h"

#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "model/nmf-common.h"

typedef struct _virConnect VirConnect;
typedef struct _virDomain  VirDomain;
typedef struct _virNetwork VirNetwork;
static void
_conn_close(VirConnect *conn)
{
    virConnectClose(conn);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirConnect, _conn_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirNetwork, virNetworkFree)

/* libvirt prints its errors to stderr unless told otherwise; only main prints. */
static void
_quiet(void *user_data, virErrorPtr err)
{
}

static void
_set_error(GError **error, NmfErrorCode code, const char *what)
{
    virErrorPtr last = virGetLastError();

    g_set_error(error,
                NMF_ERROR,
                code,
                "%s: %s",
                what,
                last && last->message ? last->message : "unknown libvirt error");
}

static gboolean
_is_denied(void)
{
    virErrorPtr last = virGetLastError();

    return last
           && (last->code == VIR_ERR_AUTH_FAILED || last->code == VIR_ERR_OPERATION_DENIED
               || last->code == VIR_ERR_AUTH_CANCELLED || last->code == VIR_ERR_ACCESS_DENIED);
}

/* By name, then UUID, then id, like virsh; the error kept is the name lookup's. */
static VirDomain *
_lookup_domain(VirConnect *conn, const char *domain, int *out_code, char **out_message)
{
    VirDomain  *dom = virDomainLookupByName(conn, domain);
    virErrorPtr last;
    char       *end = NULL;
    long        id;

    if (dom)
        return dom;
    last         = virGetLastError();
    *out_code    = last ? last->code : VIR_ERR_OK;
    *out_message = g_strdup(last && last->message ? last->message : "unknown libvirt error");
    if (strlen(domain) == VIR_UUID_STRING_BUFLEN - 1) {
        dom = virDomainLookupByUUIDString(conn, domain);
        if (dom)
            return dom;
    }
    id = strtol(domain, &end, 10);
    if (end && *end == '\0' && end != domain && id >= 0 && id <= G_MAXINT)
        dom = virDomainLookupByID(conn, (int) id);
    return dom;
}

GPtrArray *
nmf_virt_domain_interfaces(const char *uri, const char *domain, char **out_name, GError **error)
{
    g_autoptr(VirConnect) conn  = NULL;
    g_autoptr(VirDomain) dom    = NULL;
    g_autoptr(GPtrArray) ifaces = NULL;
    g_autofree char *xml        = NULL;
    g_autofree char *name       = NULL;
    g_autofree char *message    = NULL;
    int              code       = VIR_ERR_OK;

    virSetErrorFunc(NULL, _quiet);
    if (!uri)
        uri = NMF_VIRT_DEFAULT_URI;
    /* Read-only: the trace changes nothing, and a read-only socket needs no polkit. */
    conn = virConnectOpenReadOnly(uri);
    if (!conn) {
        g_autofree char *what = g_strdup_printf("cannot connect to libvirt at %s", uri);

        _set_error(error, _is_denied() ? NMF_ERROR_PERMISSION : NMF_ERROR_FAILED, what);
        return NULL;
    }
    dom = _lookup_domain(conn, domain, &code, &message);
    if (!dom) {
        gboolean denied = code == VIR_ERR_AUTH_FAILED || code == VIR_ERR_OPERATION_DENIED
                          || code == VIR_ERR_ACCESS_DENIED;

        g_set_error(error,
                    NMF_ERROR,
                    code == VIR_ERR_NO_DOMAIN ? NMF_ERROR_CONFIG
                    : denied                  ? NMF_ERROR_PERMISSION
                                              : NMF_ERROR_FAILED,
                    "no domain '%s' at %s: %s",
                    domain,
                    uri,
                    message);
        return NULL;
    }
    /* The live description names the backend devices (<target dev>) of a running domain. */
    {
        char *text = virDomainGetXMLDesc(dom, 0);

        if (!text) {
            _set_error(error,
                       _is_denied() ? NMF_ERROR_PERMISSION : NMF_ERROR_FAILED,
                       "cannot read the domain's description");
            return NULL;
        }
        xml = g_strdup(text);
        free(text);
    }
    ifaces = nmf_virt_parse_domain(xml, &name, error);
    if (!ifaces)
        return NULL;
    for (guint i = 0; i < ifaces->len; i++) {
        NmfVirtIface *iface            = ifaces->pdata[i];
        g_autoptr(VirNetwork) net      = NULL;
        g_autoptr(NmfVirtNetwork) desc = NULL;
        g_autoptr(GError) local        = NULL;
        char *text;

        if (iface->type != NMF_VIRT_IFACE_NETWORK || !iface->source_network)
            continue;
        net  = virNetworkLookupByName(conn, iface->source_network);
        text = net ? virNetworkGetXMLDesc(net, 0) : NULL;
        if (!text) {
            virErrorPtr last = virGetLastError();

            /* The domain's own XML may still name the bridge: go on without. */
            nmf_log_info("cannot read network %s: %s",
                         iface->source_network,
                         last && last->message ? last->message : "unknown libvirt error");
            continue;
        }
        desc = nmf_virt_parse_network(text, &local);
        free(text);
        if (!desc) {
            nmf_log_info("network %s: %s", iface->source_network, local->message);
            continue;
        }
        nmf_virt_iface_resolve(iface, desc);
    }
    if (out_name)
        *out_name = g_steal_pointer(&name);
    return g_steal_pointer(&ifaces);
}
