/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: the JSON writing the three exporters share (status, --check/--observe, trace). */
#include "decide/nmf-json.h"

void
nmf_json_add_string_or_null(JsonBuilder *b, const char *member, const char *value)
{
    json_builder_set_member_name(b, member);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

void
nmf_json_add_int_or_null(JsonBuilder *b, const char *member, gboolean known, gint64 value)
{
    json_builder_set_member_name(b, member);
    if (known)
        json_builder_add_int_value(b, value);
    else
        json_builder_add_null_value(b);
}

char *
nmf_json_finish(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root     = json_builder_get_root(b);
    g_autofree char *text        = NULL;

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    text = json_generator_to_data(gen, NULL);
    return g_strconcat(text, "\n", NULL);
}
