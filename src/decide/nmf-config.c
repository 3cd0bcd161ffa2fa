/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: the configuration (nm-metric-fix.conf) and its built-in defaults. */
#include "decide/nmf-config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/nmf-common.h"

#define GROUP_MAIN        "main"
#define RULE_GROUP_PREFIX "rule "

/* Route metrics are u32 in the kernel; leave room for metric-step * ranks. */
#define METRIC_BASE_MAX 1000000u
#define METRIC_STEP_MAX 10000u

static const char *const main_keys[] = { "mode",        "persist",    "metric-base",
                                         "metric-step", "nat-ranges", NULL };
static const char *const rule_keys[] = { "match-interface",
                                         "match-mac",
                                         "match-connection",
                                         "match-subnet",
                                         "match-device-type",
                                         "action",
                                         "class",
                                         NULL };

static void
_add_nat_range(GArray *ranges, const char *network, guint8 prefix, const char *gateway)
{
    NmfNatRange r = { .prefix = prefix };

    if (!nmf_parse_ip4(network, &r.network))
        g_return_if_reached();
    r.network &= nmf_ip4_prefix_mask(prefix);
    if (gateway && !nmf_parse_ip4(gateway, &r.gateway))
        g_return_if_reached();
    g_array_append_val(ranges, r);
}

NmfConfig *
nmf_config_new_default(void)
{
    NmfConfig *config = g_new0(NmfConfig, 1);
    guint      third;

    config->mode        = NMF_MODE_METRIC;
    config->persist     = TRUE;
    config->metric_base = 100;
    config->metric_step = 1;
    config->nat_ranges  = g_array_new(FALSE, TRUE, sizeof(NmfNatRange));
    config->rules       = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_rule_free);

    /* libvirt's "default" network, and the alternates its packaging picks when
     * 192.168.122.0/24 is already routed on the host (nested virtualisation). */
    _add_nat_range(config->nat_ranges, "192.168.122.0", 24, "192.168.122.1");
    for (third = 124; third <= 254; third++) {
        char net[32];
        char gw[32];

        g_snprintf(net, sizeof(net), "192.168.%u.0", third);
        g_snprintf(gw, sizeof(gw), "192.168.%u.1", third);
        _add_nat_range(config->nat_ranges, net, 24, gw);
    }
    /* QEMU user networking (slirp): the gateway is 10.0.2.2 but may be changed. */
    _add_nat_range(config->nat_ranges, "10.0.2.0", 24, NULL);
    /* vagrant-libvirt's management network. */
    _add_nat_range(config->nat_ranges, "192.168.121.0", 24, "192.168.121.1");
    return config;
}

void
nmf_config_free(NmfConfig *config)
{
    if (!config)
        return;
    g_array_unref(config->nat_ranges);
    g_ptr_array_unref(config->rules);
    g_free(config);
}

void
nmf_rule_free(NmfRule *rule)
{
    if (!rule)
        return;
    g_free(rule->name);
    g_free(rule->match_interface);
    g_free(rule->match_mac);
    g_free(rule->match_connection);
    g_free(rule->match_device_type);
    g_free(rule);
}

const char *
nmf_rule_action_to_string(NmfRuleAction action)
{
    switch (action) {
    case NMF_RULE_PREFER:
        return "prefer";
    case NMF_RULE_AVOID:
        return "avoid";
    case NMF_RULE_IGNORE:
        return "ignore";
    case NMF_RULE_CLASS_ONLY:
        return "class";
    }
    return "?";
}

/* GKeyFile does the parsing but knows no line numbers; this index remembers where
 * each group and key was written, and catches duplicates GKeyFile would merge. */
typedef struct {
    GHashTable *lines; /* "group\nkey" or "group" -> line */
} LineIndex;

