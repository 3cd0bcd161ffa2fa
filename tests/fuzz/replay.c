/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a fuzz harness over corpus files without libFuzzer, so every build (gcc
 * too) checks the corpus. Usage: replay FILE-OR-DIR...; TAP output.
 */
#include <glib.h>
#include <glib/gstdio.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
_run_file(const char *path, guint *n)
{
    g_autofree char *data = NULL;
    gsize            len  = 0;

    if (!g_file_get_contents(path, &data, &len, NULL)) {
        g_print("not ok %u - cannot read %s\n", ++*n, path);
        return;
    }
    LLVMFuzzerTestOneInput((const guint8 *) data, len);
    g_print("ok %u - %s\n", ++*n, path);
}

int
main(int argc, char **argv)
{
    guint n = 0;
    int   i;

    for (i = 1; i < argc; i++) {
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
            const char *name;

            while (dir && (name = g_dir_read_name(dir))) {
                g_autofree char *path = g_build_filename(argv[i], name, NULL);

                _run_file(path, &n);
            }
        } else {
            _run_file(argv[i], &n);
        }
    }
    g_print("1..%u\n", n);
    return 0;
}
