#!/usr/bin/env python3
"""Repeats one kind of syscall N times, so bench/bpf-cost.mjs can measure
the BPF programs a probe attaches to it (per run, from bpf_stats).

    syscalls.py MODE N DIR

DIR is a scratch directory this script may create files in. Prints one JSON
line: {"mode": .., "ops": N}. Every call is real and most succeed; the few
that fail on purpose (ptrace of a pid that does not exist) still enter and
leave the syscall, which is what the probes hook.
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

SYS_BPF = 321  # x86_64
BPF_MAP_CREATE = 0
PTRACE_ATTACH = 16
CLONE_NEWNS = 0x00020000
MS_REC = 16384
MS_PRIVATE = 1 << 18


def bpf_map_create() -> None:
    attr = (ctypes.c_uint32 * 30)()
    attr[0], attr[1], attr[2], attr[3] = 2, 4, 4, 1  # BPF_MAP_TYPE_ARRAY, key 4, value 4, 1 entry
    fd = libc.syscall(SYS_BPF, BPF_MAP_CREATE, ctypes.byref(attr), ctypes.sizeof(attr))
    if fd >= 0:
        os.close(fd)


def mount_loop(n: int, d: str) -> None:
    # a private mount namespace: nothing this mounts is seen outside
    if libc.unshare(CLONE_NEWNS) or libc.mount(b'none', b'/', None, MS_REC | MS_PRIVATE, None):
        sys.exit(f'syscalls.py: cannot make a private mount namespace (errno {ctypes.get_errno()})')
    target = os.path.join(d, 'mnt').encode()
    os.makedirs(target, exist_ok=True)
    for _ in range(n):
        libc.mount(b'none', target, b'tmpfs', 0, None)
        libc.umount2(target, 0)


def main() -> None:
    mode, n, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    f = os.path.join(d, 'f')
    g = os.path.join(d, 'g')
    with open(f, 'w'):
        pass
    if mode == 'unlink':
        for _ in range(n):
            os.close(os.open(g, os.O_CREAT | os.O_WRONLY, 0o600))
            os.unlink(g)
    elif mode == 'rename':
        for _ in range(n // 2):
            os.rename(f, g)
            os.rename(g, f)
    elif mode == 'chmod':
        for i in range(n):
            os.chmod(f, 0o600 if i & 1 else 0o644)
    elif mode == 'chown':
        for _ in range(n):
            os.chown(f, 0, 0)
    elif mode == 'setxattr':
        for _ in range(n):
            os.setxattr(f, 'user.ebpfsh_bench', b'x')
    elif mode == 'memfd':
        for _ in range(n):
            os.close(os.memfd_create('ebpfsh-bench'))
    elif mode == 'setuid':
        for _ in range(n):
            os.setuid(os.getuid())
    elif mode == 'ptrace':
        for _ in range(n):
            libc.ptrace(PTRACE_ATTACH, 0x3FFFFFFF, None, None)
    elif mode == 'bpf':
        for _ in range(n):
            bpf_map_create()
    elif mode == 'kill':
        signal.signal(signal.SIGURG, signal.SIG_IGN)
        for _ in range(n):
            os.kill(os.getpid(), signal.SIGURG)
    elif mode == 'mount':
        mount_loop(n, d)
    elif mode == 'bind':
        for _ in range(n):
            with socket.socket() as s:
                s.bind(('127.0.0.1', 0))
    elif mode == 'listen':
        for _ in range(n):
            with socket.socket() as s:
                s.bind(('127.0.0.1', 0))
                s.listen(1)
    elif mode == 'accept':
        with socket.socket() as srv:
            srv.bind(('127.0.0.1', 0))
            srv.listen(64)
            for _ in range(n):
                c = socket.create_connection(srv.getsockname())
                a, _ = srv.accept()
                a.close()
                c.close()
    elif mode == 'dup':
        # a socket put on fd 2 and taken off again (stderr is saved and put back)
        saved = os.dup(2)
        with socket.socket() as s:
            for _ in range(n):
                os.dup2(s.fileno(), 2)
                os.dup2(saved, 2)
    else:
        sys.exit(f'syscalls.py: unknown mode {mode}')
    print(json.dumps({'mode': mode, 'ops': n}))


if __name__ == '__main__':
    main()
