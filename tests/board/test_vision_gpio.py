"""MaixPy's board_info, fpioa_manager and Maix.GPIO on the simulated board, whose GPIOs show in
its state directory (gpio.state: what the firmware drives; gpio.in: levels the host applies)."""
import pytest

from simproc import SIM

pytestmark = [pytest.mark.sim_only("reads the simulated board's GPIO files"),
              pytest.mark.skipif(not SIM.exists(), reason="build/sim/k210-sim not built")]

LED = """
from board import board_info
from fpioa_manager import fm
from Maix import GPIO
fm.register(board_info.LED_R, fm.fpioa.GPIOHS0)
fm.register(board_info.BOOT_KEY, fm.fpioa.GPIOHS1)
led = GPIO(GPIO.GPIOHS0, GPIO.OUT, 1)
key = GPIO(GPIO.GPIOHS1, GPIO.PULL_UP)
led.value(0)
print(led.value(), key.value(), led, key)
"""


def test_led_and_key(sim_factory, tmp_path):
    state = tmp_path / "state"
    b = sim_factory(state=state)
    out = b.exec(LED).split()
    assert out[:2] == ["0", "1"]                       # LED driven low (on); key released (pulled up)
    lines = (state / "gpio.state").read_text().split("\n")
    assert "GPIOHS0 pad=13 mode=out level=0" in lines   # the Maix Bit's red LED pad
    assert "GPIOHS1 pad=16 mode=in_pull_up level=0" in lines
    (state / "gpio.in").write_text("1 0\n")            # the host presses BOOT
    assert b.exec("print(key.value())").strip() == "0"


def test_gpio_errors(board):
    out = board.exec(r"""
from Maix import GPIO, FPIOA
from fpioa_manager import fm
def chk(f):
    try:
        f()
        print('no error')
    except Exception as e:
        print(type(e).__name__, e)
chk(lambda: GPIO(GPIO.GPIOHS9, GPIO.OUT))
chk(lambda: GPIO(40, GPIO.OUT))
chk(lambda: fm.register(50, fm.fpioa.GPIOHS2))
chk(lambda: fm.register(3, 4))
fm.register(20, fm.fpioa.GPIOHS3)
chk(lambda: fm.register(21, fm.fpioa.GPIOHS3))
chk(lambda: GPIO(GPIO.GPIOHS3, GPIO.IN).value(1))
chk(lambda: GPIO(GPIO.GPIOHS3, 9))
""").strip().split("\n")
    assert out[0] == "ValueError Maix.GPIO: GPIOHS9 is not routed to a pad; fm.register(pin, fm.fpioa.GPIOHS9) first"
    assert out[1].startswith("ValueError Maix.GPIO: 40 is not GPIO.GPIOHS0..GPIOHS31")
    assert out[2] == "ValueError FPIOA.set_function: pin 50 is not a pad (0..47)"
    assert out[3].startswith("ValueError FPIOA.set_function: function 4 is not supported")
    assert out[4] == "ValueError fm.register: function 27 is already on pin 20; unregister it or pass force=True"
    assert out[5] == "ValueError Maix.GPIO: GPIOHS3 is an input; make it GPIO.OUT to drive it"
    assert out[6].startswith("ValueError Maix.GPIO: mode 9")
