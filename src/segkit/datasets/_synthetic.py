"""Synthetic customer data: transactions, profiles and behaviour events.

Customers are simulated from the stories behind the models segkit fits, so
that every part of the library has something true to recover:

* purchases follow the BG/NBD story (Fader, Hardie & Lee 2005): while alive, a
  customer buys as a Poisson process with a rate drawn from Gamma(r, alpha);
  after each purchase they drop out with a probability drawn from Beta(a, b);
* order values follow the Gamma-Gamma story (Fader & Hardie 2013): order values
  are Gamma(p, nu) with a customer-level nu drawn from Gamma(q, gamma).

The first purchase times of customer ``i`` depend only on ``seed`` and ``i``'s
position, so :func:`make_customers` and :func:`make_events` describe the same
customers as :func:`make_transactions` when given the same arguments.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.datasets._lines import order_lines
from segkit.errors import ParameterError

__all__ = ["make_customers", "make_events", "make_transactions"]

CATEGORIES = ("books", "electronics", "fashion", "home", "beauty", "sports", "toys", "grocery")
CITIES = ("London", "Manchester", "Berlin", "Paris", "Madrid", "Milan", "Amsterdam", "Warsaw")
CITY_WEIGHTS = (0.22, 0.08, 0.16, 0.16, 0.12, 0.1, 0.08, 0.08)
INTERESTS = (
    "sustainability",
    "technology",
    "fashion",
    "fitness",
    "cooking",
    "travel",
    "gaming",
    "parenting",
    "outdoors",
    "luxury",
)
EVENTS = ("page_view", "add_to_cart", "email_open", "email_click", "return", "complaint")
_DAY_NS = 86_400 * 10**9


def _window(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    try:
        t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"start and end must be dates; got {start!r}, {end!r}") from exc
    if t1 <= t0:
        raise ParameterError(f"end ({t1.date()}) must be after start ({t0.date()})")
    return t0, t1, (t1 - t0) / pd.Timedelta(days=1)


def _check_count(n_customers: int) -> None:
    if isinstance(n_customers, bool) or not isinstance(n_customers, int | np.integer):
        raise ParameterError(f"n_customers must be an int; got {n_customers!r}")
    if n_customers < 1:
        raise ParameterError(f"n_customers must be at least 1; got {n_customers}")


def _first_purchase_days(
    n: int, seed: int, span_days: float, acquisition: float
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Days from ``start`` to each customer's first purchase (shared by all generators)."""
    rng = np.random.default_rng([seed, 0])
    return rng.uniform(0.0, acquisition * span_days, size=n)


