"""A small QMP client: JSON lines over QEMU's unix socket, standard library only.

    q = QMP.connect("build/qemu-tests/NAME.qmp")   # greeting + qmp_capabilities
    q.execute("balloon", {"value": 256 << 20})      # the "return" value
    q.execute("query-balloon")["actual"]
    q.events                                        # events seen so far, in order

An "error" answer raises QMPError (its class and desc); events that arrive
while waiting for an answer are kept in q.events, never mistaken for one.
"""
import json
import os
import select
import socket
import time


class QMPError(Exception):
    def __init__(self, cmd, cls, desc):
        super().__init__("QMP %s: %s: %s" % (cmd, cls, desc))
        self.cls = cls
        self.desc = desc


class QMP:
    def __init__(self, sock):
        self.sock = sock
        self.rbuf = b""
        self.events = []
        self.next_id = 1

    @classmethod
    def connect(cls, path, timeout=20, alive=lambda: True):
        """Connect once QEMU has made the socket (it does so before the guest
        runs), read the greeting and leave negotiation mode."""
        deadline = time.time() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.time() > deadline or not alive():
                    raise QMPError("connect", "NoSocket", "%s: QEMU made no QMP socket" % path)
                time.sleep(0.05)
        q = cls(s)
        greeting = q._message(timeout)
        if "QMP" not in greeting:
            raise QMPError("connect", "BadGreeting", repr(greeting))
        q.greeting = greeting["QMP"]
        q.execute("qmp_capabilities")
        return q

    def _line(self, timeout):
        deadline = time.time() + timeout
        while b"\n" not in self.rbuf:
            r, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.time()))
            if not r:
                if time.time() >= deadline:
                    raise QMPError("read", "Timeout", "no answer in %.1fs" % timeout)
                continue
            data = self.sock.recv(65536)
            if not data:
                raise QMPError("read", "Closed", "QEMU closed the QMP socket")
            self.rbuf += data
        line, self.rbuf = self.rbuf.split(b"\n", 1)
        return line

    def _message(self, timeout):
        while True:
            line = self._line(timeout).strip()
            if line:
                return json.loads(line.decode("utf-8"))

    def execute(self, cmd, args=None, timeout=10):
        """Run cmd; return its "return" value, raise QMPError on "error"."""
        msg = {"execute": cmd, "id": self.next_id}
        self.next_id += 1
        if args is not None:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode("utf-8") + b"\n")
        deadline = time.time() + timeout
        while True:
            m = self._message(max(0.01, deadline - time.time()))
            if "event" in m:
                self.events.append(m)
            elif m.get("id") != msg["id"]:
                continue  # an answer to nothing we are waiting for
            elif "error" in m:
                raise QMPError(cmd, m["error"].get("class"), m["error"].get("desc"))
            else:
                return m.get("return")

    def poll_events(self, timeout=0):
        """Read what has arrived (waiting up to timeout); returns self.events."""
        deadline = time.time() + timeout
        while True:
            try:
                m = self._message(max(0.0, deadline - time.time()))
            except QMPError as e:
                if e.cls == "Timeout":
                    return self.events
                raise
            if "event" in m:
                self.events.append(m)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def socket_path(directory, name):
    """NAME.qmp in directory, or in /tmp when that path is too long for a
    unix socket (108 bytes with the terminating NUL)."""
    path = os.path.join(directory, name + ".qmp")
    if len(path.encode()) >= 100:
        path = os.path.join("/tmp", "ballast-%d-%s.qmp" % (os.getpid(), name[-40:]))
    return path
