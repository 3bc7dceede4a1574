"""Pinned clock and randomness for plugin calls (smoke.py): the same render every run."""
import datetime as _datetime_module
import hashlib
import os
import random as _random_module
import time as _time_module



# ---------------------------------------------------------------- pinned clock and randomness

EPOCHS = (946684800.0, 1321009871.0)  # 2000-01-01T00:00:00Z, then 2011-11-11T11:11:11Z for the second render


class Pin:
    active = False
    epoch = EPOCHS[0]
    rng = _random_module.Random(0)


_real = {
    'time': _time_module.time,
    'time_ns': _time_module.time_ns,
    'localtime': _time_module.localtime,
    'gmtime': _time_module.gmtime,
    'ctime': _time_module.ctime,
    'asctime': _time_module.asctime,
    'strftime': _time_module.strftime,
    'urandom': os.urandom,
    'random_urandom': getattr(_random_module, '_urandom', os.urandom),
}


def _pinned_time():
    return Pin.epoch if Pin.active else _real['time']()


def _pinned_time_ns():
    return int(Pin.epoch * 1e9) if Pin.active else _real['time_ns']()


def _with_default_time(name):
    real = _real[name]

    def f(*args):
        if not args and Pin.active:
            return real(Pin.epoch)
        return real(*args)

    return f


def _pinned_strftime(fmt, *args):
    if not args and Pin.active:
        return _real['strftime'](fmt, _real['localtime'](Pin.epoch))
    return _real['strftime'](fmt, *args)


def _pinned_asctime(*args):
    if not args and Pin.active:
        return _real['asctime'](_real['localtime'](Pin.epoch))
    return _real['asctime'](*args)


def _pinned_urandom(n):
    return bytes(Pin.rng.getrandbits(8) for _ in range(n)) if Pin.active else _real['urandom'](n)


class PinnedDateTime(_datetime_module.datetime):
    @classmethod
    def now(cls, tz=None):
        if not Pin.active:
            return super().now(tz)
        return cls.fromtimestamp(Pin.epoch, tz)

    @classmethod
    def utcnow(cls):
        if not Pin.active:
            return super().utcnow()
        return cls.utcfromtimestamp(Pin.epoch)

    @classmethod
    def today(cls):
        return cls.now()


class PinnedDate(_datetime_module.date):
    @classmethod
    def today(cls):
        if not Pin.active:
            return super().today()
        return cls.fromtimestamp(Pin.epoch)


def install_pins():
    # before the plugin is loaded, so `from time import time` in its code binds the pinned one;
    # inactive (the real functions) outside configure calls, so provd and twisted keep their clock
    _time_module.time = _pinned_time
    _time_module.time_ns = _pinned_time_ns
    for name in ('localtime', 'gmtime', 'ctime'):
        setattr(_time_module, name, _with_default_time(name))
    _time_module.strftime = _pinned_strftime
    _time_module.asctime = _pinned_asctime
    _datetime_module.datetime = PinnedDateTime
    _datetime_module.date = PinnedDate
    os.urandom = _pinned_urandom
    _random_module._urandom = _pinned_urandom


class pinned:
    """Clock at EPOCHS[render], randomness seeded from the device name and the render."""

    def __init__(self, name, render):
        self.seed = int(hashlib.sha1(f'{name}/{render}'.encode()).hexdigest()[:8], 16)
        self.epoch = EPOCHS[render]

    def __enter__(self):
        Pin.epoch = self.epoch
        Pin.rng = _random_module.Random(self.seed)
        _random_module.seed(self.seed)
        Pin.active = True

    def __exit__(self, *exc):
        Pin.active = False
        _random_module.seed()
