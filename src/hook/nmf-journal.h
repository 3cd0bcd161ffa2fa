/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Log lines under the product's name in the journal (C library only: the dispatcher
 * fast path uses it too).  Each line goes to journald's native socket as one datagram
 * with MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=nm-metric-fix, SYSLOG_PID and
 * NM_METRIC_FIX_PROGRAM, so that `journalctl -t nm-metric-fix` shows it whoever
 * started the program (the dispatcher, the status timer, an admin).  It also goes to
 * stderr as before, unless stderr is journald's own stream (which would record it a
 * second time under another name); on a terminal it always does.
 */
#ifndef NMF_JOURNAL_H
#define NMF_JOURNAL_H

#define NMF_JOURNAL_SOCKET    "/run/systemd/journal/socket"
#define NMF_SYSLOG_IDENTIFIER "nm-metric-fix"

/* Sends @message (any bytes but NUL) with syslog @priority (0-7) and @program (the
 * NM_METRIC_FIX_PROGRAM field: which binary wrote it) to journald.  0 when journald
 * took it; -1 with errno when there is no journal (ENOENT, ECONNREFUSED) or it is
 * busy (EAGAIN): it never blocks. */
int nmf_journal_send(int priority, const char *program, const char *message);

/* 1 when stderr is journald's stream: the one JOURNAL_STREAM names, or, without
 * JOURNAL_STREAM (nm-dispatcher builds its scripts' environment from scratch), any
 * socket.  Never for a terminal. */
int nmf_journal_stderr_is_journal(void);

/* The one way every program logs a line: @message to the journal (as above), and
 * @stderr_line (the whole line, newline included) to stderr in one write unless
 * stderr is the journal's stream and the journal took the message. */
void nmf_journal_log(int         priority,
                     const char *program,
                     const char *message,
                     const char *stderr_line);

#endif /* NMF_JOURNAL_H */
