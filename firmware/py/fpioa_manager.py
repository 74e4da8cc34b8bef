"""MaixPy's `from fpioa_manager import fm`: route IO pads to GPIOHS lines (Maix.FPIOA) and remember
which pad has which function. Scripts route only GPIOHS0..31 here; the firmware's own pins (UART,
SD card, camera, LCD) are set by the board at boot."""
from Maix import FPIOA


class _Manager:
    def __init__(self):
        self.fpioa = FPIOA()
        self._pads = {}   # pad -> function

    def register(self, pin, function, force=False):
        owner = self.get_pin_by_function(function)
        if owner is not None and owner != pin and not force:
            raise ValueError("fm.register: function %d is already on pin %d; unregister it or pass force=True"
                             % (function, owner))
        self.fpioa.set_function(pin, function)
        if owner is not None and owner != pin:
            del self._pads[owner]
        self._pads[pin] = function

    def unregister(self, pin):
        if pin not in self._pads:
            raise ValueError("fm.unregister: pin %d was not registered" % pin)
        del self._pads[pin]

    def get_pin_by_function(self, function):
        for pad, f in self._pads.items():
            if f == function:
                return pad
        return None

    def get_gpio_used(self):
        return sorted(self._pads.items())


fm = _Manager()
