from .cli import Command
COMMANDS = []
