/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: libvirt's domain and network XML, read into the devices the trace watches. */
#include "config.h"

#include "decide/nmf-virt-xml.h"

#include <string.h>

#include "model/nmf-common.h"

void
nmf_virt_iface_free(NmfVirtIface *iface)
{
    if (!iface)
        return;
    g_free(iface->type_name);
    g_free(iface->mac);
    g_free(iface->target_dev);
    g_free(iface->source_network);
    g_free(iface->source_bridge);
    g_free(iface->source_dev);
    g_free(iface->source_mode);
    g_free(iface->network_forward);
    g_free(iface);
}

void
nmf_virt_network_free(NmfVirtNetwork *network)
{
    if (!network)
        return;
    g_free(network->name);
    g_free(network->bridge);
    g_free(network->forward_mode);
    g_free(network->forward_dev);
    g_free(network);
}

const char *
nmf_virt_iface_type_to_string(NmfVirtIfaceType type)
{
    static const char *const names[NMF_VIRT_IFACE_TYPE_MAX] = {
        [NMF_VIRT_IFACE_NETWORK] = "network", [NMF_VIRT_IFACE_BRIDGE] = "bridge",
        [NMF_VIRT_IFACE_DIRECT] = "direct",   [NMF_VIRT_IFACE_ETHERNET] = "ethernet",
        [NMF_VIRT_IFACE_OTHER] = "other",
    };

    return type < NMF_VIRT_IFACE_TYPE_MAX ? names[type] : "other";
}

static NmfVirtIfaceType
_iface_type(const char *name)
{
    for (int t = 0; t < NMF_VIRT_IFACE_OTHER; t++) {
        if (g_strcmp0(name, nmf_virt_iface_type_to_string(t)) == 0)
            return t;
    }
    return NMF_VIRT_IFACE_OTHER;
}

static const char *
_attr(const char **names, const char **values, const char *wanted)
{
    for (guint i = 0; names[i]; i++) {
        if (strcmp(names[i], wanted) == 0)
            return values[i];
    }
    return NULL;
}

/* Keeps the first value seen: libvirt writes each attribute once, and a second
 * element of the same kind is not what describes the interface. */
static void
_set_once(char **field, const char *value)
{
    if (!*field && value && *value)
        *field = g_strdup(value);
}

/* Element path of the parse, as "domain/devices/interface/source". */
typedef struct {
    GString        *path;
    GPtrArray      *ifaces;  /* domain */
    NmfVirtIface   *current; /* domain: the <interface> being read */
    NmfVirtNetwork *network; /* network */
    GString        *text;    /* character data of the current element */
    char           *name;    /* <domain><name> or <network><name> */
    gboolean        is_domain;
} ParseData;

static void
_start_element(GMarkupParseContext *ctx,
               const char          *element,
               const char         **names,
               const char         **values,
               gpointer             user_data,
               GError             **error)
{
    ParseData *data = user_data;

    if (data->path->len == 0 && strcmp(element, data->is_domain ? "domain" : "network") != 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "not a libvirt %s description (root element <%s>)",
                    data->is_domain ? "domain" : "network",
                    element);
        return;
    }
    if (data->path->len > 0)
        g_string_append_c(data->path, '/');
    g_string_append(data->path, element);
    g_string_truncate(data->text, 0);

    if (data->is_domain) {
        const char *path = data->path->str;

        if (strcmp(path, "domain/devices/interface") == 0) {
            data->current            = g_new0(NmfVirtIface, 1);
            data->current->type_name = g_strdup(_attr(names, values, "type"));
            data->current->type      = _iface_type(data->current->type_name);
            g_ptr_array_add(data->ifaces, data->current);
        } else if (!data->current) {
            return;
        } else if (strcmp(path, "domain/devices/interface/mac") == 0) {
            _set_once(&data->current->mac, _attr(names, values, "address"));
        } else if (strcmp(path, "domain/devices/interface/target") == 0) {
            _set_once(&data->current->target_dev, _attr(names, values, "dev"));
        } else if (strcmp(path, "domain/devices/interface/source") == 0) {
            _set_once(&data->current->source_network, _attr(names, values, "network"));
            _set_once(&data->current->source_bridge, _attr(names, values, "bridge"));
            _set_once(&data->current->source_dev, _attr(names, values, "dev"));
            _set_once(&data->current->source_mode, _attr(names, values, "mode"));
        }
        return;
    }

    if (strcmp(data->path->str, "network/bridge") == 0) {
        _set_once(&data->network->bridge, _attr(names, values, "name"));
    } else if (strcmp(data->path->str, "network/forward") == 0) {
        const char *mode = _attr(names, values, "mode");

        /* A <forward> without a mode is NAT (libvirt's default). */
        g_free(data->network->forward_mode);
        data->network->forward_mode = g_strdup(mode && *mode ? mode : "nat");
        _set_once(&data->network->forward_dev, _attr(names, values, "dev"));
    } else if (strcmp(data->path->str, "network/forward/interface") == 0) {
        _set_once(&data->network->forward_dev, _attr(names, values, "dev"));
    }
}

