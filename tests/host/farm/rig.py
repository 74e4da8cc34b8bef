"""A labgrid lab on localhost: a coordinator, an exporter (k210tools.labgrid_exporter) serving
simulated boards through ser2net, and labgrid-client calls; every wait bounded, every process
recorded so the test can check that none is left and what each one listens on."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent      # labgrid-coordinator / labgrid-client of this venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, timeout: float = 30.0, every: float = 0.2):
    end = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > end:
            raise TimeoutError(f"waited {timeout:g}s for {what}")
        time.sleep(every)


def children(pid: int) -> set[int]:
    """Every descendant of pid (from /proc/*/stat's parent field)."""
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            parent[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for c, pp in parent.items():
            if pp == p and c not in out:
                out.add(c)
                todo.append(c)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _hex_addr(text: str) -> str:
    addr, port = text.split(":")
    raw = bytes.fromhex(addr)
    if len(raw) == 4:
        return f"{socket.inet_ntop(socket.AF_INET, raw[::-1])}:{int(port, 16)}"
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return f"[{socket.inet_ntop(socket.AF_INET6, words)}]:{int(port, 16)}"


def listening(pids: set[int]) -> list[tuple[int, str, str]]:
    """(pid, protocol, local address) of every listening TCP and bound UDP socket of these pids."""
    inodes: dict[str, int] = {}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inodes[link[8:-1]] = pid
        except OSError:
            continue
    out = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = Path(f"/proc/net/{proto}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            local, state, inode = f[1], f[3], f[9]
            if inode in inodes and (proto.startswith("udp") or state == "0A"):
                out.append((inodes[inode], proto, _hex_addr(local)))
    return out


class Rig:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.seen: set[int] = set()       # every pid of the rig ever observed (ser2net included)
        self.env = dict(os.environ, LG_COORDINATOR=self.address, LG_USERNAME="rig", LG_HOSTNAME="rig-host")

    def _start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=self.env, cwd=self.tmp, start_new_session=True)
        log.close()
        self.procs.append(p)
        self.seen.add(p.pid)
        return p

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def start_coordinator(self) -> None:
        self._start("coordinator", [str(BIN / "labgrid-coordinator"), "--listen", self.address])

        def up() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for(f"the coordinator on {self.address} ({self.log('coordinator')[-300:]})", up)

    def start_exporter(self, ports: dict[str, str]) -> None:
        lines = ["k210-sims:"]
        for name, dev in ports.items():
            lines += [f"  {name}:", "    cls: RawSerialPort", f"    port: {dev}", "    speed: 115200"]
        (self.tmp / "exporter.yaml").write_text("\n".join(lines) + "\n")
        self._start("exporter", [sys.executable, "-m", "k210tools.labgrid_exporter", "--coordinator",
                                 self.address, "--name", "rig", "--hostname", "127.0.0.1", "exporter.yaml"])
        def listed() -> bool:
            out = self.client("-v", "resources").stdout
            return all(f"(rig/k210-sims/NetworkSerialPort[/{n}])" in out for n in ports)
        wait_for(f"the exporter's resources (labgrid-client resources: {self.client('resources').stdout!r})",
                 listed)

    def client(self, *args: str, user: str | None = None, check: bool = False) -> subprocess.CompletedProcess:
        env = dict(self.env, LG_USERNAME=user) if user else self.env
        r = subprocess.run([str(BIN / "labgrid-client"), "-x", self.address, *args], capture_output=True,
                           text=True, timeout=60, env=env, cwd=self.tmp)
        if check and r.returncode != 0:
            raise RuntimeError(f"labgrid-client {' '.join(args)}: {r.stdout}{r.stderr}")
        return r

    def observe(self) -> set[int]:
        for p in self.procs:
            self.seen |= children(p.pid)
        return {p for p in self.seen if alive(p)}

    def stop(self) -> None:
        """Exporter first (it stops its ser2net), then the coordinator; SIGKILL after 10 s."""
        self.observe()
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(5)
        # what the exporter left (a ser2net it did not stop) goes too, but the test reports it
        for pid in self.seen:
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
