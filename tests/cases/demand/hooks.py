"""Simulated daily demand of three stores."""

import numpy as np
import pandas as pd


def simulate(random_state=None, days=120):
    """Simulated daily demand of three stores: Poisson sales around a store level,
    raised by promotions, weekends and warm days."""
    rng = np.random.default_rng(random_state)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    stores = ["north", "south", "centre"]
    frame = pd.DataFrame(
        [(d, s) for d in dates for s in stores], columns=["date", "store"]
    )
    n = len(frame)
    temperature = 10 + 8 * np.sin(np.arange(n) / n * 2 * np.pi) + rng.normal(0, 2, n)
    promotion = rng.random(n) < 0.15
    base = frame["store"].map({"north": 40, "south": 55, "centre": 80}).to_numpy()
    weekday = frame["date"].dt.day_of_week.to_numpy()
    rate = base * (1 + 0.3 * promotion) * (1 + 0.1 * (weekday >= 5)) + temperature
    frame["row_id"] = [f"r{i:04d}" for i in range(n)]
    frame["temperature"] = temperature.round(1)
    frame["promotion"] = promotion
    frame["units"] = rng.poisson(np.clip(rate, 1, None))
    return frame[["row_id", "date", "store", "temperature", "promotion", "units"]]
