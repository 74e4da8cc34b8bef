# The simulated board: a host executable (build/sim/k210-sim) built with the host compiler.
set(K210_PORT sim)
set(K210_OUTPUT_NAME k210-sim)
