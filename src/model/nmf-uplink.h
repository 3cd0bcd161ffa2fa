/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Model: an uplink (an activated NetworkManager device and its profile) as plain
 * structs, filled by the libnm adapter and read by every pure step.
 */
#ifndef NMF_UPLINK_H
#define NMF_UPLINK_H

#include <glib.h>

#include "model/nmf-route.h"

G_BEGIN_DECLS

/* What kind of link the uplink is on the machine we run on. */
typedef enum {
    NMF_LINK_ETHERNET = 0,
    NMF_LINK_BRIDGE,
    NMF_LINK_MACVLAN,
    NMF_LINK_MACVTAP,
    NMF_LINK_OTHER,
} NmfLinkKind;

/* Order matters: lower classes are preferred for the default route. */
typedef enum {
    NMF_CLASS_BRIDGED = 0, /* host side: an NM bridge into the big network */
    NMF_CLASS_MACVTAP,     /* host side: macvlan/macvtap into the big network */
    NMF_CLASS_LAN,         /* everything that is not recognised as NAT */
    NMF_CLASS_NAT,         /* libvirt/QEMU/vagrant NAT or management network */
} NmfUplinkClass;

/* NetworkManager user data we read and write on profiles (NMSettingUser, NM >= 1.8). */
#define NMF_USER_SKIP      "nm-metric-fix.skip"
#define NMF_USER_ORIG_IPV4 "nm-metric-fix.orig-ipv4-route-metric"
#define NMF_USER_ORIG_IPV6 "nm-metric-fix.orig-ipv6-route-metric"
#define NMF_USER_WRITTEN   "nm-metric-fix.metric"

typedef enum {
    NMF_RULE_PREFER = 0,
    NMF_RULE_AVOID,
    NMF_RULE_IGNORE,
    NMF_RULE_CLASS_ONLY, /* no action=: the rule only names the class (class=) */
} NmfRuleAction;

/* Why an active device got no rank. */
typedef enum {
    NMF_UNRANKED_NONE = 0,    /* it is ranked */
    NMF_UNRANKED_NO_GATEWAY,  /* no IPv4 default gateway: not an uplink */
    NMF_UNRANKED_NOTHING,     /* ranking not needed: no NAT link competes */
    NMF_UNRANKED_RULE_IGNORE, /* a rule says ignore */
    NMF_UNRANKED_SKIP,        /* the profile carries nm-metric-fix.skip=yes */
    NMF_UNRANKED_HAND_SET,    /* the admin set the metric by hand */
} NmfUnranked;

typedef struct {
    guint32 address; /* host byte order */
    guint8  prefix;
} NmfIp4Address;

typedef struct {
    guint8 address[16];
    guint8 prefix;
} NmfIp6Address;

/* Addresses are canonical text (inet_ntop), so IPv4 and IPv6 compare alike. */
#define NMF_ADDR_LEN 46 /* INET6_ADDRSTRLEN */

/* One route of ours in a policy-routing table (mode=policy). */
typedef struct {
    int     family;             /* AF_INET or AF_INET6 */
    char    dest[NMF_ADDR_LEN]; /* masked network */
    guint8  prefix;
    char    gateway[NMF_ADDR_LEN]; /* "": on-link device route */
    guint32 table;
} NmfPolicyRoute;

/* One routing rule of ours (mode=policy). */
typedef struct {
    int     family;
    guint32 priority;
    char    from[NMF_ADDR_LEN];
    guint8  from_len;
    guint32 table;
} NmfPolicyRule;