static void
_line_index_clear(LineIndex *index)
{
    g_clear_pointer(&index->lines, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LineIndex, _line_index_clear)

static guint
_line_of(const LineIndex *index, const char *group, const char *key)
{
    g_autofree char *id = key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);

    return GPOINTER_TO_UINT(g_hash_table_lookup(index->lines, id));
}

static gboolean _set_error(GError **error, const char *filename, guint line, const char *fmt, ...)
  G_GNUC_PRINTF(4, 5);

static gboolean
_set_error(GError **error, const char *filename, guint line, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list          ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (line)
        g_set_error(error, NMF_ERROR, NMF_ERROR_CONFIG, "%s:%u: %s", filename, line, msg);
    else
        g_set_error(error, NMF_ERROR, NMF_ERROR_CONFIG, "%s: %s", filename, msg);
    return FALSE;
}

static gboolean
_index_lines(LineIndex *index, const char *filename, const char *data, GError **error)
{
    g_auto(GStrv) lines    = g_strsplit(data, "\n", -1);
    g_autofree char *group = NULL;
    guint            i;

    index->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (i = 0; lines[i]; i++) {
        guint            lineno = i + 1;
        g_autofree char *line   = g_strstrip(g_strdup(lines[i]));
        char            *eq;
        char            *id;

        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (line[0] == '[') {
            gsize len = strlen(line);

            if (len < 3 || line[len - 1] != ']')
                return _set_error(error, filename, lineno, "malformed group header '%s'", line);
            g_free(group);
            group = g_strndup(line + 1, len - 2);
            if (g_hash_table_contains(index->lines, group))
                return _set_error(error,
                                  filename,
                                  lineno,
                                  "group [%s] appears twice (first on line %u)",
                                  group,
                                  _line_of(index, group, NULL));
            g_hash_table_insert(index->lines, g_strdup(group), GUINT_TO_POINTER(lineno));
            continue;
        }
        eq = strchr(line, '=');
        if (!eq)
            return _set_error(
              error, filename, lineno, "expected 'key=value' or '[group]', found '%s'", line);
        if (!group)
            return _set_error(error, filename, lineno, "key outside of any group");
        *eq = '\0';
        g_strchomp(line);
        /* GKeyFile would reject it too, but without a line number. */
        if (!*line)
            return _set_error(error, filename, lineno, "a key needs a name before '='");
        id = g_strdup_printf("%s\n%s", group, line);
        if (g_hash_table_contains(index->lines, id)) {
            guint first = GPOINTER_TO_UINT(g_hash_table_lookup(index->lines, id));

            g_free(id);
            return _set_error(error,
                              filename,
                              lineno,
                              "key '%s' in [%s] appears twice (first on line %u)",
                              line,
                              group,
                              first);
        }
        g_hash_table_insert(index->lines, id, GUINT_TO_POINTER(lineno));
    }
    return TRUE;
}

static gboolean
_check_keys(GKeyFile          *kf,
            const LineIndex   *index,
            const char        *filename,
            const char        *group,
            const char *const *allowed,
            GError           **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
    guint i;

    for (i = 0; keys && keys[i]; i++) {
        if (!g_strv_contains(allowed, keys[i]))
            return _set_error(error,
                              filename,
                              _line_of(index, group, keys[i]),
                              "unknown key '%s' in [%s]",
                              keys[i],
                              group);
    }
    return TRUE;
}

/* Read a string value; *out stays NULL when the key is absent. Empty values are errors. */
static gboolean
_get_string(GKeyFile        *kf,
            const LineIndex *index,
            const char      *filename,
            const char      *group,
            const char      *key,
            char           **out,
            GError         **error)
{
    g_autofree char *value = NULL;

    *out = NULL;
    if (!g_key_file_has_key(kf, group, key, NULL))
        return TRUE;
    value = g_key_file_get_string(kf, group, key, NULL);
    if (!value || !*g_strstrip(value))
        return _set_error(
          error, filename, _line_of(index, group, key), "'%s' in [%s] needs a value", key, group);
    *out = g_steal_pointer(&value);
    return TRUE;
}

