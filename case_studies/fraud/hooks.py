"""Simulated card transactions with fraud, for the ``fraud`` case.

No real card-fraud data can be shipped, so this case generates them. The simulator
follows the transaction generator of the *Reproducible Machine Learning for Credit
Card Fraud Detection* handbook (Le Borgne, Siblini, Lebichot and Bontempi, 2022):
customers and terminals with their own profiles, transactions between them, and fraud
scenarios layered on top. It adds what the case's notebooks need: weekly and daily
cycles, channels and merchant categories, fraud scenarios whose mix changes from month
to month, labels that arrive late, and one shift point. The case's README.md explains
every choice and which numbers are assumptions.

Everything is vectorised with numpy: six months (about 280,000 transactions) take
well under a second on one core.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import KDTree

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "SCENARIOS",
    "existing_solution",
    "features",
    "heuristic",
    "simulate",
]

#: Values of ``scenario``: "none" for legitimate rows, else the fraud scenario.
SCENARIOS = (
    "none",
    "card_testing",
    "account_takeover",
    "compromised_terminal",
    "gift_cards",
)
#: Values of ``channel``.
CHANNELS = ("chip", "contactless", "online")
#: Values of ``merchant_category``.
CATEGORIES = (
    "grocery",
    "restaurant",
    "fuel",
    "retail",
    "health",
    "electronics",
    "travel",
    "digital_goods",
)

_NONE, _CARD_TESTING, _TAKEOVER, _TERMINAL, _GIFT_CARDS = range(len(SCENARIOS))
_CHIP, _CONTACTLESS, _ONLINE = range(len(CHANNELS))
_RETAIL, _DIGITAL_GOODS = CATEGORIES.index("retail"), CATEGORIES.index("digital_goods")
_DAY = 86_400  # seconds
_LABEL_WINDOW_DAYS = 120  # the dispute window: after it, a silent transaction is legit

# Size of a basket in each category, relative to the customer's typical one.
_CATEGORY_AMOUNT = np.array([1.0, 0.8, 1.3, 1.4, 0.7, 3.0, 4.0, 0.35])
# Merchant categories of card-present terminals and of web merchants.
_PHYSICAL_MIX = np.array([0.26, 0.26, 0.10, 0.20, 0.08, 0.04, 0.06, 0.0])
_ONLINE_MIX = np.array([0.05, 0.10, 0.0, 0.35, 0.05, 0.12, 0.13, 0.20])
# How busy a terminal of each category is (groceries see the most cards).
_CATEGORY_TRAFFIC = np.array([2.0, 1.2, 1.0, 0.8, 0.7, 0.4, 0.3, 2.0])
# Categories that an account-takeover fraudster favours: resellable goods and tickets.
_TAKEOVER_TASTE = np.array([0.4, 0.4, 0.4, 2.0, 0.4, 3.0, 2.5, 1.5])

# Transactions per weekday (Monday first), relative to the average day: shops are
# busiest on Fridays and Saturdays, many are closed on Sundays.
_WEEKDAY = np.array([0.88, 0.90, 0.94, 1.00, 1.18, 1.32, 0.78])
# Transactions per hour of the day, in store and online (online peaks in the evening).
_HOURS_STORE = np.array(
    [
        *(0.3, 0.15, 0.1, 0.1, 0.15, 0.4, 1.0, 2.0, 3.0, 4.0, 4.5, 5.2),
        *(6.0, 5.5, 5.0, 5.0, 5.5, 6.5, 7.0, 6.0, 4.5, 3.0, 1.8, 0.8),
    ]
)
_HOURS_ONLINE = np.array(
    [
        *(1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 1.8, 2.5, 3.0, 3.2, 3.5),
        *(4.0, 3.8, 3.5, 3.5, 3.8, 4.2, 5.0, 5.8, 6.2, 5.5, 3.8, 2.0),
    ]
)

# Each scenario's intensity in the months of the period, repeating every six months:
# the mix of fraud changes over time, as it does when fraudsters move on.
_TAKEOVERS_PER_DAY = 0.35 * np.array([1.0, 1.2, 1.4, 0.9, 0.7, 0.6])
_COMPROMISES_PER_DAY = np.array([0.06, 0.06, 0.12, 0.07, 0.05, 0.06])
_CARD_TESTING_MONTHS = np.array([False, True, False, False, True, False])
_BURSTS_PER_DAY = 0.5  # card-testing bursts per day of a campaign
_GIFT_CARDS_PER_DAY = np.array([0.3, 0.45, 0.6])  # by month since the shift, then flat

# Median days until a fraud's chargeback, by scenario (index as SCENARIOS): large,
# unusual purchases are noticed fast; small test charges late.
_CHARGEBACK_MEDIAN_DAYS = np.array([np.nan, 45.0, 5.0, 30.0, 7.0])
_CHARGEBACK_SIGMA = 0.8


def simulate(
    random_state: int | np.random.Generator | None = None,
    months: int = 6,
    start: str | pd.Timestamp = "2024-01-01",
    customers: int = 3000,
    terminals: int = 2000,
    online_merchants: int = 400,
    shift_month: int | None = 4,
) -> pd.DataFrame:
    """Simulated card transactions, with fraud, over a number of months.

    The data are synthetic: no real card holder, card or merchant is in them. The
    design follows the transaction simulator of Le Borgne et al. [1]_; the fraud rate
    is of the order of, though higher than, that of the ULB credit-card data [2]_.
    Every other number is an assumption, explained in the case's README.md.

    Customers live at a home location and have a typical basket, a spread of amounts,
    a number of transactions per day and a taste for paying online or contactless.
    Terminals have a location and a merchant category; web merchants have a category
    and no location. Each day, each customer makes a Poisson number of transactions
    that depends on the weekday; the hour follows a daily cycle with few transactions
    at night. Card-present transactions mostly happen at terminals near home, some
    while travelling, anywhere.

    Four fraud scenarios are layered on top, each with its own calendar:

    - ``compromised_terminal``: a terminal (a busy one more likely) is compromised for
      2 to 6 weeks, and every card-present transaction there is fraudulent; nothing in
      one transaction shows it, only the terminal's recent history of frauds. More
      compromises in month 3.
    - ``account_takeover``: a customer's card is used by a fraudster for 1 to 6 days,
      for a few larger-than-usual purchases (electronics, travel, retail), online or
      at terminals near home or anywhere, often at odd hours. Fewer after the shift.
    - ``card_testing``: bursts of 5 to 20 small online charges on one card within
      minutes, mostly at night, through two web shops. Only during campaigns in
      months 2 and 5; a third of the tested cards are then taken over.
    - ``gift_cards``: from the shift on, phished cards buy gift cards online in
      round amounts (25 to 200 USD), a few within hours.

    Labels arrive late. A fraud's label comes with its chargeback, after a log-normal
    delay whose median depends on the scenario (5 days for account takeover to 45 for
    card testing), at least one hour and at most 120 days. A legitimate transaction is
    known to be legitimate only when the dispute window closes, 120 days after it.

    At the start of month ``shift_month`` three things change at once: the contactless
    limit rises from 50 to 100 USD (contactless replaces chip for mid-sized baskets),
    card-present baskets grow by 20 %, and the ``gift_cards`` scenario appears in the
    online channel.

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the simulation; the same seed gives the same data.
    months : int, default=6
        Length of the period, in calendar months from ``start``. The monthly
        calendar of the scenarios repeats every six months.
    start : str or pandas.Timestamp, default="2024-01-01"
        First day of the period (its time of day is ignored).
    customers : int, default=3000
        Number of card holders.
    terminals : int, default=2000
        Number of card-present terminals.
    online_merchants : int, default=400
        Number of web merchants (terminals of the online channel).
    shift_month : int or None, default=4
        Month (1 = the first) at whose start the shift happens; None, or a month after
        the period, for none.

    Returns
    -------
    pandas.DataFrame
        One row per transaction, sorted by ``timestamp``, with a RangeIndex:
        ``transaction_id``, ``timestamp``, ``customer_id``, ``terminal_id``,
        ``amount`` (USD), ``channel``, ``merchant_category``, ``distance_km`` (from the
        customer's home to the terminal; missing for online transactions, which have
        no place), ``is_fraud`` (1 for fraud), ``scenario`` and
        ``label_available_at``.

    References
    ----------
    .. [1] Y.-A. Le Borgne, W. Siblini, B. Lebichot and G. Bontempi, *Reproducible
       Machine Learning for Credit Card Fraud Detection - Practical Handbook*,
       Université Libre de Bruxelles, 2022.
    .. [2] A. Dal Pozzolo, O. Caelen, R. A. Johnson and G. Bontempi, "Calibrating
       Probability with Undersampling for Unbalanced Classification", IEEE Symposium
       Series on Computational Intelligence, 2015.

    Examples
    --------
    >>> df = simulate(random_state=0, months=1, customers=500, terminals=400)
    >>> df.columns[:4].tolist()
    ['transaction_id', 'timestamp', 'customer_id', 'terminal_id']
    >>> bool(df["timestamp"].is_monotonic_increasing)
    True
    >>> df.equals(simulate(random_state=0, months=1, customers=500, terminals=400))
    True
    """
    for name, value, low in (
        ("months", months, 1),
        ("customers", customers, 20),
        ("terminals", terminals, 20),
        ("online_merchants", online_merchants, 10),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"'{name}' must be an int; got {value!r}.")
        if value < low:
            raise ValueError(f"'{name}' must be at least {low}; got {value!r}.")
    if shift_month is not None and (
        isinstance(shift_month, bool)
        or not isinstance(shift_month, int | np.integer)
        or shift_month < 1
    ):
        raise ValueError(
            f"'shift_month' must be None or a month number >= 1; got {shift_month!r}."
        )

    rng = np.random.default_rng(random_state)
    start = pd.Timestamp(start).normalize()
    bounds = pd.DatetimeIndex(
        [start + pd.DateOffset(months=m) for m in range(months + 1)]
    )
    month_starts = ((bounds - start) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    days = int(month_starts[-1] // _DAY)
    end = int(month_starts[-1])
    shift = (
        int(month_starts[shift_month - 1])
        if shift_month is not None and shift_month <= months
        else end
    )

    world = _World(rng, customers, terminals, online_merchants)
    day_month = np.searchsorted(month_starts, np.arange(days) * _DAY, side="right") - 1
    weekdays = (np.arange(days) + start.day_of_week) % 7

    shift_index = int(np.searchsorted(month_starts, shift, side="right")) - 1
    legitimate = world.legitimate(rng, days, weekdays, shift)
    tests, tested_cards, test_days = _card_testing(rng, world, day_month, days)
    parts = [
        legitimate,
        tests,
        _account_takeover(rng, world, day_month, shift, tested_cards, test_days),
        _gift_cards(rng, world, day_month, shift_index),
    ]
    tx = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    _compromise_terminals(rng, world, tx, day_month)

    keep = tx["second"] < end
    tx = {key: values[keep] for key, values in tx.items()}
    order = np.argsort(tx["second"], kind="stable")
    tx = {key: values[order] for key, values in tx.items()}
    return _frame(rng, world, tx, start)


class _World:
    """The customers' and terminals' profiles, drawn once per simulation."""

    def __init__(
        self, rng: np.random.Generator, customers: int, terminals: int, online: int
    ):
        # Homes and shops cluster in a few towns of a 200 km x 200 km region.
        towns = rng.uniform(20, 180, size=(6, 2))
        self.home = _places(rng, towns, customers)
        self.place = _places(rng, towns, terminals)
        self.median_amount = rng.lognormal(np.log(25), 0.5, customers)
        self.amount_spread = rng.uniform(0.35, 0.75, customers)
        self.per_day = rng.lognormal(np.log(0.45), 0.5, customers)
        self.online_share = rng.beta(2, 7, customers)
        self.contactless_taste = rng.beta(5, 2, customers)

        self.category = np.concatenate(
            [
                rng.choice(len(CATEGORIES), size=terminals, p=_PHYSICAL_MIX),
                rng.choice(len(CATEGORIES), size=online, p=_ONLINE_MIX),
            ]
        )
        self.traffic = (
            rng.lognormal(0, 0.8, terminals + online)
            * (_CATEGORY_TRAFFIC[self.category])
        )
        self.physical_ids = np.arange(terminals)
        self.online_ids = np.arange(terminals, terminals + online)
        # Web shops of goods and digital goods, where stolen cards are tested and
        # gift cards are sold.
        kinds = self.category[self.online_ids]
        shops = self.online_ids[(kinds == _RETAIL) | (kinds == _DIGITAL_GOODS)]
        self.shops = shops if len(shops) >= 3 else self.online_ids

        # Each customer shops at the 12 terminals nearest home, the busy ones more.
        _, self.nearby = KDTree(self.place).query(self.home, k=12)
        weight = self.traffic[self.nearby]
        self.nearby_cdf = np.cumsum(weight, axis=1) / weight.sum(axis=1, keepdims=True)

    def pick_nearby(self, rng: np.random.Generator, customer: np.ndarray) -> np.ndarray:
        """A terminal near each customer's home, the busier ones more often."""
        u = rng.random(len(customer))[:, None]
        column = (u > self.nearby_cdf[customer]).sum(axis=1)
        return self.nearby[customer, np.minimum(column, self.nearby.shape[1] - 1)]

    def pick(
        self,
        rng: np.random.Generator,
        among: np.ndarray,
        n: int,
        taste: np.ndarray | None = None,
    ) -> np.ndarray:
        """``n`` terminals drawn from ``among``, weighted by traffic (and ``taste``)."""
        weight = self.traffic[among]
        if taste is not None:
            weight = weight * taste[self.category[among]]
        return rng.choice(among, size=n, p=weight / weight.sum())

    def amount(
        self, rng: np.random.Generator, customer: np.ndarray, terminal: np.ndarray
    ) -> np.ndarray:
        """Amounts a customer usually spends at a terminal of that category."""
        z = rng.standard_normal(len(customer))
        return (
            self.median_amount[customer]
            * _CATEGORY_AMOUNT[self.category[terminal]]
            * np.exp(self.amount_spread[customer] * z)
        )

    def legitimate(
        self, rng: np.random.Generator, days: int, weekdays: np.ndarray, shift: int
    ) -> dict[str, np.ndarray]:
        """Every customer's own transactions over ``days`` days."""
        rate = self.per_day[:, None] * _WEEKDAY[weekdays][None, :]
        counts = rng.poisson(rate).ravel()
        cell = np.repeat(np.arange(counts.size), counts)
        customer, day = np.divmod(cell, days)
        n = len(customer)

        online = rng.random(n) < self.online_share[customer]
        hour = np.where(
            online,
            rng.choice(24, size=n, p=_HOURS_ONLINE / _HOURS_ONLINE.sum()),
            rng.choice(24, size=n, p=_HOURS_STORE / _HOURS_STORE.sum()),
        )
        second = day * _DAY + hour * 3600 + rng.integers(0, 3600, n)

        # Card present: near home, or anywhere while travelling (3 % of the time).
        travelling = rng.random(n) < 0.03
        terminal = np.where(
            travelling,
            self.pick(rng, self.physical_ids, n),
            self.pick_nearby(rng, customer),
        )
        terminal = np.where(online, self.pick(rng, self.online_ids, n), terminal)
        amount = self.amount(rng, customer, terminal)
        amount = np.where(~online & (second >= shift), amount * 1.2, amount)

        limit = np.where(second >= shift, 100.0, 50.0)
        tap = (amount <= limit) & (rng.random(n) < self.contactless_taste[customer])
        channel = np.where(online, _ONLINE, np.where(tap, _CONTACTLESS, _CHIP))
        return _rows(customer, terminal, second, amount, channel, _NONE)