def make_transactions(
    n_customers: int = 1000,
    *,
    seed: int = 0,
    start: Any = "2023-01-01",
    end: Any = "2025-12-31",
    acquisition: float = 0.5,
    r: float = 0.6,
    alpha: float = 30.0,
    a: float = 0.8,
    b: float = 4.0,
    p: float = 6.0,
    q: float = 4.0,
    gamma: float = 15.0,
    lines_per_order: float = 1.4,
    return_rate: float = 0.04,
    products: int | None = None,
    equal_totals: float = 0.3,
    cancel_rate: float = 0.0,
    guest_rate: float = 0.0,
    complements: float = 0.0,
) -> pd.DataFrame:
    """Simulate a retail transaction log, one row per order line.

    By default one row per order line with an amount. With ``products`` the
    lines have the shape of a real shop export (the "Online Retail" shape):
    a product and a unit price per line with ``amount == quantity * price``,
    equal line totals inside orders, and on request cancellation invoices and
    guest lines.

    Parameters
    ----------
    n_customers : int
        Number of customers; ids are ``1..n_customers``.
    seed : int
        Seed of the random generator; the output is a pure function of the
        arguments.
    start, end : date-like
        The observation window.
    acquisition : float
        First purchases fall uniformly in the first ``acquisition`` share of
        the window.
    r, alpha : float
        Gamma heterogeneity of the purchase rate, per day (mean ``r / alpha``).
    a, b : float
        Beta heterogeneity of the dropout probability after each purchase.
    p, q, gamma : float
        Gamma-Gamma spend parameters; the mean order value of a customer is
        ``p * nu_inverse`` with ``nu ~ Gamma(q, rate=gamma)``.
    lines_per_order : float
        Mean number of lines per order (at least 1).
    return_rate : float
        Share of order lines returned later (a negative-amount row).
    products : int, optional
        Size of the product catalogue. Adds ``product_id`` and ``price``
        columns; ``quantity`` is then the number of units, ``category`` the
        product's, and a returned line has quantity -1. No two lines of an
        order are identical (with more than one product): every line is
        genuine, and :func:`segkit.clean_transactions` finds no duplicate.
    equal_totals : float
        With ``products``: the probability that a line repeats the previous
        line's price and quantity (another product, the same line total).
    cancel_rate : float
        With ``products``: share of orders cancelled by a later invoice
        (order id ``"C"`` + number, every line with a negative quantity). Order
        ids are then strings.
    guest_rate : float
        With ``products``: share of orders without a customer id (guest
        checkouts); ``customer_id`` is then float64 with NaN, as read from a
        CSV export.
    complements : float
        With ``products``: the probability that a line brings its product's
        complementary partner (products are paired at random) into the same
        order as an extra line. When positive, ``lines.attrs["planted"]``
        holds the truth for tests: ``"complement"`` (partner id by product
        id) and ``"favourite_category"`` (by customer id).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int64), ``order_id`` (int64), ``timestamp``
        (datetime64[ns]), ``amount`` (float64; negative for returns),
        ``quantity``, ``category``, ``channel`` (``"online"``/``"offline"``),
        sorted by timestamp.

    Examples
    --------
    >>> from segkit.datasets import make_transactions
    >>> tx = make_transactions(200, seed=1)
    >>> list(tx.columns)
    ['customer_id', 'order_id', 'timestamp', 'amount', 'quantity', 'category', 'channel']
    >>> tx["customer_id"].nunique()
    200
    >>> bool(make_transactions(200, seed=1).equals(tx))
    True
    >>> lines = make_transactions(200, seed=1, products=50, cancel_rate=0.02, guest_rate=0.05)
    >>> list(lines.columns[-2:])
    ['product_id', 'price']
    >>> bool((lines["amount"] == (lines["quantity"] * lines["price"]).round(2)).all())
    True
    """
    _check_count(n_customers)
    for name, value in {
        "r": r,
        "alpha": alpha,
        "a": a,
        "b": b,
        "p": p,
        "q": q,
        "gamma": gamma,
    }.items():
        if not value > 0:
            raise ParameterError(f"{name} must be positive; got {value!r}")
    if not 0 < acquisition <= 1:
        raise ParameterError(f"acquisition must be in (0, 1]; got {acquisition!r}")
    if not 0 <= return_rate < 1:
        raise ParameterError(f"return_rate must be in [0, 1); got {return_rate!r}")
    if not lines_per_order >= 1:
        raise ParameterError(f"lines_per_order must be at least 1; got {lines_per_order!r}")
    for name, rate in {
        "equal_totals": equal_totals,
        "cancel_rate": cancel_rate,
        "guest_rate": guest_rate,
        "complements": complements,
    }.items():
        if not 0 <= rate < 1:
            raise ParameterError(f"{name} must be in [0, 1); got {rate!r}")
    if products is not None and (
        isinstance(products, bool) or not isinstance(products, int | np.integer) or products < 1
    ):
        raise ParameterError(f"products must be a positive int; got {products!r}")
    if products is None and (cancel_rate or guest_rate):
        raise ParameterError(
            "cancel_rate and guest_rate need products=..., the export-shaped order lines"
        )
    if products is None and complements:
        raise ParameterError("complements need products=..., the catalogue to pair")
    t0, _, span = _window(start, end)
    n = int(n_customers)
    first = _first_purchase_days(n, seed, span, acquisition)
    rng = np.random.default_rng([seed, 1])

    # BG/NBD story: N ~ Poisson(lambda * window) arrivals while alive, cut at
    # the dropout point D ~ Geometric(p) - 1. The first m of N uniform order
    # statistics are cumsum(E_1..E_m) / (cumsum + Gamma(N + 1 - m)).
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    drop = rng.beta(a, b, size=n)
    horizon = span - first
    arrivals = rng.poisson(lam * horizon)
    survive = rng.geometric(drop) - 1
    repeats = np.minimum(arrivals, survive)
    total = int(repeats.sum())
    owner = np.repeat(np.arange(n), repeats)
    gaps = rng.standard_exponential(total)
    csum = np.cumsum(gaps)
    ends = np.cumsum(repeats)
    offset = np.concatenate(([0.0], csum[ends[repeats > 0] - 1]))
    group_start = np.zeros(n, dtype=np.int64)
    group_start[repeats > 0] = np.arange(int((repeats > 0).sum()))
    within = csum - np.repeat(offset[group_start], repeats)
    rest = rng.gamma(np.maximum(arrivals - repeats + 1, 1).astype(float))
    last_sum = np.zeros(n)
    last_sum[repeats > 0] = within[ends[repeats > 0] - 1]
    scale = np.repeat(horizon / (last_sum + rest), repeats)
    repeat_days = np.repeat(first, repeats) + within * scale

    order_owner = np.concatenate((np.arange(n), owner))
    order_day = np.concatenate((first, repeat_days))
    n_orders = order_owner.size

    # Gamma-Gamma story for the order value.
    nu = rng.gamma(q, 1.0 / gamma, size=n)
    order_value = rng.gamma(p, 1.0 / nu[order_owner])
    online_share = rng.beta(2.0, 1.2, size=n)
    favourite = rng.integers(0, len(CATEGORIES), size=n)

    lines = 1 + rng.poisson(lines_per_order - 1.0, size=n_orders)
    line_order = np.repeat(np.arange(n_orders), lines)
    share = rng.standard_exponential(line_order.size)
    share /= np.bincount(line_order, weights=share, minlength=n_orders)[line_order]
    amount = np.round(order_value[line_order] * share, 2)
    line_owner = order_owner[line_order]
    category = np.where(
        rng.random(line_order.size) < 0.6,
        favourite[line_owner],
        rng.integers(0, len(CATEGORIES), size=line_order.size),
    )
    channel_online = rng.random(n_orders) < online_share[order_owner]
    ns = np.round(order_day * _DAY_NS).astype(np.int64)
    if products is not None:
        return order_lines(
            np.random.default_rng([seed, 7]),
            t0=t0,
            order_ns=ns,
            order_owner=order_owner,
            order_online=channel_online,
            line_order=line_order,
            line_value=order_value[line_order] * share,
            favourite=favourite,
            categories=CATEGORIES,
            n_products=int(products),
            equal_totals=equal_totals,
            return_rate=return_rate,
            cancel_rate=cancel_rate,
            guest_rate=guest_rate,
            complements=complements,
        )

    returned = rng.random(line_order.size) < return_rate
    ret = np.flatnonzero(returned)
    ret_ns = ns[line_order[ret]] + (rng.uniform(2, 30, size=ret.size) * _DAY_NS).astype(np.int64)
    rows = np.concatenate((np.arange(line_order.size), ret))
    order_of_row = line_order[rows]
    timestamps = np.concatenate((ns[line_order], ret_ns))
    amounts = np.concatenate((amount, -amount[ret]))
    quantity = np.concatenate(
        (1 + rng.poisson(0.3, size=line_order.size), np.ones(ret.size, dtype=np.int64))
    )
    # Order ids in time order of the orders, per data set.
    order_rank = np.empty(n_orders, dtype=np.int64)
    order_rank[np.argsort(ns, kind="stable")] = np.arange(1, n_orders + 1)
    sort = np.argsort(timestamps, kind="stable")
    return pd.DataFrame(
        {
            "customer_id": (order_owner[order_of_row] + 1).astype(np.int64)[sort],
            "order_id": order_rank[order_of_row][sort],
            "timestamp": pd.to_datetime(t0.value + timestamps[sort], unit="ns"),
            "amount": amounts[sort],
            "quantity": quantity[sort].astype(np.int64),
            "category": pd.Categorical.from_codes(
                category[rows][sort], categories=pd.Index(CATEGORIES)
            ),
            "channel": pd.Categorical.from_codes(
                np.where(channel_online[order_of_row], 0, 1)[sort],
                categories=pd.Index(["online", "offline"]),
            ),
        }
    )


