/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: NetworkManager's run-time configuration - our connection defaults, Reload. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <NetworkManager.h>

#include "model/nmf-common.h"
#include "adapters/nmf-nm-private.h"
#include "decide/nmf-plan.h"

/* Connection defaults (NetworkManager 1.36 and later, see nmf_plan_route_metric_defaults()). */

#define RUN_CONF_DIR       "/run/NetworkManager/conf.d"
#define RUN_CONF_FILE      "95-nm-metric-fix.conf"
#define RUN_CONF_MAX_BYTES (64 * 1024)
#define NM_RELOAD_CONF     0x1u /* NM_MANAGER_RELOAD_FLAG_CONF */

/* The file's text, NULL (no error) when there is none; an error when the name is taken
 * by something that is not a regular file of ours. */
static gboolean
_read_run_conf(int dirfd, char **out_text, GError **error)
{
    g_autofree char *text = g_malloc(RUN_CONF_MAX_BYTES + 1);
    struct stat      st;
    ssize_t          n;
    int              fd;

    fd = openat(dirfd, RUN_CONF_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT) {
        *out_text = NULL;
        return TRUE;
    }
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0
        || st.st_size > RUN_CONF_MAX_BYTES) {
        int errsv = errno;

        if (fd >= 0)
            close(fd);
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "%s/%s is not a regular file of root's (%s); nothing was changed there",
                    RUN_CONF_DIR,
                    RUN_CONF_FILE,
                    fd < 0 ? g_strerror(errsv) : "refused");
        return FALSE;
    }
    n = read(fd, text, RUN_CONF_MAX_BYTES);
    close(fd);
    if (n < 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot read %s/%s: %s",
                    RUN_CONF_DIR,
                    RUN_CONF_FILE,
                    g_strerror(errno));
        return FALSE;
    }
    text[n] = '\0';
    if (!g_str_has_prefix(text, NMF_PLAN_DEFAULTS_HEADER "\n")) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "%s/%s, line 1: not written by nm-metric-fix; it was left alone",
                    RUN_CONF_DIR,
                    RUN_CONF_FILE);
        return FALSE;
    }
    *out_text = g_steal_pointer(&text);
    return TRUE;
}

static gboolean
_write_run_conf(int dirfd, const char *text, GError **error)
{
    static const char tmp_name[] = "." RUN_CONF_FILE ".tmp";
    size_t            len        = strlen(text);
    int               fd;

    unlinkat(dirfd, tmp_name, 0);
    fd = openat(dirfd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, text, len) != (ssize_t) len || fsync(fd) != 0) {
        int errsv = errno;

        if (fd >= 0)
            close(fd);
        unlinkat(dirfd, tmp_name, 0);
        g_set_error(error,
                    NMF_ERROR,
                    errsv == EACCES || errsv == EPERM ? NMF_ERROR_PERMISSION : NMF_ERROR_FAILED,
                    "cannot write %s/%s: %s",
                    RUN_CONF_DIR,
                    tmp_name,
                    g_strerror(errsv));
        return FALSE;
    }
    close(fd);
    if (renameat(dirfd, tmp_name, dirfd, RUN_CONF_FILE) != 0) {
        int errsv = errno;

        unlinkat(dirfd, tmp_name, 0);
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot write %s/%s: %s",
                    RUN_CONF_DIR,
                    RUN_CONF_FILE,
                    g_strerror(errsv));
        return FALSE;
    }
    return TRUE;
}

/* Reload(CONF) over D-Bus: libnm has no call for it before 1.22. */
static gboolean
_reload_conf(NmfNm *self, GError **error)
{
    return nmf_nm_call_manager(self,
                               NM_DBUS_INTERFACE,
                               "Reload",
                               g_variant_new("(u)", NM_RELOAD_CONF),
                               "reloading NetworkManager's configuration",
                               error);
}

gboolean
nmf_nm_set_route_metric_defaults(NmfNm      *self,
                                 const char *text,
                                 gboolean   *out_changed,
                                 GError    **error)
{
    g_autofree char *old = NULL;
    int              dirfd;
    gboolean         ok;

    dirfd = open(RUN_CONF_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0 && errno == ENOENT && text) {
        if (mkdir(RUN_CONF_DIR, 0755) != 0 && errno != EEXIST) {
            g_set_error(error,
                        NMF_ERROR,
                        NMF_ERROR_FAILED,
                        "cannot create %s: %s",
                        RUN_CONF_DIR,
                        g_strerror(errno));
            return FALSE;
        }
        dirfd = open(RUN_CONF_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (dirfd < 0 && errno == ENOENT) {
        *out_changed = FALSE;
        return TRUE; /* nothing to remove */
    }
    if (dirfd < 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot open %s: %s",
                    RUN_CONF_DIR,
                    g_strerror(errno));
        return FALSE;
    }
    ok = _read_run_conf(dirfd, &old, error);
    if (ok && g_strcmp0(old, text) != 0) {
        if (text)
            ok = _write_run_conf(dirfd, text, error);
        else if (unlinkat(dirfd, RUN_CONF_FILE, 0) != 0 && errno != ENOENT) {
            g_set_error(error,
                        NMF_ERROR,
                        NMF_ERROR_FAILED,
                        "cannot remove %s/%s: %s",
                        RUN_CONF_DIR,
                        RUN_CONF_FILE,
                        g_strerror(errno));
            ok = FALSE;
        }
        ok = ok && _reload_conf(self, error);
        if (ok)
            *out_changed = TRUE;
    } else if (ok)
        *out_changed = FALSE;
    close(dirfd);
    return ok;
}