def _places(rng: np.random.Generator, towns: np.ndarray, n: int) -> np.ndarray:
    """``n`` points: 70 % around a town (8 km spread), the rest anywhere."""
    town = towns[rng.integers(0, len(towns), n)]
    near_town = rng.random(n) < 0.7
    xy = np.where(
        near_town[:, None],
        town + rng.normal(0, 8, size=(n, 2)),
        rng.uniform(0, 200, size=(n, 2)),
    )
    return np.clip(xy, 0, 200)


def _rows(
    customer: np.ndarray,
    terminal: np.ndarray,
    second: np.ndarray,
    amount: np.ndarray,
    channel: np.ndarray,
    scenario: int,
) -> dict[str, np.ndarray]:
    """Transactions as columns of codes; ``second`` counts from the period's start."""
    n = len(customer)
    return {
        "customer": np.asarray(customer, dtype=np.int64),
        "terminal": np.asarray(terminal, dtype=np.int64),
        "second": np.asarray(second, dtype=np.int64),
        "amount": np.asarray(amount, dtype=float),
        "channel": np.asarray(channel, dtype=np.int64),
        "scenario": np.broadcast_to(np.int64(scenario), n).copy(),
    }


def _event_days(
    rng: np.random.Generator, per_day: np.ndarray, day_month: np.ndarray
) -> np.ndarray:
    """Days on which events start, given each month's events per day."""
    counts = rng.poisson(per_day[day_month % len(per_day)])
    return np.repeat(np.arange(len(day_month)), counts)


