"""Sending at the account's SES rate: a token bucket per Lambda container.

The delivery Map runs at most ``MaxConcurrency`` children at once (step_functions/
distribute.asl.json), each in its own render-report container, one invocation at a time. Each
container sends at most ``distribution.ses_max_send_rate / MaxConcurrency`` messages per second,
so all of them together stay within the account's quota: with the defaults, 14 / 20 = 0.7 a
second each, one message every 1.43 s per container, 14 a second in all. A bucket holds one token
and starts empty, so a fresh container also waits its turn. Offline there is no pacing (the rate
is 0: moto has no quota).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Optional


class TokenBucket:
    """``rate`` tokens a second, at most one held; ``take`` blocks until one is there."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("a token bucket needs a positive rate")
        self.rate, self._clock, self._sleep = rate, clock, sleep
        self._tokens, self._at = 0.0, clock()

    def take(self) -> float:
        """Wait for a token and use it; returns the seconds waited."""
        now = self._clock()
        self._tokens = min(1.0, self._tokens + (now - self._at) * self.rate)
        self._at = now
        wait = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate
        if wait:
            self._sleep(wait)
            self._at = now + wait
            self._tokens = 1.0
        self._tokens -= 1.0
        return wait


def per_container_rate(max_send_rate: float, max_concurrency: int) -> float:
    """Each container's share of the account's rate (messages per second)."""
    if max_concurrency < 1:
        raise ValueError("the delivery Map needs a MaxConcurrency of at least 1 to pace sending")
    return max_send_rate / max_concurrency


class PacedSes:
    """An SES client whose send_raw_email waits for the container's token bucket; every other
    call goes straight through. ``rate`` 0 sends unpaced (offline)."""

    def __init__(self, ses: Any, rate: float, *, bucket: Optional[TokenBucket] = None) -> None:
        self._ses = ses
        self._bucket = bucket or (TokenBucket(rate) if rate > 0 else None)

    def send_raw_email(self, **kwargs: Any) -> Any:
        if self._bucket is not None:
            self._bucket.take()
        return self._ses.send_raw_email(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ses, name)