static void
_end_element(GMarkupParseContext *ctx, const char *element, gpointer user_data, GError **error)
{
    ParseData *data = user_data;
    char      *slash;

    if (strcmp(data->path->str, "domain/name") == 0 || strcmp(data->path->str, "network/name") == 0)
        _set_once(&data->name, g_strstrip(data->text->str));
    else if (strcmp(data->path->str, "domain/devices/interface") == 0)
        data->current = NULL;
    g_string_truncate(data->text, 0);
    slash = strrchr(data->path->str, '/');
    g_string_truncate(data->path, slash ? (gsize) (slash - data->path->str) : 0);
}

static void
_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer user_data, GError **error)
{
    ParseData *data = user_data;

    g_string_append_len(data->text, text, (gssize) len);
}

static gboolean
_parse(const char *xml, ParseData *data, GError **error)
{
    static const GMarkupParser parser = {
        .start_element = _start_element,
        .end_element   = _end_element,
        .text          = _text,
    };
    g_autoptr(GMarkupParseContext) ctx = NULL;
    g_autoptr(GError) local            = NULL;

    data->path = g_string_new(NULL);
    data->text = g_string_new(NULL);
    ctx        = g_markup_parse_context_new(&parser, 0, data, NULL);
    if (!xml || !g_markup_parse_context_parse(ctx, xml, -1, &local)
        || !g_markup_parse_context_end_parse(ctx, &local)) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot read the libvirt %s description: %s",
                    data->is_domain ? "domain" : "network",
                    local ? local->message : "no text");
        return FALSE;
    }
    return TRUE;
}

static void
_parse_data_clear(ParseData *data)
{
    g_string_free(data->path, TRUE);
    g_string_free(data->text, TRUE);
    g_free(data->name);
}

GPtrArray *
nmf_virt_parse_domain(const char *xml, char **out_name, GError **error)
{
    g_autoptr(GPtrArray) ifaces =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_virt_iface_free);
    ParseData data = { .ifaces = ifaces, .is_domain = TRUE };
    gboolean  ok;

    ok = _parse(xml, &data, error);
    if (ok && out_name)
        *out_name = g_steal_pointer(&data.name);
    _parse_data_clear(&data);
    return ok ? g_steal_pointer(&ifaces) : NULL;
}

NmfVirtNetwork *
nmf_virt_parse_network(const char *xml, GError **error)
{
    g_autoptr(NmfVirtNetwork) network = g_new0(NmfVirtNetwork, 1);
    ParseData data                    = { .network = network, .is_domain = FALSE };
    gboolean  ok;

    ok = _parse(xml, &data, error);
    if (ok) {
        network->name = g_steal_pointer(&data.name);
        if (!network->forward_mode)
            network->forward_mode = g_strdup("isolated");
    }
    _parse_data_clear(&data);
    return ok ? g_steal_pointer(&network) : NULL;
}

void
nmf_virt_iface_resolve(NmfVirtIface *iface, const NmfVirtNetwork *network)
{
    if (iface->type != NMF_VIRT_IFACE_NETWORK || !network)
        return;
    g_free(iface->network_forward);
    iface->network_forward = g_strdup(network->forward_mode);
    _set_once(&iface->source_bridge, network->bridge);
    /* A network that is a pool of macvtap lower devices (forward bridge/private/vepa/
     * passthrough without a bridge): the live XML names the device in <source dev>. */
    if (!network->bridge)
        _set_once(&iface->source_dev, network->forward_dev);
}