def _night_hours(rng: np.random.Generator, n: int, night_share: float) -> np.ndarray:
    """Hours of fraud: a share between midnight and 6 am, the rest like online shopping."""
    night = rng.random(n) < night_share
    return np.where(
        night,
        rng.integers(0, 6, n),
        rng.choice(24, size=n, p=_HOURS_ONLINE / _HOURS_ONLINE.sum()),
    )


def _card_testing(
    rng: np.random.Generator, world: _World, day_month: np.ndarray, days: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Bursts of small online charges that check whether stolen card numbers work.

    Returns the rows, and the card and the day of each burst.
    """
    active = _CARD_TESTING_MONTHS[day_month % len(_CARD_TESTING_MONTHS)]
    # A campaign runs from the 5th to the 25th of its month, through two web shops
    # with weak checks.
    day_of_month = np.arange(days) - np.searchsorted(day_month, day_month)
    campaign = active & (day_of_month >= 4) & (day_of_month < 25)
    counts = rng.poisson(_BURSTS_PER_DAY * campaign)
    day = np.repeat(np.arange(days), counts)
    targets = np.stack(
        [rng.choice(world.shops, size=2, replace=False) for _ in _CARD_TESTING_MONTHS]
    )
    month = day_month[day] % len(_CARD_TESTING_MONTHS)
    merchant = targets[month, rng.integers(0, 2, len(day))]
    victim = rng.integers(0, len(world.home), len(day))
    begin = day * _DAY + _night_hours(rng, len(day), 0.6) * 3600
    begin += rng.integers(0, 3600, len(day))

    size = np.minimum(5 + rng.poisson(7, len(day)), 20)
    burst = np.repeat(np.arange(len(day)), size)
    # Charges a minute or so apart: the offsets within a burst are cumulative gaps.
    gap = rng.exponential(60, len(burst)).astype(np.int64) + 5
    first = np.repeat(np.cumsum(size) - size, size)
    offset = np.cumsum(gap) - np.cumsum(gap)[first] + gap[first]
    amount = np.where(
        rng.random(len(burst)) < 0.4,
        rng.choice([1.0, 2.0, 5.0], size=len(burst)),
        rng.uniform(0.5, 10, len(burst)),
    )
    rows = _rows(
        victim[burst],
        merchant[burst],
        begin[burst] + offset,
        amount,
        np.full(len(burst), _ONLINE),
        _CARD_TESTING,
    )
    return rows, victim, day


def _account_takeover(
    rng: np.random.Generator,
    world: _World,
    day_month: np.ndarray,
    shift: int,
    tested_cards: np.ndarray,
    test_days: np.ndarray,
) -> dict[str, np.ndarray]:
    """A fraudster uses a customer's card for a few days: larger, unusual purchases."""
    day = _event_days(rng, _TAKEOVERS_PER_DAY, day_month)
    victim = rng.integers(0, len(world.home), len(day))
    # A third of the cards that passed a test are cashed out 1 to 4 days later.
    cashed = rng.random(len(tested_cards)) < 1 / 3
    day = np.concatenate([day, test_days[cashed] + rng.integers(1, 5, cashed.sum())])
    victim = np.concatenate([victim, tested_cards[cashed]])

    length = rng.integers(1, 7, len(day))
    size = 2 + rng.poisson(3, len(day))
    event = np.repeat(np.arange(len(day)), size)
    customer = victim[event]
    n = len(event)
    second = (day[event] + rng.integers(0, length[event])) * _DAY
    second += _night_hours(rng, n, 0.3) * 3600 + rng.integers(0, 3600, n)

    online = rng.random(n) < 0.55
    near_home = rng.random(n) < 0.5
    terminal = np.where(
        near_home,
        world.pick_nearby(rng, customer),
        world.pick(rng, world.physical_ids, n, _TAKEOVER_TASTE),
    )
    terminal = np.where(
        online, world.pick(rng, world.online_ids, n, _TAKEOVER_TASTE), terminal
    )
    amount = world.amount(rng, customer, terminal) * rng.lognormal(np.log(2.5), 0.5, n)
    limit = np.where(second >= shift, 100.0, 50.0)
    tap = (amount <= limit) & (rng.random(n) < 0.5)
    channel = np.where(online, _ONLINE, np.where(tap, _CONTACTLESS, _CHIP))
    return _rows(customer, terminal, second, amount, channel, _TAKEOVER)


def _gift_cards(
    rng: np.random.Generator, world: _World, day_month: np.ndarray, shift_index: int
) -> dict[str, np.ndarray]:
    """From the shift on, phished cards buy gift cards online in round amounts."""
    since = day_month - shift_index  # months since the shift, 0 in its first month
    last = len(_GIFT_CARDS_PER_DAY) - 1
    rate = _GIFT_CARDS_PER_DAY[np.clip(since, 0, last)]
    counts = rng.poisson(np.where(since >= 0, rate, 0.0))
    day = np.repeat(np.arange(len(day_month)), counts)
    shops = rng.choice(world.shops, size=3, replace=False)

    size = 2 + rng.poisson(2, len(day))
    event = np.repeat(np.arange(len(day)), size)
    n = len(event)
    begin = day * _DAY + rng.integers(9, 21, len(day)) * 3600
    second = begin[event] + rng.integers(0, 4 * 3600, n)
    amount = rng.choice(
        [25.0, 50.0, 100.0, 150.0, 200.0], size=n, p=[0.2, 0.3, 0.3, 0.1, 0.1]
    )
    victim = rng.integers(0, len(world.home), len(day))
    return _rows(
        victim[event],
        shops[rng.integers(0, 3, len(day))][event],
        second,
        amount,
        np.full(n, _ONLINE),
        _GIFT_CARDS,
    )


def _compromise_terminals(
    rng: np.random.Generator,
    world: _World,
    tx: dict[str, np.ndarray],
    day_month: np.ndarray,
) -> None:
    """Mark as fraud every card-present transaction at a terminal while compromised."""
    day = _event_days(rng, _COMPROMISES_PER_DAY, day_month)
    # Fraudsters go for busy terminals, where more cards pass.
    terminal = world.pick(rng, world.physical_ids, len(day))
    begin = day * _DAY + rng.integers(0, _DAY, len(day))
    end = begin + rng.integers(14, 43, len(day)) * _DAY
    legit = tx["scenario"] == _NONE
    for t, b, e in zip(terminal, begin, end, strict=True):
        hit = legit & (tx["terminal"] == t) & (tx["second"] >= b) & (tx["second"] < e)
        tx["scenario"][hit] = _TERMINAL


def _frame(
    rng: np.random.Generator,
    world: _World,
    tx: dict[str, np.ndarray],
    start: pd.Timestamp,
) -> pd.DataFrame:
    """The transactions as the case's data frame, with labels' arrival times."""
    n = len(tx["second"])
    scenario = tx["scenario"]
    fraud = scenario != _NONE
    # Chargebacks come after a log-normal delay; legitimate rows are known to be
    # legitimate once the dispute window has closed.
    median = _CHARGEBACK_MEDIAN_DAYS[scenario]
    delay = np.full(n, _LABEL_WINDOW_DAYS * _DAY, dtype=np.int64)
    drawn = rng.lognormal(np.log(median[fraud]), _CHARGEBACK_SIGMA) * _DAY
    delay[fraud] = np.clip(drawn, 3600, _LABEL_WINDOW_DAYS * _DAY).astype(np.int64)

    customer, terminal = tx["customer"], tx["terminal"]
    online = tx["channel"] == _ONLINE
    place = world.place[np.where(online, 0, terminal)]  # online rows: any; masked below
    gap = np.hypot(*(world.home[customer] - place).T)
    t0 = np.datetime64(start.to_datetime64(), "s")
    timestamp = t0 + tx["second"].astype("timedelta64[s]")

    return pd.DataFrame(
        {
            "transaction_id": _ids("TX", np.arange(n), 7),
            "timestamp": timestamp.astype("datetime64[ns]"),
            "customer_id": _ids("C", np.arange(len(world.home)), 5)[customer],
            "terminal_id": _ids("T", np.arange(len(world.category)), 5)[terminal],
            "amount": np.maximum(np.round(tx["amount"], 2), 0.5),
            "channel": pd.Categorical.from_codes(tx["channel"], CHANNELS),
            "merchant_category": pd.Categorical.from_codes(
                world.category[terminal], CATEGORIES
            ),
            "distance_km": np.where(online, np.nan, np.round(gap, 1)),
            "is_fraud": fraud.astype(np.int64),
            "scenario": pd.Categorical.from_codes(scenario, SCENARIOS),
            "label_available_at": (timestamp + delay.astype("timedelta64[s]")).astype(
                "datetime64[ns]"
            ),
        }
    )


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Identifiers such as ``C00042``, as an object array."""
    text = pd.Series(numbers).astype(str).str.zfill(width)
    return (prefix + text).to_numpy(dtype=object)


# Features and rules, for the features, model-development and evaluation notebooks.

_HOUR = 3_600


def features(df: pd.DataFrame) -> pd.DataFrame:
    """Behavioural features of each transaction, computed from its past only.

    One transaction says little; its card's and its terminal's recent history say
    much more. Every feature uses only what the issuer knows when the payment is
    authorised: transactions strictly before it, and chargebacks that have already
    arrived. In production these aggregates live in a feature store updated as
    payments stream in (chapter 7); here they are computed for all rows at once.

    Parameters
    ----------
    df : pandas.DataFrame
        Transactions with ``timestamp``, ``customer_id``, ``terminal_id`` and
        ``amount``; for the terminal's known frauds also ``is_fraud`` and
        ``label_available_at``. Rows may be in any order; it is not modified.

    Returns
    -------
    pandas.DataFrame
        The new columns, on ``df``'s index:

        - ``hour``: hour of the day, 0 to 23.
        - ``is_night``: 1 between midnight and 6 am.
        - ``is_weekend``: 1 on Saturdays and Sundays.
        - ``customer_tx_1h``, ``customer_tx_1d``, ``customer_tx_7d``: the card's
          transactions in the hour, the day and the week before.
        - ``customer_mean_amount_30d``: the card's mean amount over the 30 days
          before; missing without history.
        - ``amount_to_customer_mean``: ``amount`` over that mean; missing without
          history.
        - ``terminal_tx_1d``: the terminal's transactions in the day before.
        - ``terminal_frauds_known_28d``: frauds at the terminal whose chargeback
          arrived in the 28 days before; the delay of labels is respected.

    Examples
    --------
    >>> data = simulate(random_state=0, months=1, customers=200, terminals=100)
    >>> new = features(data)
    >>> new.loc[:, ["customer_tx_1d", "terminal_frauds_known_28d"]].min().tolist()
    [0.0, 0.0]
    """
    ts = df["timestamp"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    origin = ts.min()
    seconds = ts - origin
    amount = df["amount"].to_numpy(dtype=float)
    customer = pd.factorize(df["customer_id"])[0]
    terminal = pd.factorize(df["terminal_id"])[0]
    hour = df["timestamp"].dt.hour.to_numpy()
    out = {
        "hour": hour.astype(float),
        "is_night": (hour < 6).astype(float),
        "is_weekend": (df["timestamp"].dt.day_of_week.to_numpy() >= 5).astype(float),
    }
    for name, window in (("1h", _HOUR), ("1d", _DAY), ("7d", 7 * _DAY)):
        out[f"customer_tx_{name}"], _ = _past_window(customer, seconds, amount, window)
    count, total = _past_window(customer, seconds, amount, 30 * _DAY)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    out["customer_mean_amount_30d"] = mean
    out["amount_to_customer_mean"] = amount / mean
    out["terminal_tx_1d"], _ = _past_window(terminal, seconds, amount, _DAY)
    if {"is_fraud", "label_available_at"} <= set(df.columns):
        fraud = df["is_fraud"].to_numpy() == 1
        known = (
            df["label_available_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
        )
        out["terminal_frauds_known_28d"] = _known_events(
            terminal, seconds, terminal[fraud], known[fraud] - origin, 28 * _DAY
        )
    return pd.DataFrame(out, index=df.index)


def _past_window(
    entity: np.ndarray, seconds: np.ndarray, values: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Count and sum of ``values`` of the same entity in ``[t - window, t)``.

    One sort and two binary searches: each row's entity and time are folded into one
    sorted key, so the window's first and last rows are found for all rows at once.
    """
    span = int(seconds.max()) + window + 1
    order = np.lexsort((seconds, entity))
    key = entity[order].astype(np.int64) * span + seconds[order]
    start = np.searchsorted(key, key - window, side="left")
    end = np.searchsorted(key, key, side="left")  # strictly before: ties excluded
    running = np.concatenate([[0.0], np.cumsum(values[order])])
    count = np.empty(len(key))
    total = np.empty(len(key))
    count[order] = end - start
    total[order] = running[end] - running[start]
    return count, total


def _known_events(
    entity: np.ndarray,
    seconds: np.ndarray,
    event_entity: np.ndarray,
    event_seconds: np.ndarray,
    window: int,
) -> np.ndarray:
    """Events of each row's entity that became known in ``[t - window, t)``."""
    span = int(max(seconds.max(), event_seconds.max(initial=0))) + window + 1
    events = np.sort(event_entity.astype(np.int64) * span + event_seconds)
    key = entity.astype(np.int64) * span + seconds
    before = np.searchsorted(events, key, side="left")
    return (before - np.searchsorted(events, key - window, side="left")).astype(float)


def heuristic(X: pd.DataFrame) -> np.ndarray:
    """A rule anyone would try first: flag online payments made at night.

    Card testers and account takers like the small hours. Returns 1 (flag) or 0 per
    row of ``X``, which needs ``channel`` and ``timestamp`` (or ``hour``).
    """
    hour = X["hour"] if "hour" in X else X["timestamp"].dt.hour
    return ((X["channel"] == "online") & (hour < 6)).to_numpy().astype(np.int64)


def existing_solution(X: pd.DataFrame) -> np.ndarray:
    """The issuer's hand-written rules in use today; 1 declines the payment.

    Written by the fraud team before the period the data cover, so they know nothing
    of gift-card fraud:

    - an online payment of 10 USD or less between midnight and 6 am (card testing);
    - a card-present payment over 100 USD more than 100 km from the card holder's
      home (a stolen card used far away).

    ``X`` needs ``channel``, ``amount``, ``distance_km`` and ``timestamp`` (or
    ``hour``).
    """
    hour = X["hour"] if "hour" in X else X["timestamp"].dt.hour
    online = X["channel"] == "online"
    testing = online & (hour < 6) & (X["amount"] <= 10)
    far = ~online & (X["distance_km"] > 100) & (X["amount"] > 100)
    return (testing | far).to_numpy().astype(np.int64)
