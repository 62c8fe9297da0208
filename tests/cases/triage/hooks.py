"""Simulated support tickets with three priorities."""

import numpy as np
import pandas as pd

TEMPLATES = {
    "low": ["How do I change my {p} password?", "Feature request for {p}"],
    "medium": ["{p} is slow today", "Export from {p} fails sometimes"],
    "high": ["{p} is down for everyone", "Data lost in {p} after update"],
}


def simulate(random_state=None, rows=300):
    rng = np.random.default_rng(random_state)
    priority = rng.choice(["low", "medium", "high"], size=rows, p=[0.5, 0.3, 0.2])
    product = rng.choice(["mail", "billing", "storage"], size=rows)
    message = [
        TEMPLATES[level][rng.integers(2)].format(p=name)
        for level, name in zip(priority, product, strict=True)
    ]
    return pd.DataFrame({"message": message, "product": product, "priority": priority})
