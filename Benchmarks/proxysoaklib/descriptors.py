"""The router's open descriptors by what they are (from /proc/PID/fd and /proc/PID/net/tcp*):
the soak tells a leak from the upstream connection pool. Each pooled libcurl transfer holds a
socketpair to wake its multi handle and up to one kept-alive connection per upstream (live, or
reset by the upstream and not yet noticed); at most --workers (32) transfers exist, since
exchanges run on the worker threads."""
import os


def tcp_sockets(pid):
    """{socket inode: (local port, remote port, state hex)} of the process's network namespace."""
    sockets = {}
    for name in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, name)) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    sockets[fields[9]] = (int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16), fields[3])
        except OSError:
            pass
    return sockets


def socket_inodes(pid, table):
    """The socket inodes of /proc/PID/net/<table> (unix: column 7, udp: column 10)."""
    column = 6 if table == "unix" else 9
    inodes = set()
    try:
        with open("/proc/%d/net/%s" % (pid, table)) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if len(fields) > column:
                    inodes.add(fields[column])
    except OSError:
        pass
    return inodes


def descriptor_kinds(pid, port, upstream_ports):
    """{"clients", "upstream", "wakeup", "other", "closed_sockets"} counts: client connections
    to `port`, connections to the upstreams (`upstream_ports`), Unix sockets (the transfers'
    socketpairs), everything else (files, the listener, eventfds, epoll), and sockets in no
    table: TCP connections already gone (an upstream or its relay reset them) whose descriptor
    libcurl's connection cache still holds until that transfer next talks to that upstream;
    None when gone."""
    counts = {"clients": 0, "upstream": 0, "wakeup": 0, "other": 0, "closed_sockets": 0}
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return None
    sockets = tcp_sockets(pid)
    unix = socket_inodes(pid, "unix")
    for fd in names:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if not target.startswith("socket:["):
            counts["other"] += 1
            continue
        inode = target[8:-1]
        tcp = sockets.get(inode)
        if tcp is None:
            counts["wakeup" if inode in unix else "closed_sockets"] += 1
        elif tcp[1] in upstream_ports:
            counts["upstream"] += 1
        elif tcp[0] == port and tcp[2] != "0A":   # 0A: the listening socket
            counts["clients"] += 1
        else:
            counts["other"] += 1
    return counts