typedef struct {
    /* Filled by the libnm adapter (nmf_nm_collect()). */
    char       *iface;
    char       *connection_id;
    char       *connection_uuid;
    char       *hw_address;  /* may be NULL */
    char       *device_type; /* NetworkManager's type description, e.g. "ethernet"; may be NULL */
    NmfLinkKind kind;
    GArray     *addresses4;   /* of NmfIp4Address */
    guint32     gateway4;     /* host byte order; 0 when the device has no IPv4 default gateway */
    GArray     *addresses6;   /* of NmfIp6Address: global ones only */
    char       *gateway6;     /* IPv6 default gateway as text, or NULL */
    int         ifindex;      /* of the IP interface; 0 when unknown */
    char       *dhcp4_server; /* the DHCPv4 server identifier of the lease, or NULL */
    gboolean    has_ipv6;     /* the profile has an ipv6 setting whose metric we keep in step */
    gint64      profile_metric4;
    gint64      profile_metric6;
    gint64      applied_metric4;
    gint64      applied_metric6;
    gboolean    applied_known;   /* FALSE when the applied connection could not be read */
    gboolean    skip_requested;  /* user data nm-metric-fix.skip=yes */
    gboolean    has_record;      /* we changed this profile before and kept its originals */
    gint64      recorded_metric; /* the metric we wrote last time (valid with has_record) */
    char       *profile_policy;  /* signature of our policy routes/rules in the profile */
    char       *applied_policy;  /* ... and in the applied connection ("" when none) */

    /* Filled by the snapshot from the kernel's routes (NMF_METRIC_AUTO: no default route
     * of that family in the main table on this link), where the plan needs them. */
    gint64   kernel_metric4;
    gint64   kernel_metric6;
    gboolean kernel_ra6; /* an IPv6 default route on the link came from a router advertisement */

    /* Filled by the snapshot from the kernel's neighbour table. */
    gboolean gateway_mac_known;
    guint8   gateway_mac[6];   /* of the IPv4 gateway, else of the IPv6 router */
    gboolean gateway_mac_ipv6; /* it is the IPv6 router's */

    /* Filled by the ranking step (nmf_rank()). */
    NmfUplinkClass klass;
    char          *class_evidence; /* the facts behind klass, in words (English) */
    gboolean       class_conflict; /* the facts disagree and no rule settled it */
    const char    *rule_name;      /* the first rule that matched, or NULL */
    NmfRuleAction  rule_action;
    NmfUnranked    unranked;
    guint          rank;          /* 1 = best; 0 = not ranked */
    gint64         wanted_metric; /* NMF_METRIC_AUTO when we leave it alone */
    guint32        policy_table;  /* mode=policy: this uplink's table; 0 otherwise */
    GArray        *wanted_routes; /* of NmfPolicyRoute: ours this uplink should carry */
    GArray        *wanted_rules;  /* of NmfPolicyRule */
    char          *wanted_policy; /* signature of the two above */

    /* Opaque handle owned by whoever collected the uplink. */
    gpointer       handle;
    GDestroyNotify handle_free;
} NmfUplink;

/* What applying one change did (the plan's entries carry it after --fix). */
typedef enum {
    NMF_APPLY_NOT_TRIED = 0,
    NMF_APPLY_DONE,      /* changed */
    NMF_APPLY_UNCHANGED, /* already as wanted (another client did it in between) */
    NMF_APPLY_FAILED,
    NMF_APPLY_MAX,
} NmfApplyResult;

typedef struct {
    NmfApplyResult result;
    GError        *error; /* with NMF_APPLY_FAILED */
} NmfApplyOutcome;

/* A connection profile as --revert, --skip and --unskip see it. */
typedef struct {
    char    *id;
    char    *uuid;
    char    *skip;        /* user data nm-metric-fix.skip, NULL when absent */
    char    *orig4_text;  /* user data nm-metric-fix.orig-ipv4-route-metric, NULL when absent */
    gboolean orig4_valid; /* orig4_text is a metric */
    gint64   orig4;
    gint64   orig6; /* NMF_METRIC_AUTO when not recorded */
    gint64   metric4;
    gint64   metric6;
    gboolean has_ipv6_setting;
    gboolean written_valid; /* user data nm-metric-fix.metric: what we wrote last */
    gint64   written;

    /* Filled by nmf_plan_revert_profile(): what --revert writes back. */
    gint64   restore4;
    gint64   restore6;
    gboolean keeps_admin4; /* the admin changed ipv4.route-metric after us: it stays */
    gboolean keeps_admin6;

    gpointer       handle;
    GDestroyNotify handle_free;
} NmfProfile;

void nmf_profile_free(NmfProfile *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfProfile, nmf_profile_free)

const char *nmf_unranked_to_string(NmfUnranked unranked);
const char *nmf_uplink_class_to_string(NmfUplinkClass klass);
const char *nmf_link_kind_to_string(NmfLinkKind kind);

NmfUplink *nmf_uplink_new(const char *iface,
                          const char *connection_id,
                          const char *connection_uuid);
void       nmf_uplink_free(NmfUplink *uplink);
/* The uplink of @uplinks (NmfUplink *) on @iface, or NULL. */
NmfUplink *nmf_uplinks_find(GPtrArray *uplinks, const char *iface);
void       nmf_uplink_add_address4(NmfUplink *uplink, guint32 address, guint8 prefix);
void       nmf_uplink_add_address6(NmfUplink *uplink, const guint8 address[16], guint8 prefix);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfUplink, nmf_uplink_free)

gboolean nmf_parse_ip4(const char *text, guint32 *out_address);
guint32  nmf_ip4_prefix_mask(guint8 prefix);
char    *nmf_format_ip4(guint32 address);
/* @address as text into @buf (NMF_ADDR_LEN bytes). */
void nmf_ip4_to_text(guint32 address, char *buf);

G_END_DECLS

#endif /* NMF_UPLINK_H */
