"""Test rig, not product: faultproxy (a serial relay that injects line faults, also usable between
the CLI and a real board) and fakeisp (a K210 ISP ROM imitation on a pty, for `k210 flash` tests)."""
