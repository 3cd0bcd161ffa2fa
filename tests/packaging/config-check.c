/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-check FILE...: parse each file with the real configuration parser and
 * print "FILE: ok" or "FILE: <the error nm-metric-fix would report>".  Exits 1
 * if any file is rejected.  Used by test-config-docs.sh to prove that the
 * example configuration and the examples in nm-metric-fix.conf(5) are valid.
 */
#include <stdio.h>

#include "decide/nmf-config.h"

int
main(int argc, char **argv)
{
    int failed = 0;
    int i;

    for (i = 1; i < argc; i++) {
        g_autofree char *data    = NULL;
        g_autoptr(GError) error  = NULL;
        g_autoptr(NmfConfig) pol = NULL;
        gsize length             = 0;

        if (!g_file_get_contents(argv[i], &data, &length, &error)) {
            printf("%s: %s\n", argv[i], error->message);
            failed = 1;
            continue;
        }
        pol = nmf_config_parse(argv[i], data, length, &error);
        if (!pol) {
            printf("%s\n", error->message);
            failed = 1;
            continue;
        }
        printf("%s: ok (%u NAT ranges, %u rules)\n",
               argv[i],
               pol->nat_ranges->len,
               pol->rules->len);
    }
    return failed;
}
