/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adapter internals shared by nmf-nm.c (reading) and nmf-nm-write.c (writing): the
 * client, the sync-over-async wait, error translation and the routing-rule API that
 * is looked up at run time.  Included by those two files only.
 */
#ifndef NMF_NM_PRIVATE_H
#define NMF_NM_PRIVATE_H

#include <NetworkManager.h>

#include "adapters/nmf-nm.h"

G_BEGIN_DECLS

/* Reapply can race other clients (nmcli, cockpit, a second run of ours). */
#define REAPPLY_MAX_ATTEMPTS 5

struct _NmfNm {
    NMClient *client;
    guint     timeout_ms;
};

typedef struct {
    NMDevice           *device;
    NMRemoteConnection *profile;
    /* The applied connection read with the uplink (NULL when it could not be read) and
     * its version id: a Reapply starts from it instead of asking again. */
    NMConnection *applied;
    guint64       version_id;
} UplinkHandle;

typedef struct {
    GMainLoop    *loop;
    GCancellable *cancellable;
    GSource      *timeout_source;
    guint         pending;
    gboolean      timed_out;
} Wait;

typedef struct {
    Wait         *wait;
    GAsyncResult *result;
} Call;

#define AS_STRING_FLAGS_AF_INET  0x1 /* NM_IP_ROUTING_RULE_AS_STRING_FLAGS_AF_INET */
#define AS_STRING_FLAGS_AF_INET6 0x2 /* NM_IP_ROUTING_RULE_AS_STRING_FLAGS_AF_INET6 */

typedef struct {
    gboolean available;
    gpointer (*from_string)(const char *, guint32, GHashTable *, GError **);
    void (*unref)(gpointer);
    gint64 (*get_priority)(gconstpointer);
    const char *(*get_from)(gconstpointer);
    guint8 (*get_from_len)(gconstpointer);
    guint32 (*get_table)(gconstpointer);
    guint (*get_num)(NMSettingIPConfig *);
    gpointer (*get_rule)(NMSettingIPConfig *, guint);
    void (*add_rule)(NMSettingIPConfig *, gpointer);
    void (*remove_rule)(NMSettingIPConfig *, guint);
} RuleApi;

/* Start each async call with (wait.cancellable, nmf_nm_call_cb, nmf_nm_wait_start(&wait,
 * &call)); any number may be in flight; nmf_nm_wait_all() runs the default main context
 * until every call has its result or the deadline cancels them. */
void     nmf_nm_call_cb(GObject *source, GAsyncResult *result, gpointer user_data);
void     nmf_nm_wait_init(Wait *wait, guint timeout_ms);
gpointer nmf_nm_wait_start(Wait *wait, Call *call);
void     nmf_nm_wait_all(Wait *wait);
void     nmf_nm_wait_clear(Wait *wait);
void     nmf_nm_call_clear(Call *call);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Wait, nmf_nm_wait_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Call, nmf_nm_call_clear)

gboolean nmf_nm_daemon_gone(NmfNm *self);
/* One call of @method on NetworkManager's manager object (a floating @parameters is
 * consumed), through the sync-over-async wait; @what names it in an error. */
gboolean nmf_nm_call_manager(NmfNm      *self,
                             const char *interface,
                             const char *method,
                             GVariant   *parameters,
                             const char *what,
                             GError    **error);
/* Turn a libnm/D-Bus error into ours, naming what we were doing. @device, when
 * given, is the device the call was about. Takes @local; returns FALSE. */
gboolean nmf_nm_fail(NmfNm      *self,
                     GError    **error,
                     Wait       *wait,
                     GError     *local,
                     NMDevice   *device,
                     const char *what);

void        nmf_nm_read_metrics(NMConnection *connection, gint64 *out_metric4, gint64 *out_metric6);
const char *nmf_nm_user_data_get(NMConnection *connection, const char *key);
gboolean    nmf_nm_parse_metric(const char *text, gint64 *out);

const RuleApi     *nmf_nm_rule_api(void);
gboolean           nmf_nm_route_table_of(NMIPRoute *route, guint32 *out_table);
NMSettingIPConfig *nmf_nm_ip_setting(NMConnection *connection, int family);
/* The canonical text of the routes and rules of ours that @connection carries. */
char *nmf_nm_policy_signature(NMConnection *connection);

G_END_DECLS

#endif /* NMF_NM_PRIVATE_H */
