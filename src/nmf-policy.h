/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ranking policy: which uplink should own the default route.
 *
 * Pure module: it works on plain structs filled by the caller and does no I/O,
 * so unit tests and fuzzers include it directly.
 */
#ifndef NMF_POLICY_H
#define NMF_POLICY_H

#include <glib.h>

#include "nmf-route.h"

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

#define NMF_METRIC_AUTO (-1)

/* NetworkManager user data we read and write on profiles (NMSettingUser, NM >= 1.8). */
#define NMF_USER_SKIP      "nm-metric-fix.skip"
#define NMF_USER_ORIG_IPV4 "nm-metric-fix.orig-ipv4-route-metric"
#define NMF_USER_ORIG_IPV6 "nm-metric-fix.orig-ipv6-route-metric"
#define NMF_USER_WRITTEN   "nm-metric-fix.metric"

typedef enum {
    NMF_MODE_METRIC = 0,
    NMF_MODE_POLICY,
} NmfMode;

typedef enum {
    NMF_RULE_PREFER = 0,
    NMF_RULE_AVOID,
    NMF_RULE_IGNORE,
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
    guint32 network; /* host byte order, masked */
    guint8  prefix;
    guint32 gateway; /* 0: any gateway inside the network */
} NmfNatRange;

/* Policy-routing mode: each ranked uplink gets table BASE+rank and a rule of priority
 * BASE+rank per address. Anything of ours is recognised by these ranges. */
#define NMF_POLICY_TABLE_BASE    30500u
#define NMF_POLICY_PRIORITY_BASE 30500u
#define NMF_POLICY_RANGE         100u

/* Addresses are canonical text (inet_ntop), so IPv4 and IPv6 compare alike. */
#define NMF_ADDR_LEN 46 /* INET6_ADDRSTRLEN */

typedef struct {
    int     family;             /* AF_INET or AF_INET6 */
    char    dest[NMF_ADDR_LEN]; /* masked network */
    guint8  prefix;
    char    gateway[NMF_ADDR_LEN]; /* "": on-link device route */
    guint32 table;
} NmfPolicyRoute;

typedef struct {
    int     family;
    guint32 priority;
    char    from[NMF_ADDR_LEN];
    guint8  from_len;
    guint32 table;
} NmfPolicyRule;

typedef struct {
    guint8 address[16];
    guint8 prefix;
} NmfIp6Address;

typedef struct {
    /* Filled by the caller from NetworkManager. */
    char       *iface;
    char       *connection_id;
    char       *connection_uuid;
    char       *hw_address;  /* may be NULL */
    char       *device_type; /* NetworkManager's type description, e.g. "ethernet"; may be NULL */
    NmfLinkKind kind;
    GArray     *addresses4; /* of NmfIp4Address */
    guint32     gateway4;   /* host byte order; 0 when the device has no IPv4 default gateway */
    GArray     *addresses6; /* of NmfIp6Address: global ones only */
    char       *gateway6;   /* IPv6 default gateway as text, or NULL */
    gboolean    has_ipv6;   /* the profile has an ipv6 setting whose metric we keep in step */
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

    /* Filled by nmf_policy_rank(). */
    NmfUplinkClass klass;
    const char    *rule_name; /* the first rule that matched, or NULL */
    NmfRuleAction  rule_action;
    NmfUnranked    unranked;
    guint          rank;          /* 1 = best; 0 = not ranked */
    gint64         wanted_metric; /* NMF_METRIC_AUTO when we leave it alone */
    guint32        policy_table;  /* mode=policy: this uplink's table; 0 otherwise */
    GArray        *wanted_routes; /* of NmfPolicyRoute: ours this uplink should carry */
    GArray        *wanted_rules;  /* of NmfPolicyRule */
    char          *wanted_policy; /* signature of the two above */

    /* Filled by nmf_nm_reapply_all(). */
    gboolean reapplied;
    gboolean reapply_failed;

    /* Opaque handle owned by whoever collected the uplink. */
    gpointer       handle;
    GDestroyNotify handle_free;
} NmfUplink;

typedef struct {
    char         *name;
    guint         line;
    char         *match_interface;  /* glob */
    char         *match_mac;        /* glob, compared case-insensitively */
    char         *match_connection; /* id or uuid */
    gboolean      has_match_subnet;
    guint32       match_subnet; /* host byte order, masked */
    guint8        match_subnet_prefix;
    char         *match_device_type; /* ethernet, bridge, macvlan, macvtap or NM's type name */
    NmfRuleAction action;
} NmfRule;

typedef struct {
    NmfMode    mode;
    gboolean   persist; /* write profiles, not only the runtime state */
    guint      metric_base;
    guint      metric_step;
    GArray    *nat_ranges; /* of NmfNatRange */
    GPtrArray *rules;      /* of NmfRule, first match wins */
} NmfPolicy;

void        nmf_rule_free(NmfRule *rule);
const char *nmf_rule_action_to_string(NmfRuleAction action);
const char *nmf_unranked_to_string(NmfUnranked unranked);
gboolean    nmf_rule_matches(const NmfRule *rule, const NmfUplink *uplink);

NmfUplink *nmf_uplink_new(const char *iface,
                          const char *connection_id,
                          const char *connection_uuid);
void       nmf_uplink_free(NmfUplink *uplink);
void       nmf_uplink_add_address4(NmfUplink *uplink, guint32 address, guint8 prefix);
void       nmf_uplink_add_address6(NmfUplink *uplink, const guint8 address[16], guint8 prefix);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfUplink, nmf_uplink_free)

NmfPolicy *nmf_policy_new_default(void);
void       nmf_policy_free(NmfPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfPolicy, nmf_policy_free)

gboolean    nmf_parse_ip4(const char *text, guint32 *out_address);
guint32     nmf_ip4_prefix_mask(guint8 prefix);
char       *nmf_format_ip4(guint32 address);
const char *nmf_uplink_class_to_string(NmfUplinkClass klass);

NmfUplinkClass nmf_policy_classify(const NmfPolicy *policy, const NmfUplink *uplink);

/* Classify and rank @uplinks in place (and sort them best first). Returns TRUE when the
 * policy wants metrics managed, FALSE when it leaves every metric alone (no NAT link, or
 * nothing better than NAT). */
gboolean nmf_policy_rank(const NmfPolicy *policy, GPtrArray *uplinks);

gboolean nmf_policy_owns_table(guint32 table);
/* The routes the ranked uplinks want in our tables, as NmfRouteKey (iface borrowed). */
GArray  *nmf_policy_wanted_route_keys(GPtrArray *uplinks);
gboolean nmf_policy_owns_priority(guint32 priority);
/* Canonical text of a set of our routes and rules, to compare what is with what should be. */
char *nmf_policy_signature(GArray *routes, GArray *rules);

/* Whether the profile or the applied connection differ from what the policy wants. */
gboolean nmf_uplink_profile_needs_update(const NmfUplink *uplink);
gboolean nmf_uplink_applied_needs_update(const NmfUplink *uplink);

G_END_DECLS

#endif /* NMF_POLICY_H */
