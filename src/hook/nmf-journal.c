/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fast path, shared by every program: log lines to journald's native socket (libc only). */
#include "hook/nmf-journal.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

static int journal_fd = -1;

int
nmf_journal_send(int priority, const char *program, const char *message)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct msghdr      msg  = { 0 };
    struct iovec       iov[4];
    char               head[256];
    unsigned char      size[8];
    uint64_t           len = strlen(message);
    int                n;
    int                i;

    /* MESSAGE in the binary form (name, newline, 64-bit little-endian length, data),
     * which carries any byte, newlines included. */
    n = snprintf(head,
                 sizeof(head),
                 "PRIORITY=%d\nSYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%ld\nNM_METRIC_FIX_PROGRAM=%s\n"
                 "MESSAGE\n",
                 priority,
                 NMF_SYSLOG_IDENTIFIER,
                 (long) getpid(),
                 program);
    if (n < 0 || (size_t) n >= sizeof(head)) {
        errno = EINVAL;
        return -1;
    }
    for (i = 0; i < 8; i++)
        size[i] = (unsigned char) (len >> (8 * i));
    iov[0].iov_base = head;
    iov[0].iov_len  = (size_t) n;
    iov[1].iov_base = size;
    iov[1].iov_len  = sizeof(size);
    iov[2].iov_base = (void *) message;
    iov[2].iov_len  = (size_t) len;
    iov[3].iov_base = (void *) "\n";
    iov[3].iov_len  = 1;

    if (journal_fd < 0) {
        journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (journal_fd < 0)
            return -1;
    }
    memcpy(addr.sun_path, NMF_JOURNAL_SOCKET, sizeof(NMF_JOURNAL_SOCKET));
    msg.msg_name = &addr;
    msg.msg_namelen =
      (socklen_t) (offsetof(struct sockaddr_un, sun_path) + sizeof(NMF_JOURNAL_SOCKET));
    msg.msg_iov    = iov;
    msg.msg_iovlen = 4;
    return sendmsg(journal_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -1 : 0;
}

int
nmf_journal_stderr_is_journal(void)
{
    static int         is_journal = -1;
    struct stat        st;
    const char        *stream;
    unsigned long long dev;
    unsigned long long ino;

    if (is_journal >= 0)
        return is_journal;
    stream = getenv("JOURNAL_STREAM");
    if (isatty(STDERR_FILENO) || fstat(STDERR_FILENO, &st) != 0)
        is_journal = 0;
    else if (stream && *stream)
        is_journal = sscanf(stream, "%llu:%llu", &dev, &ino) == 2
                     && (unsigned long long) st.st_dev == dev
                     && (unsigned long long) st.st_ino == ino;
    else
        is_journal = S_ISSOCK(st.st_mode) ? 1 : 0;
    return is_journal;
}

void
nmf_journal_log(int priority, const char *program, const char *message, const char *stderr_line)
{
    int saved = errno;

    if (nmf_journal_send(priority, program, message) == 0 && nmf_journal_stderr_is_journal()) {
        errno = saved;
        return;
    }
    /* One write per line, so that concurrent runs never interleave within a line. */
    if (write(STDERR_FILENO, stderr_line, strlen(stderr_line)) < 0) {
        /* nowhere left to say it */
    }
    errno = saved;
}
