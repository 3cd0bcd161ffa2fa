/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step: the configuration - nm-metric-fix.conf parsed into an NmfConfig, or the
 * built-in defaults.  The caller reads the file; this never does I/O.
 */
#ifndef NMF_CONFIG_H
#define NMF_CONFIG_H

#include "model/nmf-uplink.h"

G_BEGIN_DECLS

typedef enum {
    NMF_MODE_METRIC = 0,
    NMF_MODE_POLICY,
} NmfMode;

typedef struct {
    guint32 network; /* host byte order, masked */
    guint8  prefix;
    guint32 gateway; /* 0: any gateway inside the network */
} NmfNatRange;

typedef struct {
    char          *name;
    guint          line;
    char          *match_interface;  /* glob */
    char          *match_mac;        /* glob, compared case-insensitively */
    char          *match_connection; /* id or uuid */
    gboolean       has_match_subnet;
    guint32        match_subnet; /* host byte order, masked */
    guint8         match_subnet_prefix;
    char          *match_device_type; /* ethernet, bridge, macvlan, macvtap or NM's type name */
    NmfRuleAction  action;
    gboolean       sets_class; /* class= given: it overrides the evidence */
    NmfUplinkClass klass;      /* NMF_CLASS_NAT or NMF_CLASS_LAN ("not NAT") */
} NmfRule;

typedef struct {
    NmfMode    mode;
    gboolean   persist; /* write profiles, not only the runtime state */
    guint      metric_base;
    guint      metric_step;
    GArray    *nat_ranges;            /* of NmfNatRange */
    gboolean   nat_ranges_configured; /* nat-ranges= written in the file: the admin's word */
    GPtrArray *rules;                 /* of NmfRule, first match wins */
} NmfConfig;

void        nmf_rule_free(NmfRule *rule);
const char *nmf_rule_action_to_string(NmfRuleAction action);

NmfConfig *nmf_config_new_default(void);
void       nmf_config_free(NmfConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfConfig, nmf_config_free)

/* Parse @data (the contents of @filename, used in messages only). Anything the
 * parser does not know is an error (NMF_ERROR_CONFIG, "FILE:LINE: ..."): a typo
 * must never silently change which link wins. */
NmfConfig *nmf_config_parse(const char *filename, const char *data, gsize length, GError **error);

/* The largest configuration file read: anything bigger is not a configuration. */
#define NMF_CONFIG_MAX_BYTES (1024 * 1024)

/* Whether a configuration file with these properties (fstat() of the open file) may be
 * trusted by a reader with @reader_uid.  Root, or a run that changes something, trusts
 * only a regular file owned by root that no group or other user can write; a read-only
 * run by another user also trusts its own file.  On refusal returns FALSE with the reason
 * (English, for the message naming the file). */
gboolean nmf_config_file_trusted(gboolean is_regular,
                                 guint    owner_uid,
                                 guint    mode,
                                 guint64  size,
                                 guint    reader_uid,
                                 gboolean read_only,
                                 char   **out_reason);

G_END_DECLS

#endif /* NMF_CONFIG_H */
