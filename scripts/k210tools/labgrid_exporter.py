"""`python -m k210tools.labgrid_exporter [labgrid-exporter options] RESOURCES.yaml`: labgrid's
exporter, except that the ser2net it starts for each serial port listens only on the exporter's
published address (--hostname) instead of every interface. A board's REPL is a root shell on the
board: a lab names the address its lab network (or 127.0.0.1 plus SSH forwarding) reaches."""
from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys

from labgrid.remote import exporter as lg

SER2NET_MIN = (4, 2, 0)     # first ser2net with YAML on the command line (-Y)


def _ser2net_version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10).stdout
    try:
        return tuple(int(x) for x in out.split()[-1].split("."))
    except (ValueError, IndexError):
        raise lg.ExporterError(f"{binary} -v printed {out.strip()!r}: not a ser2net version") from None


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class BoundSerialPortExport(lg.SerialPortExport):
    """SerialPortExport whose ser2net accepter is tcp,HOST,PORT (HOST = the exporter's --hostname)."""

    def _start(self, start_params):
        assert self.local.avail and self.child is None
        path = start_params["path"]
        if not path.startswith("/dev/"):
            raise lg.ExporterError(f"{path}: a serial port export needs a /dev path")
        version = _ser2net_version(self.ser2net_bin)
        if version < SER2NET_MIN:
            raise lg.ExporterError(f"ser2net {'.'.join(map(str, version))} is too old (need 4.2+ for -Y)")
        host = self.host
        self.port = _free_port(host)
        accepter = f"tcp,{host},{self.port}" if not _is_v6(host) else f"tcp,[{host}],{self.port}"
        cmd = [self.ser2net_bin, "-d", "-n",
               "-Y", f"connection: &k210#  accepter: telnet(rfc2217,mode=server),{accepter}",
               "-Y", f"  connector: serialdev(nouucplock=true),{path},{self.local.speed}n81,local",
               "-Y", "  options:", "-Y", "    max-connections: 1"]
        self.logger.info("starting ser2net: %s", " ".join(cmd))
        self.child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        try:
            self.child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            self.logger.info("ser2net for %s listens on %s:%d", path, host, self.port)
            return
        self.child = None
        raise lg.ExporterError(f"ser2net for {path} on {host}:{self.port} exited at once")


def _is_v6(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False


def main() -> None:
    if "--hostname" not in " ".join(sys.argv[1:]):
        sys.exit("k210tools.labgrid_exporter: give --hostname ADDRESS: ser2net listens on that address only")
    for cls in ("RawSerialPort", "USBSerialPort"):
        lg.exports[cls] = BoundSerialPortExport
    lg.main()


if __name__ == "__main__":
    main()
