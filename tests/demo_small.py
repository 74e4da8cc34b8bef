"""A quickly trained (2 epochs) demo digit model, built once per pytest process for the demo tests:
they check the compiler's arithmetic and the board, not the accuracy."""
import functools

from k210tools import digits_kmodel as dk
from k210tools import train_digits as td


@functools.lru_cache(maxsize=1)
def small_model():
    data = td.load_digits_u8()
    params = td.train(data, epochs=2)
    return data, params, dk.compile_digits(params, data.train_x[:200])
