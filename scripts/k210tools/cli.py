"""`k210`: the entry point. The commands come from the cmd_*.py modules (each a list of
registry.Command); handlers get the parsed args and a registry.Session that connects on first use."""
from __future__ import annotations

import argparse
import sys

from . import cmd_board, cmd_files, cmd_flash, cmd_model, cmd_view
from .errors import BoardError, K210Error
from .registry import Command, Session


def _table() -> list[Command]:
    return [*cmd_board.COMMANDS, *cmd_files.COMMANDS, *cmd_model.COMMANDS, *cmd_flash.COMMANDS,
            *cmd_view.COMMANDS]


def parser(commands: list[Command]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="k210", description="Host tools for k210-kpu boards (Sipeed Maix, or the simulated board).")
    p.add_argument("-p", "--port", help="serial device, pyserial URL (socket://, rfc2217://), id:SERIAL or usb:LOCATION, 'sim' "
                   "for the simulated board, 'qemu' for the QEMU_VIRT board, or omit to autodetect (env K210_PORT)")
    p.add_argument("-b", "--baud", type=int, default=115200, help="REPL baud rate (default 115200)")
    p.add_argument("--maixpy-sim", action="store_true", help=argparse.SUPPRESS)  # sim imitating MaixPy-v1
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for c in commands:
        sp = sub.add_parser(c.name, help=c.help, description=c.help)
        c.build(sp)
        sp.set_defaults(_run=c.run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser(_table()).parse_args(argv)
    session = Session(args)
    try:
        return args._run(args, session)
    except BoardError as e:
        sys.stdout.flush()
        sys.stderr.write(e.traceback if e.traceback.endswith("\n") else e.traceback + "\n")
        return 1
    except K210Error as e:
        sys.stdout.flush()
        print(f"k210: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("k210: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        name = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"k210: {name}{e.strerror or e}", file=sys.stderr)
        return 1
    finally:
        session.close()


if __name__ == "__main__":
    sys.exit(main())
