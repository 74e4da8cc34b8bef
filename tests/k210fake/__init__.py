"""Recording fakes of the K210 register blocks and the devices behind them (for test_k210_hal)."""