static gboolean
_parse_uint(const char *text, guint min, guint max, guint *out)
{
    char   *end = NULL;
    guint64 v;

    if (!g_ascii_isdigit(text[0]))
        return FALSE;
    errno = 0;
    v     = g_ascii_strtoull(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return FALSE;
    *out = (guint) v;
    return TRUE;
}

/* "NET/PREFIX" into a masked network. */
static gboolean
_parse_subnet(const char *text, guint32 *out_network, guint8 *out_prefix)
{
    g_auto(GStrv) parts = g_strsplit(text, "/", 2);
    guint   prefix;
    guint32 network;

    if (!parts[0] || !parts[1] || !nmf_parse_ip4(parts[0], &network)
        || !_parse_uint(parts[1], 0, 32, &prefix))
        return FALSE;
    *out_network = network & nmf_ip4_prefix_mask((guint8) prefix);
    *out_prefix  = (guint8) prefix;
    return TRUE;
}

static gboolean
_parse_main(GKeyFile        *kf,
            const LineIndex *index,
            const char      *filename,
            NmfConfig       *config,
            GError         **error)
{
    g_autofree char *mode    = NULL;
    g_autofree char *persist = NULL;
    g_autofree char *base    = NULL;
    g_autofree char *step    = NULL;

    if (!g_key_file_has_group(kf, GROUP_MAIN))
        return TRUE;
    if (!_check_keys(kf, index, filename, GROUP_MAIN, main_keys, error))
        return FALSE;

    if (!_get_string(kf, index, filename, GROUP_MAIN, "mode", &mode, error))
        return FALSE;
    if (mode) {
        if (strcmp(mode, "metric") == 0)
            config->mode = NMF_MODE_METRIC;
        else if (strcmp(mode, "policy") == 0)
            config->mode = NMF_MODE_POLICY;
        else
            return _set_error(error,
                              filename,
                              _line_of(index, GROUP_MAIN, "mode"),
                              "mode must be 'metric' or 'policy', not '%s'",
                              mode);
    }

    if (!_get_string(kf, index, filename, GROUP_MAIN, "persist", &persist, error))
        return FALSE;
    if (persist) {
        if (g_strv_contains((const char *const[]){ "yes", "true", "1", NULL }, persist))
            config->persist = TRUE;
        else if (g_strv_contains((const char *const[]){ "no", "false", "0", NULL }, persist))
            config->persist = FALSE;
        else
            return _set_error(error,
                              filename,
                              _line_of(index, GROUP_MAIN, "persist"),
                              "persist must be 'yes' or 'no', not '%s'",
                              persist);
    }

    if (!_get_string(kf, index, filename, GROUP_MAIN, "metric-base", &base, error))
        return FALSE;
    if (base && !_parse_uint(base, 0, METRIC_BASE_MAX, &config->metric_base))
        return _set_error(error,
                          filename,
                          _line_of(index, GROUP_MAIN, "metric-base"),
                          "metric-base must be a number from 0 to %u, not '%s'",
                          METRIC_BASE_MAX,
                          base);

    if (!_get_string(kf, index, filename, GROUP_MAIN, "metric-step", &step, error))
        return FALSE;
    if (step && !_parse_uint(step, 1, METRIC_STEP_MAX, &config->metric_step))
        return _set_error(error,
                          filename,
                          _line_of(index, GROUP_MAIN, "metric-step"),
                          "metric-step must be a number from 1 to %u, not '%s'",
                          METRIC_STEP_MAX,
                          step);

    if (g_key_file_has_key(kf, GROUP_MAIN, "nat-ranges", NULL)) {
        g_auto(GStrv) items = g_key_file_get_string_list(kf, GROUP_MAIN, "nat-ranges", NULL, NULL);
        guint i;

        /* The list replaces the built-in ranges; an empty list means "no NAT ranges". */
        g_array_set_size(config->nat_ranges, 0);
        config->nat_ranges_configured = TRUE;
        for (i = 0; items && items[i]; i++) {
            g_auto(GStrv) parts = NULL;
            NmfNatRange range   = { 0 };
            char       *item    = g_strstrip(items[i]);

            if (!*item)
                continue;
            parts = g_strsplit(item, "@", 2);
            if (!_parse_subnet(parts[0], &range.network, &range.prefix)
                || (parts[1] && !nmf_parse_ip4(parts[1], &range.gateway)))
                return _set_error(error,
                                  filename,
                                  _line_of(index, GROUP_MAIN, "nat-ranges"),
                                  "nat-ranges: '%s' is not NETWORK/PREFIX[@GATEWAY]",
                                  item);
            g_array_append_val(config->nat_ranges, range);
        }
    }
    return TRUE;
}

static gboolean
_parse_rule(GKeyFile        *kf,
            const LineIndex *index,
            const char      *filename,
            const char      *group,
            NmfConfig       *config,
            GError         **error)
{
    NmfRule         *rule   = g_new0(NmfRule, 1);
    g_autofree char *action = NULL;
    g_autofree char *klass  = NULL;
    g_autofree char *subnet = NULL;
    guint            line   = _line_of(index, group, NULL);

    /* Owned by the config from here on, so every error path frees it. */
    g_ptr_array_add(config->rules, rule);
    rule->name = g_strstrip(g_strdup(group + strlen(RULE_GROUP_PREFIX)));
    rule->line = line;
    if (!rule->name[0])
        return _set_error(error, filename, line, "a rule group needs a name: [rule NAME]");
    if (!_check_keys(kf, index, filename, group, rule_keys, error))
        return FALSE;

    if (!_get_string(kf, index, filename, group, "match-interface", &rule->match_interface, error)
        || !_get_string(kf, index, filename, group, "match-mac", &rule->match_mac, error)
        || !_get_string(
          kf, index, filename, group, "match-connection", &rule->match_connection, error)
        || !_get_string(kf, index, filename, group, "match-subnet", &subnet, error)
        || !_get_string(
          kf, index, filename, group, "match-device-type", &rule->match_device_type, error)
        || !_get_string(kf, index, filename, group, "action", &action, error)
        || !_get_string(kf, index, filename, group, "class", &klass, error))
        return FALSE;

    if (subnet) {
        if (!_parse_subnet(subnet, &rule->match_subnet, &rule->match_subnet_prefix))
            return _set_error(error,
                              filename,
                              _line_of(index, group, "match-subnet"),
                              "match-subnet: '%s' is not NETWORK/PREFIX",
                              subnet);
        rule->has_match_subnet = TRUE;
    }
    if (!rule->match_interface && !rule->match_mac && !rule->match_connection
        && !rule->has_match_subnet && !rule->match_device_type)
        return _set_error(
          error, filename, line, "[%s] has no match-* key; it would match every link", group);

    if (klass) {
        rule->sets_class = TRUE;
        if (strcmp(klass, "nat") == 0)
            rule->klass = NMF_CLASS_NAT;
        else if (strcmp(klass, "lan") == 0)
            rule->klass = NMF_CLASS_LAN;
        else
            return _set_error(error,
                              filename,
                              _line_of(index, group, "class"),
                              "class must be nat or lan, not '%s'",
                              klass);
    }
    if (!action && rule->sets_class)
        rule->action = NMF_RULE_CLASS_ONLY;
    else if (!action)
        return _set_error(
          error, filename, line, "[%s] needs action=prefer|avoid|ignore or class=nat|lan", group);
    else if (strcmp(action, "prefer") == 0)
        rule->action = NMF_RULE_PREFER;
    else if (strcmp(action, "avoid") == 0)
        rule->action = NMF_RULE_AVOID;
    else if (strcmp(action, "ignore") == 0)
        rule->action = NMF_RULE_IGNORE;
    else
        return _set_error(error,
                          filename,
                          _line_of(index, group, "action"),
                          "action must be prefer, avoid or ignore, not '%s'",
                          action);
    return TRUE;
}

gboolean
nmf_config_file_trusted(gboolean is_regular,
                        guint    owner_uid,
                        guint    mode,
                        guint64  size,
                        guint    reader_uid,
                        gboolean read_only,
                        char   **out_reason)
{
    /* A FIFO would block the run (and the hook's lock) for ever, a device never ends. */
    if (!is_regular) {
        *out_reason = g_strdup("not a regular file");
        return FALSE;
    }
    /* Like NetworkManager with its keyfiles and dispatcher scripts: root acts only on a
     * file no one else could have written, or a local user picks the uplink. */
    if (owner_uid != 0 && !(read_only && owner_uid == reader_uid)) {
        *out_reason = g_strdup_printf("owned by uid %u, not by root", owner_uid);
        return FALSE;
    }
    if ((reader_uid == 0 || !read_only) && (mode & 022)) {
        *out_reason = g_strdup_printf(
          "writable by %s (mode %04o)", (mode & 02) ? "others" : "its group", mode & 07777);
        return FALSE;
    }
    if (size > NMF_CONFIG_MAX_BYTES) {
        *out_reason =
          g_strdup_printf("%" G_GUINT64_FORMAT " bytes, more than the %u a configuration may have",
                          size,
                          NMF_CONFIG_MAX_BYTES);
        return FALSE;
    }
    return TRUE;
}

/* The 1-based line of @at in @text. */
static guint
_line_at(const char *text, const char *at)
{
    guint line = 1;

    for (; text < at; text++)
        line += *text == '\n';
    return line;
}

NmfConfig *
nmf_config_parse(const char *filename, const char *data, gsize length, GError **error)
{
    g_autoptr(NmfConfig) config = nmf_config_new_default();
    g_autoptr(GKeyFile) kf      = g_key_file_new();
    g_auto(LineIndex) index     = { 0 };
    g_autofree char *text       = NULL;
    g_autoptr(GError) local     = NULL;
    g_auto(GStrv) groups        = NULL;
    const char *nul             = memchr(data, '\0', length);
    const char *bad             = NULL;
    guint       i;

    if (nul) {
        _set_error(error, filename, _line_at(data, nul), "contains a NUL byte; not a text file");
        return NULL;
    }
    text = g_strndup(data, length);
    if (!g_utf8_validate(text, -1, &bad)) {
        _set_error(error, filename, _line_at(text, bad), "is not valid UTF-8");
        return NULL;
    }
    if (!_index_lines(&index, filename, text, error))
        return NULL;
    if (!g_key_file_load_from_data(kf, text, (gsize) -1, G_KEY_FILE_NONE, &local)) {
        _set_error(error, filename, 0, "%s", local->message);
        return NULL;
    }

    groups = g_key_file_get_groups(kf, NULL);
    for (i = 0; groups[i]; i++) {
        if (strcmp(groups[i], GROUP_MAIN) == 0)
            continue;
        if (!g_str_has_prefix(groups[i], RULE_GROUP_PREFIX)) {
            _set_error(error,
                       filename,
                       _line_of(&index, groups[i], NULL),
                       "unknown group [%s] (expected [main] or [rule NAME])",
                       groups[i]);
            return NULL;
        }
    }

    if (!_parse_main(kf, &index, filename, config, error))
        return NULL;
    /* Rules keep file order: the first match wins. */
    for (i = 0; groups[i]; i++) {
        if (g_str_has_prefix(groups[i], RULE_GROUP_PREFIX)
            && !_parse_rule(kf, &index, filename, groups[i], config, error))
            return NULL;
    }
    return g_steal_pointer(&config);
}