def make_customers(
    n_customers: int = 1000,
    *,
    seed: int = 0,
    start: Any = "2023-01-01",
    end: Any = "2025-12-31",
    acquisition: float = 0.5,
    prospects: float = 0.1,
) -> pd.DataFrame:
    """Simulate the customer profile table that goes with :func:`make_transactions`.

    Parameters
    ----------
    n_customers, seed, start, end, acquisition
        As given to :func:`make_transactions`; customers ``1..n_customers``
        signed up on or before their first purchase there.
    prospects : float
        Extra registered customers with no purchase, as a share of
        ``n_customers`` (ids continue after ``n_customers``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``; columns ``signup_date``, ``age``,
        ``gender``, ``income`` (yearly, in currency units), ``city``,
        ``education`` and ``interests`` (a list of strings per customer).

    Examples
    --------
    >>> from segkit.datasets import make_customers
    >>> people = make_customers(100, seed=1)
    >>> len(people), people.index.name
    (110, 'customer_id')
    >>> sorted(people.columns)
    ['age', 'city', 'education', 'gender', 'income', 'interests', 'signup_date']
    """
    _check_count(n_customers)
    if not 0 <= prospects <= 10:
        raise ParameterError(f"prospects must be in [0, 10]; got {prospects!r}")
    t0, _, span = _window(start, end)
    n = int(n_customers)
    extra = round(n * prospects)
    first = _first_purchase_days(n, seed, span, acquisition)
    rng = np.random.default_rng([seed, 2])
    lead = rng.exponential(20.0, size=n)
    signup = np.concatenate((np.maximum(first - lead, 0.0), rng.uniform(0.0, span, size=extra)))
    total = n + extra
    age = np.clip(np.round(rng.normal(41, 13, size=total)), 18, 90).astype(np.int64)
    income = np.round(np.exp(rng.normal(10.6, 0.5, size=total)), -2)
    gender = rng.choice(np.array(["female", "male", "other"]), p=[0.52, 0.46, 0.02], size=total)
    city = rng.choice(np.array(CITIES), p=CITY_WEIGHTS, size=total)
    education = rng.choice(
        np.array(["secondary", "bachelor", "master", "doctorate"]),
        p=[0.35, 0.4, 0.2, 0.05],
        size=total,
    )
    n_interests = rng.integers(0, 4, size=total)
    pool = np.array(INTERESTS)
    interests = [sorted(rng.choice(pool, size=k, replace=False).tolist()) for k in n_interests]
    signup_ns = t0.value + np.round(signup * _DAY_NS).astype(np.int64)
    return pd.DataFrame(
        {
            "signup_date": pd.to_datetime(signup_ns, unit="ns").floor("D"),
            "age": age,
            "gender": gender,
            "income": income,
            "city": city,
            "education": education,
            "interests": interests,
        },
        index=pd.Index(np.arange(1, total + 1, dtype=np.int64), name="customer_id"),
    )


