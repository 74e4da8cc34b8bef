"""The project's boards for labgrid (26.x): a K210Driver on a serial port resource (a local
SerialPort or an exported NetworkSerialPort, i.e. ser2net's RFC 2217) that hands the REPL to
k210tools, resets through the board's DTR/RTS sequence and flashes through kflash with the
board's ISP sequence, and a K210Strategy (off -> repl). Load it from an environment file with
`imports: [k210tools.labgrid_k210]` (see labgrid/k210-farm.yaml)."""
from __future__ import annotations

import enum
import time
from pathlib import Path

import attr
import serial
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.resource import NetworkSerialPort, SerialPort
from labgrid.step import step
from labgrid.strategy.common import Strategy, StrategyError, never_retry
from labgrid.util.proxy import proxymanager

from . import boards, flash
from .board import Board
from .errors import K210Error


def _known_board(instance, attribute, value: str) -> None:
    try:
        boards.board(value)
    except K210Error as e:
        raise ValueError(f"K210Driver board: {e}") from None


@target_factory.reg_driver
@attr.s(eq=False)
class K210Driver(Driver):
    """One K210 board's REPL port. `board` names its kind (boards.BOARDS): the reset and ISP
    sequences depend on how the board wires DTR/RTS."""

    bindings = {"port": {"SerialPort", "NetworkSerialPort"}}
    board = attr.ib(default="SIM", validator=[attr.validators.instance_of(str), _known_board])
    baud = attr.ib(default=115200, validator=attr.validators.instance_of(int))

    @property
    def info(self) -> boards.BoardInfo:
        return boards.board(self.board)

    @Driver.check_active
    def url(self) -> str:
        """What open_port / `k210 -p` take: a device path or rfc2217://host:port."""
        if isinstance(self.port, NetworkSerialPort):
            if self.port.protocol != "rfc2217":
                raise K210Error(f"{self.port.host}:{self.port.port}: protocol {self.port.protocol!r}; "
                                "the exporter must serve RFC 2217 (ser2net telnet(rfc2217))")
            host, port = proxymanager.get_host_and_port(self.port)
            return f"rfc2217://{host}:{port}"
        assert isinstance(self.port, SerialPort)
        return self.port.port

    @Driver.check_active
    def connect(self) -> Board:
        """The board's REPL (raw mode); the caller closes it."""
        return Board.connect(self.url(), self.baud)

    @Driver.check_active
    @step()
    def reset(self) -> None:
        """Hardware reset through the board's DTR/RTS sequence (100 ms a step), lines released after."""
        seq = self.info.reset
        if not seq:
            raise K210Error(f"{self.board} has no reset lines: power-cycle it with Board.restart()")
        p = serial.serial_for_url(self.url(), do_not_open=True, baudrate=self.baud, timeout=0.1)
        p.dtr = p.rts = False
        p.open()
        try:
            for dtr, rts in seq:
                p.dtr, p.rts = dtr, rts
                time.sleep(0.1)
            p.dtr = p.rts = False
        finally:
            p.close()

    @Driver.check_active
    @step(args=["firmware"])
    def flash(self, firmware: str | Path, models: list[str] | None = None, baud: int = 1500000) -> None:
        """ISP-flashes firmware (.bin or .kfpkg, plus MODEL@ADDR models) with kflash."""
        if not self.info.kflash_board:
            raise K210Error(f"{self.board} is not flashed over ISP (build it with ./scripts/build SIM)")
        plan = flash.plan(Path(firmware), list(models or ()), self.info, self.url(), baud)
        flash.run(plan, log=self.logger.info)


class Status(enum.Enum):
    unknown = 0
    off = 1
    repl = 2


@target_factory.reg_driver
@attr.s(eq=False)
class K210Strategy(Strategy):
    """off: the port driver is inactive; repl: active and the REPL answered (raw mode entered)."""

    bindings = {"board": "K210Driver"}
    status = attr.ib(default=Status.unknown)

    @never_retry
    @step(args=["status"])
    def transition(self, status, *, step):  # noqa: ARG002 - labgrid's step decorator passes it
        if not isinstance(status, Status):
            status = Status[status]
        if status == Status.unknown:
            raise StrategyError(f"can not transition to {status}")
        if status == Status.off:
            self.target.deactivate(self.board)
        elif status == Status.repl:
            self.target.activate(self.board)
            self.board.connect().close()
        self.status = status