def make_events(
    n_customers: int = 1000,
    *,
    seed: int = 0,
    start: Any = "2023-01-01",
    end: Any = "2025-12-31",
    acquisition: float = 0.5,
    rate: float = 0.15,
) -> pd.DataFrame:
    """Simulate a behaviour event log for the customers of :func:`make_transactions`.

    Each customer is active from their first purchase on, with an event rate
    (events per day, Gamma distributed with mean ``rate``) that decays over
    time; events are page views, cart adds, e-mail opens and clicks, returns
    and complaints in realistic proportions.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``timestamp``, ``event`` (categorical),
        sorted by timestamp.

    Examples
    --------
    >>> from segkit.datasets import make_events
    >>> ev = make_events(50, seed=3)
    >>> list(ev.columns)
    ['customer_id', 'timestamp', 'event']
    >>> set(ev["event"].cat.categories) >= {"page_view", "add_to_cart"}
    True
    """
    _check_count(n_customers)
    if not rate > 0:
        raise ParameterError(f"rate must be positive; got {rate!r}")
    t0, _, span = _window(start, end)
    n = int(n_customers)
    first = _first_purchase_days(n, seed, span, acquisition)
    rng = np.random.default_rng([seed, 3])
    # An exponentially decaying intensity: lambda * exp(-t / tau).
    lam = rng.gamma(1.5, rate / 1.5, size=n)
    tau = rng.uniform(60, 720, size=n)
    horizon = span - first
    mass = tau * (1.0 - np.exp(-horizon / tau))
    counts = rng.poisson(lam * mass)
    owner = np.repeat(np.arange(n), counts)
    u = rng.random(owner.size)
    # Inverse CDF of the truncated exponential on [0, horizon].
    offset = -tau[owner] * np.log1p(-u * (1.0 - np.exp(-horizon[owner] / tau[owner])))
    days = first[owner] + offset
    kind = rng.choice(len(EVENTS), p=[0.7, 0.12, 0.1, 0.05, 0.02, 0.01], size=owner.size)
    ns = t0.value + np.round(days * _DAY_NS).astype(np.int64)
    sort = np.argsort(ns, kind="stable")
    return pd.DataFrame(
        {
            "customer_id": (owner + 1).astype(np.int64)[sort],
            "timestamp": pd.to_datetime(ns[sort], unit="ns"),
            "event": pd.Categorical.from_codes(kind[sort], categories=pd.Index(EVENTS)),
        }
    )
